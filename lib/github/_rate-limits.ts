/** How long GitHub asks a client to wait before it asks again. */
export interface RateLimitWait {
  readonly kind: 'primary' | 'secondary';
  readonly seconds: number;
}

/** Secondary limits without retry-after or reset: GitHub asks for at least a minute, growing on repeats. */
const SECONDARY_FALLBACK_SECONDS = 60;

/**
 * The wait an answer asks for, as GitHub documents it: a 403 or 429 with
 * `retry-after` waits that long; with `x-ratelimit-remaining: 0` until
 * `x-ratelimit-reset` (by the server's `date`, so a skewed pod clock does not
 * matter) plus a second; a secondary limit without either a minute, doubling
 * on repeats. GraphQL may also answer 200 with a `RATE_LIMITED` error.
 * Undefined when the answer is no rate limit.
 */
export function rateLimitWait(status: number, headers: Readonly<Record<string, string>>, data: unknown, waits: number): RateLimitWait | undefined {
  const errors = (data as { errors?: Array<{ type?: string }> } | null | undefined)?.errors;
  const graphqlLimited = Array.isArray(errors) && errors.some((e) => e?.type === 'RATE_LIMITED');
  if (status < 300) return graphqlLimited ? { kind: 'primary', seconds: untilReset(headers) } : undefined;
  if (status !== 403 && status !== 429) return undefined;
  const message = String((data as { message?: unknown } | null | undefined)?.message ?? '');
  const secondary = /\bsecondary rate\b/i.test(message) || status === 429;
  const retryAfter = Number(headers['retry-after'] ?? Number.NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return { kind: secondary ? 'secondary' : 'primary', seconds: retryAfter };
  if (headers['x-ratelimit-remaining'] === '0' || graphqlLimited) return { kind: 'primary', seconds: untilReset(headers) };
  if (secondary) return { kind: 'secondary', seconds: SECONDARY_FALLBACK_SECONDS * 2 ** waits };
  return undefined;
}

/** 5xx answers and no answer at all (network errors, timeouts) are worth another try. */
export function retryable(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}

function untilReset(headers: Readonly<Record<string, string>>): number {
  const reset = Number(headers['x-ratelimit-reset'] ?? Number.NaN);
  const date = Date.parse(headers.date ?? '');
  const now = Number.isNaN(date) ? Date.now() : date;
  return Number.isFinite(reset) ? Math.max(0, Math.ceil(reset - now / 1000)) + 1 : SECONDARY_FALLBACK_SECONDS;
}
