import { RE2JS } from 're2js';
import type { FilePatterns } from '../api/index.js';

/** Longest glob accepted, in characters. */
export const MAX_GLOB_LENGTH = 1024;

/** Whether a pull request's changed files pass a filter: see fileFilter. */
export type FileFilter = (files: readonly string[]) => boolean;

// Globs come from TaskSpawners and are matched on every item of every
// cycle (and every delivery): each is compiled once.
const compiled = new Map<string, RE2JS | Error>();

function cachedGlob(glob: string): RE2JS | Error {
  let g = compiled.get(glob);
  if (g === undefined) {
    if (compiled.size > 2000) compiled.clear();
    try {
      g = compileGlob(glob);
    } catch (err) {
      g = err as Error;
    }
    compiled.set(glob, g);
  }
  return g;
}

/**
 * A name (a branch, a tag, a file path) against a glob of a TaskSpawner:
 * equal, or matched as a doublestar glob. A glob that does not compile
 * matches only itself.
 */
export function matchesGlob(glob: string, name: string): boolean {
  if (glob === name) return true;
  const g = cachedGlob(glob);
  return !(g instanceof Error) && g.matches(name);
}

/** `filePatterns` on a list of changed files: exclude first, then include (any file left, without include). */
export function matchesFilePatterns(files: readonly string[], patterns: FilePatterns): boolean {
  const left = files.filter((f) => !(patterns.exclude ?? []).some((g) => matchesGlob(g, f)));
  if (left.length === 0) return false;
  const include = patterns.include ?? [];
  return include.length === 0 || left.some((f) => include.some((g) => matchesGlob(g, f)));
}

/**
 * The filter of `githubPullRequests.filePatterns`, with Kelos's semantics:
 * files matching an `exclude` glob are dropped first; the item passes when
 * a file left matches an `include` glob, or, with no `include`, when any
 * file is left. Undefined when both lists are empty (no file filter).
 *
 * Globs follow Go's doublestar, as Kelos does: `*` and `?` stay within a
 * path segment, `**` as a whole segment spans any number of them (zero
 * included), `[abc]`, `[a-z]`, `[!a]`/`[^a]` classes, `{a,b}` alternatives,
 * `\` escapes; dotfiles match like any file. They are translated to RE2
 * syntax and run by re2js: matching is linear in the file name, so a
 * stranger's file name cannot make a glob backtrack for minutes, as
 * regular-expression glob libraries can on `*a*a*a*b`.
 *
 * Throws an Error naming the glob when one is malformed (an unclosed `[`
 * or `{`, a trailing `\`) or longer than MAX_GLOB_LENGTH.
 */
export function fileFilter(patterns: FilePatterns | undefined, where = 'filePatterns'): FileFilter | undefined {
  const include = (patterns?.include ?? []).map((p, i) => compileGlob(p, `${where}.include[${i}]`));
  const exclude = (patterns?.exclude ?? []).map((p, i) => compileGlob(p, `${where}.exclude[${i}]`));
  if (include.length === 0 && exclude.length === 0) return undefined;
  const matchesAny = (globs: readonly RE2JS[], file: string) => globs.some((g) => g.matches(file));
  return (files) => {
    const left = exclude.length ? files.filter((f) => !matchesAny(exclude, f)) : files;
    return include.length ? left.some((f) => matchesAny(include, f)) : left.length > 0;
  };
}

/** A doublestar glob as an RE2 program that must match the whole path. */
export function compileGlob(glob: string, where = 'glob'): RE2JS {
  if (glob.length > MAX_GLOB_LENGTH) throw new Error(`${where}: a glob may have at most ${MAX_GLOB_LENGTH} characters, got ${glob.length}`);
  return RE2JS.compile(`^${globToRe2(glob, where)}$`, RE2JS.DISABLE_UNICODE_GROUPS);
}

/**
 * The RE2 syntax of a doublestar glob (without anchors). `**` is special
 * only as a whole segment: `a/**` also matches `a`, `**` alone matches
 * everything, and `a**b` means `a*b`. A segment that is one `{...}` group
 * holds whole globs (`{docs/**,*.md}`).
 */
export function globToRe2(glob: string, where = 'glob'): string {
  const segments = splitSegments(glob, where);
  if (segments.length === 1 && segments[0] === '**') return '.*';
  let out = '';
  // Whether the next segment needs the separator before it (a `**` leaves it emitted).
  let needSlash = false;
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '**') {
      if (last) out += needSlash ? '(?:/.*)?' : '.*';
      else out += needSlash ? '/(?:.*/)?' : '(?:.*/)?';
      needSlash = false;
      return;
    }
    if (needSlash) out += '/';
    const group = seg.startsWith('{') && braceEnd(seg, 0) === seg.length - 1;
    out += group
      ? `(?:${splitAlternatives(seg.slice(1, -1))
          .map((a) => globToRe2(a, where))
          .join('|')})`
      : segmentToRe2(seg, where);
    needSlash = true;
  });
  return out;
}

