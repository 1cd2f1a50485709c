import { createHash } from 'node:crypto';

/** A short stable hash of a string (hex), for bounded names. */
export function shortHash(value: string, length = 8): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * `<base><suffix>` limited to `max` characters: when too long, the base is cut
 * and a stable hash of the full name keeps it unique. The result is a valid
 * DNS-1123 label when the inputs are.
 */
export function boundedName(base: string, suffix: string, max = 63): string {
  const full = `${base}${suffix}`;
  if (full.length <= max) return full;
  const hash = shortHash(full);
  const keep = Math.max(1, max - suffix.length - hash.length - 1);
  return `${base.slice(0, keep).replace(/[-.]+$/, '')}-${hash}${suffix}`;
}
