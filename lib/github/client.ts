import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import type { Logger } from 'pino';
import { type RateLimitWait, rateLimitWait, retryable } from './_rate-limits.js';
import type { GitHubCredentials } from './credentials.js';

export interface GitHubClientOptions {
  /** e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  readonly baseUrl: string;
  readonly credentials?: GitHubCredentials | undefined;
  readonly log: Logger;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
  /** Retries of 5xx and timeouts. @default 3 */
  readonly retries?: number;
  /** Backoff unit: retry n waits n² units. @default 1000 */
  readonly retryBaseMs?: number;
  /**
   * Milliseconds per second of a rate limit's wait (the `x-ratelimit-reset`
   * or `retry-after` the server gives). Tests shrink it. @default 1000
   */
  readonly rateLimitSecondMs?: number;
  /** Longest rate-limit wait inside one cycle, in seconds; longer fails the cycle. @default 900 */
  readonly maxRateLimitWaitSeconds?: number;
  /** @default 'kelos-spawner' */
  readonly userAgent?: string;
  /** Called for every HTTP answer (retries included), with no status when none came. @default - none */
  readonly onResponse?: (status: number | undefined, headers?: Headers) => void;
  /** How backoff and rate-limit waits wait; tests record them. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GitHubResponse<T = unknown> {
  /** 304 when the answer came from the ETag cache. */
  readonly status: number;
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly data: T;
}

/** An answer of 400 and above, or no answer (`status` undefined: network error or timeout). */
export class GitHubRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly response?: { readonly headers: Readonly<Record<string, string>>; readonly data: unknown },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GitHubRequestError';
  }
}

/** How one request departs from the client's defaults. */
export interface RequestOptions {
  /**
   * Retries of 5xx answers and timeouts. 0 for a request that must not be
   * repeated blindly: a POST that creates something may have been applied
   * although no answer came. @default the client's `retries`
   */
  readonly retries?: number;
  /**
   * Keep a GET's answer in the ETag cache and revalidate it from there.
   * false: the caller keeps what it needs of the answer and passes its ETag
   * as `ifNoneMatch` (a 304 then comes back with no data). @default true
   */
  readonly cache?: boolean;
  /** An ETag the caller kept, sent as `If-None-Match` when the cache has none. */
  readonly ifNoneMatch?: string;
}

/** A request by its parts; `data` is the raw body. */
export interface RequestParts {
  readonly method: string;
  /** Absolute, or a path under the base URL. */
  readonly url: string;
  readonly data?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Least recently used ETag entries beyond this many are dropped. */
const MAX_ETAGS = 10_000;
/** Rate-limit waits of one request before it fails. */
const MAX_RATE_LIMIT_WAITS = 5;

/**
 * GitHub's REST and GraphQL APIs over `fetch`, one request at a time:
 * conditional GETs through an ETag cache (a 304 costs no rate limit and is
 * answered from the cache with `status: 304`), retries of 5xx answers and
 * timeouts with quadratic backoff, and waits for primary and secondary rate
 * limits as GitHub documents them (see `rateLimitWait`); PAT or App
 * installation auth (@octokit/auth-app mints and caches the tokens).
 * Octokit's request pipeline is not used on this path: merging and parsing
 * its endpoint options cost about 1.45× a bare `fetch` per small request.
 */
export class GitHubClient {
  readonly baseUrl: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly rateLimitSecondMs: number;
  private readonly maxWait: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onResponse: GitHubClientOptions['onResponse'];
  private readonly headers: Record<string, string>;
  private readonly token: (refresh: boolean) => Promise<string | undefined>;
  private readonly etags = new Map<string, { etag: string; response: GitHubResponse }>();
  private readonly routes = new Map<string, { method: string; parts: string[]; names: string[] }>();

