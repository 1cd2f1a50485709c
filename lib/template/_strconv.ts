/**
 * The pieces of Go's strconv and unicode packages the template engine needs:
 * quoting, unquoting template literals, number literals and float formatting.
 * Go strings are UTF-8 bytes; here strings are JS strings and byte counts are
 * computed only where Go's output depends on them.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(r));
}

/** Go's template lexer isAlphaNumeric: underscore, unicode letter or decimal digit. */
export function isAlphaNumeric(r: number): boolean {
  if (r < 0x80) {
    return r === 0x5f || (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  }
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return LETTER_OR_DIGIT.test(String.fromCodePoint(r));
}

/** Length of a string in UTF-8 bytes, as Go's len(). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Number of code points (Go's utf8.RuneCountInString for valid text). */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The first n code points of s. */
export function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
  }
  return s.slice(0, i);
}

/** Compares strings by code point, which is Go's byte order for UTF-8 strings. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after U+E000..U+FFFF in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys && (x >= 0xe000 || y >= 0xe000)) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

function appendEscapedRune(r: number, quote: string, asciiOnly: boolean): string {
  const ch = r >= 0 ? String.fromCodePoint(r) : '';
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return ch;
  } else if (isPrint(r)) {
    return ch;
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + HEX[r >> 4] + HEX[r & 15];
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return '\\u' + r.toString(16).padStart(4, '0');
  return '\\U' + r.toString(16).padStart(8, '0');
}

/** strconv.Quote (or QuoteToASCII): a double-quoted Go string literal. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    let r = s.codePointAt(i)!;
    if (r > 0xffff) i++;
    else if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd; // lone surrogate: invalid UTF-8
    if (r < 0x80 && r !== 0x22 && r !== 0x5c && r >= 0x20 && r < 0x7f) out += String.fromCharCode(r);
    else out += appendEscapedRune(r, '"', asciiOnly);
  }
  return out + '"';
}

/** strconv.QuoteRune (or QuoteRuneToASCII). */
export function goQuoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + appendEscapedRune(r, "'", asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0xfeff) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

function unhex(c: string): number {
  const v = parseInt(c, 16);
  return Number.isNaN(v) ? -1 : v;
}

/**
 * strconv.UnquoteChar on s starting at i. Returns the value, whether it is a
 * raw byte (\x, octal) rather than a code point, and the next index; or
 * undefined on a syntax error.
 */
function unquoteChar(s: string, i: number, quote: string): { value: number; isByte: boolean; next: number } | undefined {
  if (i >= s.length) return undefined;
  const c = s[i];
  if (c === quote) return undefined;
  if (c !== '\\') {
    const r = s.codePointAt(i)!;
    return { value: r, isByte: false, next: i + (r > 0xffff ? 2 : 1) };
  }
  if (i + 1 >= s.length) return undefined;
  const e = s[i + 1];
  let j = i + 2;
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e in simple) return { value: simple[e], isByte: false, next: j };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    if (j + n > s.length) return undefined;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const x = unhex(s[j + k]);
      if (x < 0) return undefined;
      v = v * 16 + x;
    }
    j += n;
    if (e === 'x') return { value: v, isByte: true, next: j };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
    return { value: v, isByte: false, next: j };
  }
  if (e >= '0' && e <= '7') {
    let v = e.charCodeAt(0) - 48;
    if (j + 2 > s.length) return undefined;
    for (let k = 0; k < 2; k++) {
      const x = s.charCodeAt(j + k) - 48;
      if (x < 0 || x > 7) return undefined;
      v = (v << 3) | x;
    }
    j += 2;
    if (v > 255) return undefined;
    return { value: v, isByte: true, next: j };
  }
  if (e === "'" || e === '"') {
    if (e !== quote) return undefined;
    return { value: e.charCodeAt(0), isByte: false, next: j };
  }
  return undefined;
}