/** Splits on `/` outside `[...]` and `{...}` (alternatives may hold slashes), keeping escapes. */
function splitSegments(glob: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\') {
      if (i + 1 >= glob.length) throw new Error(`${where}: ${JSON.stringify(glob)} ends with an escaping \\`);
      cur += c + glob[++i];
      continue;
    }
    if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) throw new Error(`${where}: ${JSON.stringify(glob)} has an unclosed [`);
      cur += glob.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === '{') braces++;
    else if (c === '}') braces = Math.max(0, braces - 1);
    if (c === '/' && braces === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (braces > 0) throw new Error(`${where}: ${JSON.stringify(glob)} has an unclosed {`);
  out.push(cur);
  return out;
}

/** One segment (or an alternative inside one, which may hold `/`). */
function segmentToRe2(seg: string, where: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    switch (c) {
      case '\\':
        out += literal(seg[++i]!);
        break;
      case '*':
        while (seg[i + 1] === '*') i++; // `a**b` is `a*b`
        out += '[^/]*';
        break;
      case '?':
        out += '[^/]';
        break;
      case '/':
        out += '/';
        break;
      case '[': {
        const end = classEnd(seg, i);
        if (end < 0) throw new Error(`${where}: ${JSON.stringify(seg)} has an unclosed [`);
        out += classToRe2(seg.slice(i + 1, end), where);
        i = end;
        break;
      }
      case '{': {
        const end = braceEnd(seg, i);
        if (end < 0) throw new Error(`${where}: ${JSON.stringify(seg)} has an unclosed {`);
        out += `(?:${splitAlternatives(seg.slice(i + 1, end))
          .map((a) => segmentToRe2(a, where))
          .join('|')})`;
        i = end;
        break;
      }
      default:
        out += literal(c);
    }
  }
  return out;
}

/** A character as an RE2 escape, so no glob character is ever RE2 syntax. */
function literal(c: string): string {
  return `\\x{${c.codePointAt(0)!.toString(16)}}`;
}

/** Index of the `]` closing the class opened at `start` (a `]` right after `[`, `[!` or `[^` is a member). */
function classEnd(s: string, start: number): number {
  let i = start + 1;
  if (s[i] === '!' || s[i] === '^') i++;
  if (s[i] === ']') i++;
  for (; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ']') return i;
  }
  return -1;
}

function braceEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[') {
      const end = classEnd(s, i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The alternatives of a `{...}` group's inside, split on its own commas. */
function splitAlternatives(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\') {
      cur += c + (inner[++i] ?? '');
      continue;
    }
    if (c === '[') {
      const end = classEnd(inner, i);
      cur += inner.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

const SLASH = 0x2f;
const MAX_CODE_POINT = 0x10ffff;

/** A class's inside (`!a-z`, `^abc`, `]x`) as an RE2 class that never matches `/`. */
function classToRe2(inner: string, where: string): string {
  let negate = false;
  let body = [...inner];
  if (body[0] === '!' || body[0] === '^') {
    negate = true;
    body = body.slice(1);
  }
  const chars: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i] === '\\' ? body[++i] : body[i];
    if (c === undefined) throw new Error(`${where}: [${inner}] ends with an escaping \\`);
    chars.push(c.codePointAt(0)!);
    // Keep '-' between two members as a range marker.
    if (body[i + 1] === '-' && i + 2 < body.length) {
      chars.push(-1);
      i++;
    }
  }
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i + 1] === -1) {
      const lo = chars[i]!;
      const hi = chars[i + 2]!;
      if (hi < lo) throw new Error(`${where}: [${inner}] has a range that runs backwards`);
      ranges.push([lo, hi]);
      i += 2;
    } else ranges.push([chars[i]!, chars[i]!]);
  }
  if (ranges.length === 0) throw new Error(`${where}: an empty character class [] matches nothing`);
  // Never the separator: cut it out of every range.
  const cut: Array<[number, number]> = [];
  for (const [lo, hi] of ranges) {
    if (lo <= SLASH && SLASH <= hi) {
      if (lo < SLASH) cut.push([lo, SLASH - 1]);
      if (hi > SLASH) cut.push([SLASH + 1, hi]);
    } else cut.push([lo, hi]);
  }
  const hex = (n: number) => `\\x{${n.toString(16)}}`;
  const items = cut.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
  if (negate) return `[^${hex(SLASH)}${items}]`;
  return items ? `[${items}]` : `[^\\x{0}-${hex(MAX_CODE_POINT)}]`;
}
