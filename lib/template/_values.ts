import { compareStrings } from './_strconv.js';

/**
 * How JS values stand in for Go values. Data is treated as what
 * encoding/json gives Go: objects are map[string]interface {}, arrays are
 * []interface {}, integral numbers are int and other numbers float64.
 *
 * `undefined` is Go's invalid reflect.Value ("no value"); `null` is a nil
 * interface{} held in a map or slice. A present key whose JS value is
 * undefined reads as null.
 */
export type GoMap = Record<string, unknown>;

const INT_LIMIT = 2 ** 63;

/** An integral number that fits in int64 counts as a Go int. */
export function isInt(v: number): boolean {
  return Number.isInteger(v) && v >= -INT_LIMIT && v < INT_LIMIT;
}

export function isMap(v: unknown): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go type name of a value, as reflect.Type.String() prints it. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return isInt(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func()';
    case 'object':
      if (v === null) return 'interface {}';
      return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

/** Go's template truth: not the zero value of its type; nil is false. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0; // NaN is true, as in Go
    case 'bigint':
      return v !== 0n;
    case 'boolean':
      return v;
    case 'object':
      if (v === null) return false;
      return Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0;
    case 'function':
      return true;
    default:
      return false;
  }
}

/** Map keys in Go's sorted order (fmtsort: byte order for strings). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** A map entry: the value (nil as null), or undefined when the key is absent. */
export function mapIndex(m: GoMap, key: string): unknown {
  if (!Object.hasOwn(m, key)) return undefined;
  const v = m[key];
  return v === undefined ? null : v;
}

/** An element of a slice, nil as null. */
export function sliceIndex(a: readonly unknown[], i: number): unknown {
  const v = a[i];
  return v === undefined ? null : v;
}
