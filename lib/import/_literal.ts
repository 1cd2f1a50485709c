// TypeScript source for plain values: object and array literals, strings as
// quotes or (multi-line) template literals that keep the text byte for byte.

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await any boolean number string symbol type of as async'
  ).split(' '),
);

/** A property key: bare when it can be, quoted otherwise. */
export function key(k: string): string {
  return IDENT.test(k) ? k : str(k);
}

/** A single-line string in single quotes. */
export function str(s: string): string {
  return `'${s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')}'`;
}

/** A string: quoted when single-line, else a template literal holding the exact text. */
export function text(s: string): string {
  if (!s.includes('\n') || /[\r\u2028\u2029]/.test(s)) return str(s);
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}

/** Code produced elsewhere, embedded as it is. */
export class Code {
  constructor(readonly code: string) {}
}

export const code = (c: string) => new Code(c);

/** Any JSON-like value (and Code) as a TypeScript expression, indented from `indent`. */
export function literal(value: unknown, indent = ''): string {
  if (value instanceof Code) return value.code;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => literal(v, inner));
    const flat = `[${items.join(', ')}]`;
    if (flat.length <= 100 && !flat.includes('\n')) return flat;
    return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v]) => (v instanceof Code && v.code === k ? k : `${key(k)}: ${literal(v, inner)}`));
    const flat = `{ ${items.join(', ')} }`;
    if (flat.length <= 100 && !flat.includes('\n')) return flat;
    return `{\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}}`;
  }
  return String(value);
}

/** A camelCase identifier from a Kubernetes name, never a reserved word. */
export function identifier(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let id = parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  if (id === '' || /^[0-9]/.test(id)) id = `_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/** PascalCase, for class names. */
export function pascal(name: string): string {
  const id = identifier(name).replace(/^_/, '');
  return id.charAt(0).toUpperCase() + id.slice(1);
}
