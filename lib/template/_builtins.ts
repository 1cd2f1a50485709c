import { sprint, sprintf, sprintln } from './_fmt.js';
import { compareStrings, isPrint, utf8Bytes, utf8Decode, utf8Length } from './_strconv.js';
import { isInt, isMap, isTrue, mapIndex, sliceIndex, typeName } from './_values.js';

/** An error returned by a builtin; execution reports it as `error calling NAME: MESSAGE`. */
export class FuncError extends Error {}

/**
 * How a parameter receives its argument, after Go's parameter types:
 * `value` is reflect.Value (nil stays distinguishable), `any` is interface{},
 * `string` is string.
 */
export type ParamKind = 'value' | 'any' | 'string';

export interface Builtin {
  /** Go's NumIn, counting a variadic parameter once. */
  readonly numIn: number;
  readonly variadic: boolean;
  /** Kind of each parameter; the last is the element kind when variadic. */
  readonly params: readonly ParamKind[];
  /** `limit`: the longest string (UTF-16 units) the printing functions may build; they throw FmtLimitError past it. */
  readonly fn: (args: unknown[], limit: number) => unknown;
}

/** indirectInterface: a nil interface becomes no value. */
function indirect(v: unknown): unknown {
  return v === null ? undefined : v;
}

function indexArg(index: unknown, cap: number): number {
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  if (typeof index !== 'number' || !isInt(index)) {
    throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  }
  if (index < 0 || index > cap) throw new FuncError(`index out of range: ${index}`);
  return index;
}

function index(args: unknown[]): unknown {
  let item = indirect(args[0]);
  if (item === undefined) throw new FuncError('index of untyped nil');
  for (let i = 1; i < args.length; i++) {
    const idx = indirect(args[i]);
    if (item === null) throw new FuncError('index of nil pointer');
    if (Array.isArray(item)) {
      const x = indexArg(idx, item.length);
      if (x === item.length) throw new FuncError('reflect: slice index out of range');
      item = sliceIndex(item, x);
    } else if (typeof item === 'string') {
      const bytes = utf8Bytes(item);
      const x = indexArg(idx, bytes.length);
      if (x === bytes.length) throw new FuncError('reflect: string index out of range');
      item = bytes[x];
    } else if (isMap(item)) {
      if (idx === undefined) throw new FuncError('value is nil; should be of type string');
      if (typeof idx !== 'string') throw new FuncError(`value has type ${typeName(idx)}; should be string`);
      const v = mapIndex(item, idx);
      item = v === undefined ? null : v;
    } else {
      throw new FuncError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(args: unknown[]): unknown {
  const item = indirect(args[0]);
  if (item === undefined) throw new FuncError('slice of untyped nil');
  const indexes = args.slice(1);
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let bytes: Uint8Array | undefined;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    bytes = utf8Bytes(item);
    cap = bytes.length;
  } else if (Array.isArray(item)) {
    cap = item.length;
  } else {
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, cap, 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(indirect(x), cap);
  });
  if (idx[0] > idx[1]) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return utf8Decode(bytes.subarray(idx[0], idx[1]));
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(args: unknown[]): unknown {
  const item = args[0];
  if (item === null) throw new FuncError('len of nil pointer');
  if (item === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return utf8Length(item);
  if (Array.isArray(item)) return item.length;
  if (isMap(item)) return Object.keys(item).length;
  throw new FuncError(`len of type ${typeName(item)}`);
}

type BasicKind = 'bool' | 'number' | 'string' | 'invalid';

/** Numbers form one kind: JS cannot tell Go's int 1 from float64 1. */
function basicKind(v: unknown): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'invalid';
  }
}

function reflectKind(v: unknown): string {
  if (v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  return typeof v;
}

function eq(args: unknown[]): boolean {
  const arg1 = indirect(args[0]);
  if (args.length < 2) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (let i = 1; i < args.length; i++) {
    const arg = indirect(args[i]);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg !== undefined) {
        throw new FuncError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`);
      }
    } else if (k1 !== 'invalid') {
      truth = arg1 === arg;
    } else {
      const r1 = reflectKind(arg1);
      const r2 = reflectKind(arg);
      if (r1 !== r2 && r1 !== 'invalid' && r2 !== 'invalid') {
        throw new FuncError(sprintf('non-comparable types %s: %v, %s: %v', [arg1, typeName(arg1), typeName(arg), arg]));
      }
      if (arg1 === undefined || arg === undefined) {
        truth = arg1 === arg;
      } else {
        throw new FuncError(sprintf('non-comparable type %s: %v', [arg, typeName(arg)]));
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(args: unknown[]): boolean {
  const arg1 = indirect(args[0]);
  const arg2 = indirect(args[1]);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new FuncError('invalid type for comparison');
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) throw new FuncError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg2)}`);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  if (k1 === 'string') return compareStrings(arg1 as string, arg2 as string) < 0;
  return (arg1 as number) < (arg2 as number);
}

function le(args: unknown[]): boolean {
  return lt(args) || eq(args);
}

/** The text/template evalArgs: fmt.Sprint, with nil printed as <no value>. */
function evalArgs(args: unknown[], limit: number): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(
    args.map((a) => (a === null || a === undefined ? '<no value>' : a)),
    limit,
  );
}

const HTML_ESCAPES: Record<string, string> = {
  '\0': '\uFFFD',
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]);
}