function pushUtf8(bytes: number[], r: number): void {
  if (r < 0x80) bytes.push(r);
  else if (r < 0x800) bytes.push(0xc0 | (r >> 6), 0x80 | (r & 63));
  else if (r < 0x10000) {
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    bytes.push(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
  } else bytes.push(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 63), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
}

/**
 * strconv.Unquote for a double-quoted or backquoted literal. Returns undefined
 * on a syntax error (Go's "invalid syntax"). Byte escapes (\xff, \377) that do
 * not form valid UTF-8 decode to U+FFFD.
 */
export function goUnquote(s: string): string | undefined {
  if (s.length < 2) return undefined;
  const quote = s[0];
  if (s[s.length - 1] !== quote) return undefined;
  if (quote === '`') {
    const body = s.slice(1, -1);
    if (body.includes('`')) return undefined;
    return body.includes('\r') ? body.replace(/\r/g, '') : body;
  }
  if (quote !== '"') return undefined;
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes('\n')) return body.includes('"') ? undefined : body;
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === '\n') return undefined;
    const r = unquoteChar(body, i, '"');
    if (!r) return undefined;
    if (r.isByte) bytes.push(r.value);
    else pushUtf8(bytes, r.value);
    i = r.next;
  }
  return utf8Decode(Uint8Array.from(bytes));
}

/** Parses a Go character literal such as 'a' or '\n'; a message on error. */
export function goUnquoteChar(text: string): number | { error: string } {
  const r = unquoteChar(text, 1, "'");
  if (!r) return { error: 'invalid syntax' };
  if (text.slice(r.next) !== "'") return { error: `malformed character constant: ${text}` };
  return r.value;
}

/** strconv's underscoreOK: underscores must separate digits. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1])) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseUint(s, 0, 64) / ParseInt(s, 0, 64) as a BigInt, or undefined. */
function parseGoInteger(text: string, signed: boolean): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    if (!signed) return undefined;
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return undefined;
  let base = 10;
  let digits = s;
  if (s[0] === '0') {
    if (s.length >= 3 && (s[1] === 'x' || s[1] === 'X')) [base, digits] = [16, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'o' || s[1] === 'O')) [base, digits] = [8, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'b' || s[1] === 'B')) [base, digits] = [2, s.slice(2)];
    else [base, digits] = [8, s.slice(1)];
  }
  if (digits.includes('_')) {
    if (!underscoreOK(text)) return undefined;
    digits = digits.replace(/_/g, '');
  }
  if (digits === '') return base === 8 && s === '0' ? 0n : undefined;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base as 2 | 8 | 10 | 16];
  let v = BigInt(prefix + digits);
  if (neg) v = -v;
  if (signed ? v < INT64_MIN || v > INT64_MAX : v > UINT64_MAX) return undefined;
  return v;
}

/** strconv.ParseFloat(s, 64) for decimal and hexadecimal literals, or undefined. */
function parseGoFloat(text: string): number | undefined {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return undefined;
    s = s.replace(/_/g, '');
  }
  let v: number;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (hex) {
    const [, sign, intPart, frac = '', exp] = hex;
    if (intPart === '' && frac === '') return undefined;
    const mant = BigInt('0x' + (intPart + frac || '0'));
    v = Number(mant) * 2 ** (Number(exp) - 4 * frac.length);
    if (sign === '-') v = -v;
  } else {
    if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return undefined;
    v = Number(s);
  }
  return Number.isFinite(v) ? v : undefined;
}

export interface GoNumber {
  /** The value; an int when `isInt`, else a float64. */
  readonly value: number;
  /** True when the literal is an integer constant (Go's int, not float64). */
  readonly isInt: boolean;
  /** True when the literal only fits in uint64: Go reports "overflows int" when it is used. */
  readonly overflowsInt: boolean;
}

/** Go's parse.newNumber for number literals (not char or complex constants). */
export function parseGoNumber(text: string): GoNumber | { error: string } {
  const u = parseGoInteger(text, false);
  const i = parseGoInteger(text, true);
  const isHexInt = text.length > 2 && text[0] === '0' && 'xX'.includes(text[1]) && !/[pP]/.test(text);
  const floatSyntax = /[.eEpP]/.test(text) && !isHexInt;
  if (i !== undefined) return { value: Number(i), isInt: !floatSyntax, overflowsInt: false };
  if (u !== undefined) return { value: Number(u), isInt: !floatSyntax, overflowsInt: !floatSyntax };
  const f = parseGoFloat(text);
  if (f !== undefined) {
    if (!/[.eEpP]/.test(text)) return { error: `integer overflow: ${goQuote(text)}` };
    return { value: f, isInt: false, overflowsInt: false };
  }
  return { error: `illegal number syntax: ${goQuote(text)}` };
}

