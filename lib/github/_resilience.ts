import type { Octokit } from '@octokit/core';
import type { OctokitOptions } from '@octokit/core/types';
import type { OctokitResponse } from '@octokit/types';

export interface ResilienceOptions {
  /** Retries of 5xx answers, network errors and timeouts. */
  readonly retries: number;
  /** Backoff unit: retry n waits n² units (ms). */
  readonly retryBaseMs: number;
  /** Milliseconds per second of a rate-limit wait. */
  readonly rateLimitSecondMs: number;
  /** Longest rate-limit wait, in seconds; a longer one fails the request. */
  readonly maxRateLimitWaitSeconds: number;
  /** Rate-limit waits of one request before it fails. */
  readonly maxRateLimitWaits: number;
  /** Called before each rate-limit wait; `willRetry` false when the request fails instead. */
  readonly onRateLimit: (event: RateLimitEvent) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface RateLimitEvent {
  readonly kind: 'primary' | 'secondary';
  readonly method: string;
  readonly url: string;
  readonly retryAfterSeconds: number;
  readonly retryCount: number;
  readonly willRetry: boolean;
}

interface ErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Secondary limits without retry-after or reset: GitHub asks for at least a minute, growing on repeats. */
const SECONDARY_FALLBACK_SECONDS = 60;

/**
 * Octokit plugin: one loop per request that retries 5xx answers, network
 * errors and timeouts with quadratic backoff, and waits out primary and
 * secondary rate limits (REST 403/429, and GraphQL's RATE_LIMITED) as GitHub
 * documents them: `retry-after` first, else until `x-ratelimit-reset`
 * (measured against the server's `date`, so a skewed pod clock does not
 * matter), else a minute doubling on repeats. No queue and no timers besides
 * the waits themselves: the spawner sends one request at a time.
 */
export function resilience(octokit: Octokit, octokitOptions: OctokitOptions): void {
  const o = (octokitOptions as { resilience?: ResilienceOptions }).resilience;
  if (!o) throw new Error('the resilience plugin needs its options');
  octokit.hook.wrap('request', async (request, opts) => {
    let retries = 0;
    let waits = 0;
    for (;;) {
      let limit: { kind: 'primary' | 'secondary'; seconds: number } | undefined;
      let failure: unknown;
      try {
        const response = await request(opts);
        limit = graphqlRateLimited(response);
        if (!limit) return response;
        failure = Object.assign(new Error('GitHub GraphQL rate limit exceeded'), { status: response.status, response });
      } catch (err) {
        const e = err as ErrorLike;
        if (e.status === 304) throw err; // the ETag cache's
        limit = rateLimited(e, waits);
        if (!limit) {
          if (retryable(e) && retries < o.retries) {
            retries++;
            await o.sleep(retries * retries * o.retryBaseMs);
            continue;
          }
          throw err;
        }
        failure = err;
      }
      const willRetry = limit.seconds <= o.maxRateLimitWaitSeconds && waits < o.maxRateLimitWaits;
      o.onRateLimit({ kind: limit.kind, method: opts.method, url: opts.url, retryAfterSeconds: limit.seconds, retryCount: waits, willRetry });
      if (!willRetry) throw failure;
      waits++;
      await o.sleep(limit.seconds * o.rateLimitSecondMs);
    }
  });
}

function retryable(e: ErrorLike): boolean {
  // Octokit reports network errors and timeouts as 500.
  return e.status === undefined || e.status >= 500;
}

function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Seconds until `x-ratelimit-reset` by the server's clock, plus one (GitHub's advice). */
function untilReset(headers: Record<string, string | undefined> | undefined): number {
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  const date = Date.parse(header(headers, 'date') ?? '');
  const now = Number.isNaN(date) ? Date.now() : date;
  return Number.isFinite(reset) ? Math.max(0, Math.ceil(reset - now / 1000)) + 1 : SECONDARY_FALLBACK_SECONDS;
}

function rateLimited(e: ErrorLike, waits: number): { kind: 'primary' | 'secondary'; seconds: number } | undefined {
  if (e.status !== 403 && e.status !== 429) return undefined;
  const headers = e.response?.headers;
  const retryAfter = Number(header(headers, 'retry-after'));
  const secondary = /\bsecondary rate\b/i.test(e.message ?? '') || e.status === 429;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return { kind: secondary ? 'secondary' : 'primary', seconds: retryAfter };
  if (header(headers, 'x-ratelimit-remaining') === '0') return { kind: 'primary', seconds: untilReset(headers) };
  if (secondary) return { kind: 'secondary', seconds: SECONDARY_FALLBACK_SECONDS * 2 ** waits };
  return undefined;
}

function graphqlRateLimited(response: OctokitResponse<unknown>): { kind: 'primary'; seconds: number } | undefined {
  const errors = (response.data as { errors?: Array<{ type?: string }> } | undefined)?.errors;
  if (!Array.isArray(errors) || !errors.some((e) => e?.type === 'RATE_LIMITED')) return undefined;
  return { kind: 'primary', seconds: untilReset(response.headers as Record<string, string | undefined>) };
}
