import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { OctokitOptions } from '@octokit/core/types';
import { etagCache } from './_etag-cache.js';
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
}

/** A request-log line of a 304: `GET /repos/o/r/issues - 304 with id … in 12ms`. */
const NOT_MODIFIED = /^[A-Z]+ \S+ - 304 with id /;

/** Octokit (REST methods, paginate) with the throttling, retry and ETag cache plugins. */
export type GitHubClient = Octokit;
const KelosOctokit = Octokit.plugin(throttling, retry, etagCache) as unknown as new (options: OctokitOptions) => GitHubClient;

/**
 * The one Octokit a process uses: throttling (waits for primary and secondary
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
    userAgent: options.userAgent ?? 'kelos-spawner',
    ...(creds && 'token' in creds ? { auth: creds.token } : {}),
    ...(creds && 'appId' in creds
      ? { authStrategy: createAppAuth, auth: { appId: creds.appId, installationId: creds.installationId, privateKey: creds.privateKey } }
      : {}),
    request: { fetch: timedFetch(timeoutMs, options.onResponse) },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn(message),
      // Octokit's request log reports the 304 of a conditional request as a failed request; it is "unchanged".
      error: (message: string) => (NOT_MODIFIED.test(message) ? log.debug(message) : log.error(message)),
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
