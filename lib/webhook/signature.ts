import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a delivery was refused before anything of it was read: 401 (no or a wrong signature) or 403 (signed, but stale). */
export interface AuthFailure {
  readonly ok: false;
  readonly status: 401 | 403;
  readonly reason: string;
}
export type AuthResult = { readonly ok: true } | AuthFailure;

const OK: AuthResult = { ok: true };
const fail = (status: 401 | 403, reason: string): AuthFailure => ({ ok: false, status, reason });

/** How far Slack's request timestamp may be from now (Slack's own recommendation). */
export const SLACK_MAX_SKEW_MS = 5 * 60_000;
/** How far Linear's `webhookTimestamp` may be from now (Linear's recommendation: one minute). */
export const LINEAR_MAX_SKEW_MS = 60_000;

export function hmacSha256Hex(secret: string, ...parts: ReadonlyArray<string | Buffer>): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Constant-time comparison of two strings (the length is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkHex(header: string | undefined, expected: string, name: string, prefix = ''): AuthResult {
  if (!header) return fail(401, `missing ${name} header`);
  const value = header.trim();
  if (!value.startsWith(prefix)) return fail(401, `${name} must start with "${prefix}"`);
  return safeEqual(value.slice(prefix.length).toLowerCase(), expected) ? OK : fail(401, `${name} does not match the body`);
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyGitHub(body: Buffer, signature: string | undefined, secret: string): AuthResult {
  return checkHex(signature, hmacSha256Hex(secret, body), 'X-Hub-Signature-256', 'sha256=');
}

/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256 of the raw body>`. The body's
 * `webhookTimestamp` (ms) is checked by `checkLinearTimestamp` once the
 * signature holds and the body is parsed.
 */
export function verifyLinear(body: Buffer, signature: string | undefined, secret: string): AuthResult {
  return checkHex(signature, hmacSha256Hex(secret, body), 'Linear-Signature');
}

export function checkLinearTimestamp(webhookTimestamp: unknown, now: number): AuthResult {
  if (typeof webhookTimestamp !== 'number' || !Number.isFinite(webhookTimestamp)) return fail(403, 'webhookTimestamp is missing');
  if (Math.abs(now - webhookTimestamp) > LINEAR_MAX_SKEW_MS) return fail(403, 'webhookTimestamp is more than a minute from now (a replay, or a clock off)');
  return OK;
}

/**
 * Slack's signing secret, version 0: `X-Slack-Signature: v0=<hex HMAC-SHA256
 * of "v0:<X-Slack-Request-Timestamp>:<raw body>">`, the timestamp (seconds)
 * within five minutes of now.
 */
export function verifySlack(body: Buffer, timestamp: string | undefined, signature: string | undefined, secret: string, now: number): AuthResult {
  if (!timestamp) return fail(401, 'missing X-Slack-Request-Timestamp header');
  if (!/^\d{1,12}$/.test(timestamp.trim())) return fail(401, 'X-Slack-Request-Timestamp must be a number of seconds');
  const checked = checkHex(signature, hmacSha256Hex(secret, `v0:${timestamp.trim()}:`, body), 'X-Slack-Signature', 'v0=');
  if (!checked.ok) return checked;
  if (Math.abs(now - Number(timestamp.trim()) * 1000) > SLACK_MAX_SKEW_MS) {
    return fail(403, 'X-Slack-Request-Timestamp is more than five minutes from now (a replay, or a clock off)');
  }
  return OK;
}

/** How a generic source authenticates its deliveries. */
export type GenericAuth =
  /** HMAC-SHA256 of the raw body, hex, in `header` (with or without a `sha256=` prefix). */
  | { readonly type: 'hmac'; readonly header: string }
  /** `Authorization: Bearer <token>`. */
  | { readonly type: 'bearer' };

export const DEFAULT_GENERIC_SIGNATURE_HEADER = 'X-Hub-Signature-256';

export function verifyGeneric(body: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>, auth: GenericAuth, secret: string): AuthResult {
  const header = (name: string) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  if (auth.type === 'bearer') {
    const value = header('authorization');
    if (!value) return fail(401, 'missing Authorization header');
    const m = /^Bearer\s+(.+)$/i.exec(value.trim());
    if (!m) return fail(401, 'Authorization must be "Bearer <token>"');
    return safeEqual(m[1]!.trim(), secret) ? OK : fail(401, 'the bearer token does not match');
  }
  const value = header(auth.header);
  const prefixed = value?.trim().toLowerCase().startsWith('sha256=');
  return checkHex(value, hmacSha256Hex(secret, body), auth.header, prefixed ? 'sha256=' : '');
}
