import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import type { OctokitOptions } from '@octokit/core/types';
import { etagCache } from './_etag-cache.js';
import { jsonBody } from './_json-body.js';
import { resilience, type ResilienceOptions } from './_resilience.js';
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

/** Octokit (REST methods, paginate, graphql) with the retry and rate-limit, ETag cache and JSON plugins. */
export type GitHubClient = Octokit;
const KelosOctokit = Octokit.plugin(jsonBody, resilience, etagCache) as unknown as new (options: OctokitOptions & { resilience: ResilienceOptions }) => GitHubClient;

/**
 * The one Octokit a process uses: retries (5xx and timeouts with quadratic
 * backoff), waits for primary and secondary rate limits, an ETag cache
 * (conditional GETs), PAT or App installation auth. Its plugins add no queue
 * and no timers to a request, so a request costs about what `fetch` costs.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const creds = options.credentials;
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
      error: (message: string) => log.error(message),
    },
    resilience: {
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 1000,
      rateLimitSecondMs: options.rateLimitSecondMs ?? 1000,
      maxRateLimitWaitSeconds: options.maxRateLimitWaitSeconds ?? 900,
      maxRateLimitWaits: 5,
      onRateLimit: (e) => log.info(e, `Hit the GitHub ${e.kind} rate limit`),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    },
  });
}

/** fetch with a per-request deadline; a timeout surfaces as a network error, which is retried. */
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
