import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { OctokitOptions } from '@octokit/core/types';
import { etagCache } from './_etag-cache.js';

/** A PAT, or GitHub App installation credentials (the Workspace Secret's keys). */
export type GitHubCredentials =
  | { readonly token: string }
  | { readonly appId: string; readonly installationId: string; readonly privateKey: string };

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
  /** Called for every HTTP answer (retries included), with no status when none came. @default - none */
  readonly onResponse?: (status: number | undefined, headers?: Headers) => void;
}

/** Octokit (REST methods, paginate) with the throttling, retry and ETag cache plugins. */
export type GitHubClient = Octokit;
const KelosOctokit = Octokit.plugin(throttling, retry, etagCache) as unknown as new (options: OctokitOptions) => GitHubClient;

/**
 * The one Octokit a spawner uses: throttling (waits for primary and secondary
 * rate-limit resets), retry (5xx and timeouts with quadratic backoff), an
 * ETag cache (conditional GETs), PAT or App installation auth.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxWait = options.maxRateLimitWaitSeconds ?? 900;
  const creds = options.credentials;
  const onLimit = (kind: string) => (retryAfter: number, opts: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const wait = retryAfter <= maxWait && retryCount < 5;
    log.info({ method: opts.method, url: opts.url, retryAfterSeconds: retryAfter, retryCount, willRetry: wait }, `Hit the GitHub ${kind} rate limit`);
    return wait;
  };
  return new KelosOctokit({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'kelos-spawner',
    ...(creds && 'token' in creds ? { auth: creds.token } : {}),
    ...(creds && 'appId' in creds
      ? { authStrategy: createAppAuth, auth: { appId: creds.appId, installationId: creds.installationId, privateKey: creds.privateKey } }
      : {}),
    request: { fetch: timedFetch(timeoutMs, options.onResponse) },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.error(message),
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: options.rateLimitSecondMs ?? 1000,
      fallbackSecondaryRateRetryAfter: 60,
    },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
      // 403 and 429 are the throttling plugin's; 304 is the ETag cache's.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
  });
}

/** fetch with a per-request deadline; a timeout surfaces as a network error, which the retry plugin retries. */
function timedFetch(timeoutMs: number, onResponse?: GitHubClientOptions['onResponse']): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const res = await fetch(input, { ...init, signal });
      onResponse?.(res.status, res.headers);
      return res;
    } catch (err) {
      onResponse?.(undefined);
      if (deadline.aborted) throw new TypeError(`request timed out after ${timeoutMs}ms`, { cause: err });
      throw err;
    }
  };
}

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
  /** Host of a URL form; undefined for the `owner/repo` shorthand. */
  readonly host?: string;
  /** `http` for an `http://` URL, else `https`. */
  readonly scheme?: 'http' | 'https';
}

/** Parses `owner/repo`, `https://host/owner/repo(.git)`, `git@host:owner/repo.git`, `ssh://git@host/owner/repo`. */
export function parseRepo(text: string): RepoRef {
  const s = text.trim().replace(/\.git$/, '').replace(/\/+$/, '');
  const shorthand = /^([\w.-]+)\/([\w.-]+)$/.exec(s);
  if (shorthand && !shorthand[1]!.includes('.')) return { owner: shorthand[1]!, repo: shorthand[2]! };
  const scp = /^[\w.-]+@([^:/]+):([\w.-]+)\/([\w.-]+)$/.exec(s);
  if (scp) return { host: scp[1]!, owner: scp[2]!, repo: scp[3]!, scheme: 'https' };
  try {
    const u = new URL(s);
    const parts = u.pathname.split('/').filter(Boolean);
    if (parts.length >= 2) {
      return { host: u.host, owner: parts[parts.length - 2]!, repo: parts[parts.length - 1]!, scheme: u.protocol === 'http:' ? 'http' : 'https' };
    }
  } catch {
    // fall through
  }
  throw new Error(`cannot parse repository "${text}": expected owner/repo or a repository URL`);
}

/**
 * The REST base URL for a repository: an explicit one (the
 * `--github-api-base-url` flag or `GITHUB_API_URL`) wins; github.com means
 * `https://api.github.com`; any other host is GitHub Enterprise Server,
 * `<scheme>://<host>/api/v3`.
 */
export function githubApiBaseUrl(repo: RepoRef | undefined, explicit?: string): string {
  if (explicit?.trim()) return explicit.trim().replace(/\/+$/, '');
  if (!repo?.host || /^(www\.)?github\.com$/i.test(repo.host)) return 'https://api.github.com';
  return `${repo.scheme ?? 'https'}://${repo.host}/api/v3`;
}
