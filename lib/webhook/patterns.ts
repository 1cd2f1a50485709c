import { RE2JS } from 're2js';

// Filters hold regular expressions from TaskSpawners (globs: lib/github/file-patterns.ts), matched
// against text from deliveries: RE2 (Kelos's flavour) runs in linear time, so
// no payload can make a match backtrack for long.

const regexes = new Map<string, RE2JS | Error>();

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
