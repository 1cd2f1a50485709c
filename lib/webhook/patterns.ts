import picomatch from 'picomatch';
import { RE2JS } from 're2js';

// Filters hold regular expressions and globs from TaskSpawners, matched
// against text from deliveries: RE2 (Kelos's flavour) runs in linear time, so
// no payload can make a match backtrack for long.

const regexes = new Map<string, RE2JS | Error>();
const globs = new Map<string, (s: string) => boolean>();

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size > 2000) map.clear();
    v = make();
    map.set(key, v);
  }
  return v;
}

/** The compiled RE2 expression, or the Error that says why it does not compile. */
export function re2(pattern: string): RE2JS | Error {
  return cached(regexes, pattern, () => {
    try {
      return RE2JS.compile(pattern);
    } catch (err) {
      return new Error(`invalid regular expression "${pattern}": ${(err as Error).message}`);
    }
  });
}

/** Unanchored RE2 match; an expression that does not compile matches nothing. */
export function matchesPattern(pattern: string, text: string): boolean {
  const r = re2(pattern);
  return !(r instanceof Error) && r.matcher(text).find();
}

/** A glob match as Go's filepath.Match (`*` stops at `/`) or, with `**`, across directories. */
export function matchesGlob(glob: string, text: string): boolean {
  const m = cached(globs, glob, () => {
    try {
      return picomatch(glob, { dot: true });
    } catch {
      return () => false;
    }
  });
  return m(text);
}

/** Exclude first, then include: at least one changed file left must match `include` (any file when none). */
export function matchesFilePatterns(files: readonly string[], patterns: { include?: readonly string[]; exclude?: readonly string[] }): boolean {
  const left = files.filter((f) => !(patterns.exclude ?? []).some((g) => matchesGlob(g, f)));
  if (left.length === 0) return false;
  const include = patterns.include ?? [];
  return include.length === 0 || left.some((f) => include.some((g) => matchesGlob(g, f)));
}