  constructor(options: GitHubClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.rateLimitSecondMs = options.rateLimitSecondMs ?? 1000;
    this.maxWait = options.maxRateLimitWaitSeconds ?? 900;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onResponse = options.onResponse;
    this.headers = { accept: 'application/vnd.github+json', 'user-agent': options.userAgent ?? 'kelos-spawner', 'x-github-api-version': '2022-11-28' };
    this.token = tokenSource(options.credentials, this.baseUrl, this.headers['user-agent']!);
  }

  /**
   * `request('GET /repos/{owner}/{repo}/issues', { owner, repo, state })`:
   * route parameters are encoded into the path, the others go in the query
   * (GET) or a JSON body; or a request by its parts.
   */
  async request<T = unknown>(
    route: string | RequestParts,
    params: Readonly<Record<string, unknown>> = {},
    options: RequestOptions = {},
  ): Promise<GitHubResponse<T>> {
    const parts = typeof route === 'string' ? this.build(route, params) : route;
    const url = /^https?:\/\//.test(parts.url) ? parts.url : `${this.baseUrl}${parts.url}`;
    return (await this.send(parts.method, url, parts.data, parts.headers, options)) as GitHubResponse<T>;
  }

  private build(route: string, params: Readonly<Record<string, unknown>>): RequestParts {
    let r = this.routes.get(route);
    if (!r) {
      const m = /^([A-Z]+) (\/\S*)$/.exec(route);
      if (!m) throw new Error(`not a route: ${route}`);
      const names: string[] = [];
      const parts = m[2]!.split(/\{(\w+)\}/).filter((p, i) => (i % 2 === 1 ? (names.push(p), false) : true));
      r = { method: m[1]!, parts, names };
      this.routes.set(route, r);
    }
    let path = r.parts[0]!;
    r.names.forEach((name, i) => {
      const v = params[name];
      if (v === undefined || v === null || v === '') throw new Error(`${route}: parameter ${name} is missing`);
      path += encodeURIComponent(String(v)) + r.parts[i + 1]!;
    });
    const rest = Object.entries(params).filter(([k, v]) => v !== undefined && !r.names.includes(k));
    if (r.method === 'GET' || r.method === 'HEAD') {
      const query = new URLSearchParams(rest.map(([k, v]): [string, string] => [k, String(v)])).toString();
      return { method: r.method, url: query ? `${path}?${query}` : path };
    }
    return { method: r.method, url: path, data: JSON.stringify(Object.fromEntries(rest)), headers: { 'content-type': 'application/json; charset=utf-8' } };
  }