/** A decimal digit string d with the decimal point at dp: value = 0.d × 10^dp. */
interface Decimal {
  d: string;
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative float64. */
function exactDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  exp -= 1075;
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    dp = digits.length + exp;
  }
  return { d: digits.replace(/0+$/, ''), dp };
}

/** Rounds to nd digits, ties to even, as strconv's decimal.Round. */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  let up: boolean;
  if (a.d[nd] === '5' && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = a.d[nd] >= '5';
  if (!up) return { d: a.d.slice(0, nd).replace(/0+$/, ''), dp: a.dp };
  let i = nd - 1;
  while (i >= 0 && a.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

/** The shortest decimal that round-trips, as JS and Go both compute it. */
function shortestDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  const [mant, exp] = v.toExponential().split('e');
  return { d: mant.replace('.', ''), dp: Number(exp) + 1 };
}

function fmtE(neg: boolean, d: Decimal, prec: number, fmt: string): string {
  let out = neg ? '-' : '';
  out += d.d.length ? d.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(d.d.length, prec + 1);
    out += d.d.slice(1, m);
    out += '0'.repeat(Math.max(0, prec + 1 - Math.max(m, 1)));
  }
  out += fmt;
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return out + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    out += d.d.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    // Digits dp .. dp+prec-1 of d, zeros outside it; in slices, as prec can be 1e6.
    out += '.';
    const lead = Math.min(Math.max(-d.dp, 0), prec);
    const from = Math.max(d.dp, 0);
    const to = Math.min(d.dp + prec, d.d.length);
    const digits = to > from ? d.d.slice(from, to) : '';
    out += '0'.repeat(lead) + digits + '0'.repeat(prec - lead - digits.length);
  }
  return out;
}

/**
 * strconv.FormatFloat(v, fmt, prec, 64) for fmt in e, E, f, g, G, b; prec -1
 * means the shortest representation that round-trips.
 */
export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (fmt === 'b') return formatBinary(neg, a);
  if (fmt === 'x' || fmt === 'X') return formatHex(neg, a, prec, fmt);
  const shortest = prec < 0;
  let digs: Decimal;
  if (a === 0) {
    digs = { d: '', dp: 0 };
  } else if (shortest) {
    digs = shortestDecimal(a);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    const exact = exactDecimal(a);
    if (fmt === 'f') digs = roundDecimal(exact, exact.dp + prec);
    else if (fmt === 'e' || fmt === 'E') digs = roundDecimal(exact, prec + 1);
    else {
      if (prec === 0) prec = 1;
      digs = roundDecimal(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, fmt);
    case 'f':
      return fmtF(neg, digs, prec);
    default: {
      const nd = digs.d.length;
      let eprec = prec;
      if (eprec > nd && nd >= digs.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > digs.dp) prec = nd;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
}

/** The mantissa and binary exponent of a finite float64: a = mant × 2^exp. */
function floatBits(a: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  return { mant, exp: exp - 1075 };
}

/** strconv 'b' format: decimal mantissa "p" binary exponent. */
function formatBinary(neg: boolean, a: number): string {
  const { mant, exp } = floatBits(a);
  return (neg ? '-' : '') + mant.toString() + 'p' + (exp >= 0 ? '+' : '-') + Math.abs(exp);
}

/** strconv 'x' format: hexadecimal mantissa and binary exponent, 0x1.8p+00. */
function formatHex(neg: boolean, a: number, prec: number, fmt: string): string {
  let { mant, exp } = floatBits(a);
  exp += 52;
  if (mant === 0n) exp = 0;
  // Shift so the leading 1 (if any) is at bit 60.
  const bit60 = 1n << 60n;
  const mask60 = bit60 - 1n;
  mant <<= 8n;
  while (mant !== 0n && (mant & bit60) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & mask60;
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : HEX;
  let out = (neg ? '-' : '') + '0' + fmt + ((mant >> 60n) & 1n).toString();
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  const digit = (): string => {
    const d = hex[Number((mant >> 60n) & 15n)];
    mant = (mant << 4n) & ((1n << 64n) - 1n);
    return d;
  };
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) out += digit();
  } else if (prec > 0) {
    out += '.';
    // A float64 has at most 13 hex digits after the point; the rest of a long precision is zeros.
    let i = 0;
    for (; i < prec && mant !== 0n; i++) out += digit();
    out += '0'.repeat(prec - i);
  }
  out += fmt === 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return out + (exp < 10 ? '0' + exp : String(exp));
}
