import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits.js';
import type { TemplateBudget } from './template-budget-error.js';

export type Limits = Readonly<Required<RenderLimits>>;

/** Characters of strings a function reads or builds per step it is charged. */
export const CHARS_PER_STEP = 64;

/** Steps between clock reads: a read costs about as much as a few steps. */
export const STEPS_PER_CLOCK_CHECK = 256;

/** The limits with defaults applied; a limit that is not a positive integer is a programming error. */
export function resolveLimits(limits: RenderLimits | undefined): Limits {
  if (!limits) return DEFAULT_RENDER_LIMITS;
  const { maxOutputBytes, maxSteps, maxDepth, timeoutMs } = limits;
  // The common call names no limit: no object to build.
  if (maxOutputBytes === undefined && maxSteps === undefined && maxDepth === undefined && timeoutMs === undefined) return DEFAULT_RENDER_LIMITS;
  return {
    maxOutputBytes: checked('maxOutputBytes', maxOutputBytes),
    maxSteps: checked('maxSteps', maxSteps),
    maxDepth: checked('maxDepth', maxDepth),
    timeoutMs: checked('timeoutMs', timeoutMs),
  };
}

function checked(key: keyof RenderLimits, v: number | undefined): number {
  if (v === undefined) return DEFAULT_RENDER_LIMITS[key];
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`'${key}' must be a positive integer, got ${String(v)}`);
  return v;
}

/** What a budget error says after `render budget exceeded: `. */
export function budgetPhrase(budget: TemplateBudget, limit: number): string {
  switch (budget) {
    case 'maxOutputBytes':
      return `output larger than ${limit} bytes (maxOutputBytes)`;
    case 'maxSteps':
      return `more than ${limit} steps (maxSteps)`;
    case 'maxDepth':
      return `nesting deeper than ${limit} (maxDepth)`;
    case 'timeoutMs':
      return `took longer than ${limit} ms (timeoutMs)`;
  }
}

/**
 * UTF-8 bytes of s, as Node encodes it (a lone surrogate is 3 bytes, so a
 * pair split across two pieces counts 6 instead of 4: never too few).
 */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Whether s has more than max UTF-8 bytes; reads s only when its length leaves a doubt. */
export function exceedsBytes(s: string, max: number): boolean {
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  return utf8Bytes(s) > max;
}