  private async send(
    method: string,
    url: string,
    data: string | undefined,
    extra: Readonly<Record<string, string>> | undefined,
    options: RequestOptions,
  ): Promise<GitHubResponse> {
    const caching = method === 'GET' && options.cache !== false;
    const cached = caching ? this.etags.get(url) : undefined;
    const maxRetries = options.retries ?? this.retries;
    let retries = 0;
    let waits = 0;
    let refreshed = false;
    for (;;) {
      const token = await this.token(false);
      const headers: Record<string, string> = { ...this.headers, ...extra };
      if (token) headers.authorization = `token ${token}`;
      if (cached) headers['if-none-match'] = cached.etag;
      else if (options.ifNoneMatch && method === 'GET') headers['if-none-match'] = options.ifNoneMatch;
      let answer: { status: number; headers: Record<string, string>; data: unknown } | undefined;
      let failure: unknown;
      try {
        answer = await this.fetch(method, url, headers, data);
      } catch (err) {
        failure = err;
      }
      if (answer?.status === 304 && cached) {
        this.remember(url, cached);
        // The body and Link are the cached ones; date and rate-limit headers are fresh.
        const fresh = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => k === 'date' || k.startsWith('x-ratelimit-')));
        return { ...cached.response, status: 304, headers: { ...cached.response.headers, ...fresh } };
      }
      if (answer?.status === 304 && !cached && options.ifNoneMatch) return { status: 304, url, headers: answer.headers, data: undefined };
      let limit: RateLimitWait | undefined;
      if (answer) {
        limit = rateLimitWait(answer.status, answer.headers, answer.data, waits);
        if (!limit && answer.status < 300) {
          const response: GitHubResponse = { status: answer.status, url, headers: answer.headers, data: answer.data };
          if (caching && answer.headers.etag) this.remember(url, { etag: answer.headers.etag, response });
          return response;
        }
        if (!limit && answer.status === 401 && !refreshed && (await this.token(true)) !== token) {
          refreshed = true; // an App installation token revoked before its time
          continue;
        }
        failure = errorOf(method, url, answer);
      }
      if (limit) {
        const willRetry = limit.seconds <= this.maxWait && waits < MAX_RATE_LIMIT_WAITS;
        this.log.info({ method, url, retryAfterSeconds: limit.seconds, retryCount: waits, willRetry }, `Hit the GitHub ${limit.kind} rate limit`);
        if (!willRetry) throw failure;
        waits++;
        await this.sleep(limit.seconds * this.rateLimitSecondMs);
        continue;
      }
      if (retryable(answer?.status) && retries < maxRetries) {
        retries++;
        this.log.debug({ method, url, status: answer?.status, retry: retries }, 'Retrying a GitHub request');
        await this.sleep(retries * retries * this.retryBaseMs);
        continue;
      }
      throw failure;
    }
  }

  /** One HTTP exchange with a deadline; throws GitHubRequestError (no status) when no answer came. */
  private async fetch(method: string, url: string, headers: Record<string, string>, body: string | undefined) {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, signal, ...(body === undefined ? {} : { body }) });
      text = await res.text();
    } catch (err) {
      this.onResponse?.(undefined);
      const why = signal.aborted ? `timed out after ${this.timeoutMs}ms` : (((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
      throw new GitHubRequestError(`${method} ${url}: ${why}`, undefined, undefined, { cause: err });
    }
    this.onResponse?.(res.status, res.headers);
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    let data: unknown = text;
    if (text !== '' && /^application\/(?:[\w.+-]+\+)?json\b/i.test(out['content-type'] ?? '')) {
      try {
        data = JSON.parse(text);
      } catch {
        throw new GitHubRequestError(`${method} ${url}: GitHub answered ${res.status} with a body that is not JSON`, res.status);
      }
    }
    return { status: res.status, headers: out, data };
  }

  private remember(url: string, entry: { etag: string; response: GitHubResponse }): void {
    this.etags.delete(url);
    this.etags.set(url, entry);
    if (this.etags.size > MAX_ETAGS) this.etags.delete(this.etags.keys().next().value!);
  }
}

function errorOf(method: string, url: string, answer: { status: number; headers: Record<string, string>; data: unknown }): GitHubRequestError {
  const d = answer.data as { message?: string; errors?: Array<{ message?: string }> } | undefined;
  const message = d?.message ?? d?.errors?.map((e) => e.message).join('; ') ?? (typeof answer.data === 'string' ? answer.data.slice(0, 200) : '');
  return new GitHubRequestError(`${method} ${url}: ${answer.status}${message ? ` ${message}` : ''}`, answer.status, {
    headers: answer.headers,
    data: answer.data,
  });
}

/** The token of each request: a PAT as is; an App installation token minted and cached by @octokit/auth-app. */
function tokenSource(creds: GitHubCredentials | undefined, baseUrl: string, userAgent: string): (refresh: boolean) => Promise<string | undefined> {
  if (!creds) return async () => undefined;
  if ('token' in creds) {
    const { token } = creds;
    return async () => token;
  }
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const auth = createAppAuth({
    appId: creds.appId,
    installationId: creds.installationId,
    privateKey: creds.privateKey,
    request: new Octokit({ baseUrl, userAgent, log: quiet }).request,
  });
  return async (refresh) => (await auth({ type: 'installation', ...(refresh ? { refresh: true } : {}) })).token;
}

/** The one client a process uses for one GitHub (see `GitHubClient`). */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  return new GitHubClient(options);
}