const JS_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (JS_ESCAPES[ch]) out += JS_ESCAPES[ch];
    else if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** call: Go's builtin, with the callee's source text prepended by the executor. */
function call(args: unknown[]): unknown {
  const [name, fn, ...rest] = args;
  const f = indirect(fn);
  if (f === undefined) throw new FuncError('call of nil');
  if (typeof f !== 'function') throw new FuncError(`non-function ${String(name)} of type ${typeName(f)}`);
  try {
    return f(...rest.map(indirect));
  } catch (e) {
    throw new FuncError(e instanceof Error ? e.message : String(e));
  }
}

const unreachable = (): never => {
  throw new Error('and/or are evaluated by the executor');
};

/** The predefined functions of text/template. */
export const BUILTINS: Readonly<Record<string, Builtin>> = {
  and: { numIn: 2, variadic: true, params: ['value', 'value'], fn: unreachable },
  or: { numIn: 2, variadic: true, params: ['value', 'value'], fn: unreachable },
  call: { numIn: 2, variadic: true, params: ['value', 'value'], fn: call },
  not: { numIn: 1, variadic: false, params: ['value'], fn: (a) => !isTrue(a[0]) },
  len: { numIn: 1, variadic: false, params: ['value'], fn: length },
  index: { numIn: 2, variadic: true, params: ['value', 'value'], fn: index },
  slice: { numIn: 2, variadic: true, params: ['value', 'value'], fn: slice },
  eq: { numIn: 2, variadic: true, params: ['value', 'value'], fn: eq },
  ne: { numIn: 2, variadic: false, params: ['value', 'value'], fn: (a) => !eq(a) },
  lt: { numIn: 2, variadic: false, params: ['value', 'value'], fn: lt },
  le: { numIn: 2, variadic: false, params: ['value', 'value'], fn: le },
  gt: { numIn: 2, variadic: false, params: ['value', 'value'], fn: (a) => !le(a) },
  ge: { numIn: 2, variadic: false, params: ['value', 'value'], fn: (a) => !lt(a) },
  print: { numIn: 1, variadic: true, params: ['any'], fn: (a, limit) => sprint(a, limit) },
  println: { numIn: 1, variadic: true, params: ['any'], fn: (a, limit) => sprintln(a, limit) },
  printf: { numIn: 2, variadic: true, params: ['string', 'any'], fn: (a, limit) => sprintf(a[0] as string, a.slice(1), limit) },
  html: { numIn: 1, variadic: true, params: ['any'], fn: (a, limit) => htmlEscape(evalArgs(a, limit)) },
  js: { numIn: 1, variadic: true, params: ['any'], fn: (a, limit) => jsEscape(evalArgs(a, limit)) },
  urlquery: { numIn: 1, variadic: true, params: ['any'], fn: (a, limit) => queryEscape(evalArgs(a, limit)) },
};

export function isBuiltin(name: string): boolean {
  return Object.hasOwn(BUILTINS, name);
}
