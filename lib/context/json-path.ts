/** A JSONPath expression is not one this reader understands. */
export class JsonPathError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`invalid JSONPath "${expression}": ${reason}`);
    this.name = 'JsonPathError';
  }
}

type Step = string | number;

const cache = new Map<string, readonly Step[]>();

/**
 * Parses the JSONPath subset that field mappings use: `$`, `.name`,
 * `['name']` / `["name"]` and `[index]`. Wildcards, slices, recursive descent
 * and filter scripts are refused: a mapping selects one value, and nothing of
 * an expression is ever evaluated as code.
 */
export function parseJsonPath(expression: string): readonly Step[] {
  const hit = cache.get(expression);
  if (hit) return hit;
  const e = expression.trim();
  if (!e.startsWith('$')) throw new JsonPathError(expression, 'must start with "$"');
  const steps: Step[] = [];
  let i = 1;
  while (i < e.length) {
    const c = e[i]!;
    if (c === '.') {
      if (e[i + 1] === '.') throw new JsonPathError(expression, 'recursive descent ("..") is not supported');
      const m = /^[A-Za-z_$][\w$-]*/.exec(e.slice(i + 1));
      if (!m) throw new JsonPathError(expression, `expected a name after "." at offset ${i}`);
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = e.slice(i);
      const index = /^\[\s*(\d+)\s*\]/.exec(rest);
      const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (index) {
        steps.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted) {
        steps.push((quoted[1] ?? quoted[2]!).replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else {
        throw new JsonPathError(expression, `only [<index>] and ['<name>'] are supported, at offset ${i}`);
      }
    } else {
      throw new JsonPathError(expression, `unexpected "${c}" at offset ${i}`);
    }
  }
  if (cache.size > 1000) cache.clear();
  cache.set(expression, steps);
  return steps;
}

/** The value at `expression` in `doc`; undefined when any step is missing. Throws JsonPathError for a bad expression. */
export function selectJsonPath(doc: unknown, expression: string): unknown {
  let v: unknown = doc;
  for (const step of parseJsonPath(expression)) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[step];
    } else {
      if (Array.isArray(v) || !Object.hasOwn(v, step)) return undefined;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}

/** A selected value as template text: strings as they are, numbers and booleans printed, objects as JSON, nothing as "". */
export function jsonPathText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
