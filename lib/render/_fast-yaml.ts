// The YAML of `renderYaml` written directly, byte for byte what the `yaml`
// library prints with the same options, for the values Kubernetes objects are
// made of: plain objects, arrays, strings, booleans, integers and null.
// Building the library's document tree for each of thousands of objects was
// most of the time of a large synth. Anything outside the cases handled here
// (a key that needs quotes, a string that needs escapes, a float, nested
// arrays...) returns undefined and the library renders the whole object.
import { Document } from 'yaml';

/** The core schema's tests of a plain scalar that would not read back as a string ("true", "42", "null", ".inf"...). */
const NOT_STRING = new Document(null).schema.tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test).map((t) => t.test!);

// The library's rules, as in yaml/dist/stringify/stringifyString.js.
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
// biome-ignore lint/suspicious/noControlCharactersInRegex: strings with control characters are left to the library
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

const readsBack = (s: string) => !NOT_STRING.some((re) => re.test(s));

function key(k: string): string {
  if (k.length > 1000 || !SIMPLE_KEY.test(k) || !readsBack(k)) throw UNSUPPORTED;
  return k;
}

/** A string as a map value or sequence item; `indent` is that of a block scalar's lines. */
function string(s: string, indent: string): string {
  if (CONTROL.test(s) || DOCUMENT_MARKER.test(s)) throw UNSUPPORTED;
  if (!s.includes('\n')) {
    if (!NOT_PLAIN.test(s) && readsBack(s)) return s;
    // Double quotes without escapes; anything else is left to the library.
    if (s.includes('"') || s.includes('\\')) throw UNSUPPORTED;
    return `"${s}"`;
  }
  return literal(s, indent);
}

/** A multi-line string as a literal block scalar (lineWidth 0 never folds). */
function literal(s: string, indent: string): string {
  // Trailing whitespace lines (quoted by the library), leading spaces or newlines (an indentation indicator) and kept chomping are left to it.
  if (/\n[\t ]+$/.test(s) || s[0] === ' ' || s[0] === '\n') throw UNSUPPORTED;
  let endStart = s.length;
  while (endStart > 0) {
    const ch = s[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
    --endStart;
  }
  let end = s.substring(endStart);
  const endNl = end.indexOf('\n');
  let chomp: string;
  if (endNl === -1) chomp = '-';
  else if (endNl !== end.length - 1) throw UNSUPPORTED;
  else chomp = '';
  let value = s;
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }
  return `|${chomp}\n${indent}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}

function scalar(v: unknown, indent: string): string {
  switch (typeof v) {
    case 'string':
      return string(v, indent);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw UNSUPPORTED;
      return String(v);
    default:
      if (v === null) return 'null';
      throw UNSUPPORTED;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function entries(obj: Record<string, unknown>, sort: boolean): Array<[string, unknown]> {
  const out = Object.entries(obj);
  for (const [, v] of out) if (v === undefined) throw UNSUPPORTED;
  return sort ? out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : out;
}

/** `k: v` lines of a map at `indent`; the first line without its indent when `inline` (after "- "). */
function map(out: string[], obj: Record<string, unknown>, indent: string, sort: boolean, inline: boolean): void {
  const inner = `${indent}  `;
  let first = inline;
  for (const [k, v] of entries(obj, sort)) {
    const head = `${first ? '' : indent}${key(k)}:`;
    first = false;
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${head} []`);
      else {
        out.push(head);
        seq(out, v, inner, sort);
      }
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) out.push(`${head} {}`);
      else {
        out.push(head);
        map(out, v, inner, sort, false);
      }
    } else {
      out.push(`${head} ${scalar(v, inner)}`);
    }
  }
}

function seq(out: string[], items: unknown[], indent: string, sort: boolean): void {
  const inner = `${indent}  `;
  for (const v of items) {
    if (Array.isArray(v)) {
      if (v.length !== 0) throw UNSUPPORTED;
      out.push(`${indent}- []`);
    } else if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) out.push(`${indent}- {}`);
      else {
        const at = out.length;
        map(out, v, inner, sort, true);
        out[at] = `${indent}- ${out[at]}`;
      }
    } else {
      out.push(`${indent}- ${scalar(v, inner)}`);
    }
  }
}

/** The document of a non-empty object, or undefined when it holds something this does not handle. */
export function fastYaml(obj: unknown, sortKeys: boolean): string | undefined {
  if (!isPlainObject(obj) || Object.keys(obj).length === 0) return undefined;
  const out: string[] = [];
  try {
    map(out, obj, '', sortKeys, false);
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
  return `${out.join('\n')}\n`;
}
