import { CST, Lexer, parseAllDocuments } from 'yaml';

/** Bounds on YAML read from users: what kubectl-sized manifests never reach. */
export interface YamlLimits {
  /** Largest text, in UTF-8 bytes. @default 16 MiB */
  readonly maxBytes?: number;
  /** Deepest nesting of collections. @default 100 */
  readonly maxDepth?: number;
  /** The yaml library's alias budget (expansions of `*alias` per document). @default 100 */
  readonly maxAliasCount?: number;
}

export const DEFAULT_YAML_LIMITS: Required<YamlLimits> = { maxBytes: 16 * 1024 * 1024, maxDepth: 100, maxAliasCount: 100 };

/** One document of a YAML stream: its value, or why it has none. */
export type YamlDocument = { readonly value: unknown; readonly error?: undefined } | { readonly value?: undefined; readonly error: string };

/** YAML text refused as a whole, before it is parsed: too large or nested too deep. */
export class YamlLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlLimitError';
  }
}

/**
 * The documents of a YAML stream, each its value or its error: a syntax
 * error, or more alias expansions than `maxAliasCount` (a "billion laughs"
 * document). Throws YamlLimitError when the text is larger than `maxBytes`
 * or nests collections deeper than `maxDepth`, found by a lexer pass that
 * stops at the limit, so hostile text never reaches the recursive parts of
 * the parser.
 */
export function readYamlDocuments(text: string, limits: YamlLimits = {}): YamlDocument[] {
  const { maxBytes, maxDepth, maxAliasCount } = { ...DEFAULT_YAML_LIMITS, ...limits };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new YamlLimitError(`is ${bytes} bytes; at most ${maxBytes} are read`);
  const depth = nestingDepth(text, maxDepth);
  if (depth > maxDepth) throw new YamlLimitError(`nests collections more than ${maxDepth} levels deep`);
  return parseAllDocuments(text).map((doc): YamlDocument => {
    if (doc.errors.length > 0) return { error: doc.errors[0]!.message.split('\n')[0]! };
    try {
      return { value: doc.toJS({ maxAliasCount }) };
    } catch (err) {
      if (err instanceof ReferenceError && /alias/i.test(err.message)) {
        return { error: `aliases expand more than ${maxAliasCount} times (${err.message})` };
      }
      if (err instanceof RangeError) return { error: `cannot be read: ${err.message}` };
      throw err;
    }
  });
}

/**
 * An estimate of the deepest collection nesting, from the lexer's tokens:
 * open flow collections, plus the block collections on the path, found from
 * the columns of line-leading content (a map) and `-` indicators (a
 * sequence). Stops counting once `limit` is passed.
 */
export function nestingDepth(text: string, limit = Infinity): number {
  let flow = 0;
  let max = 0;
  let column = 0;
  let leading = true;
  const block: Array<{ column: number; seq: boolean }> = [];
  const top = () => block[block.length - 1];
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    const at = column;
    const nl = token.lastIndexOf('\n');
    // The lexer's scalar and document markers are control characters, not text.
    if (type !== 'scalar' && type !== 'doc-mode') column = nl >= 0 ? token.length - nl - 1 : column + token.length;
    if (type === 'doc-start' || type === 'doc-end') {
      block.length = 0;
      flow = 0;
    }
    if (type === 'newline' || type === 'space' || type === 'comment' || type === 'scalar' || type === 'doc-mode' || type === 'byte-order-mark') {
      if (nl >= 0) leading = true;
      continue;
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    if (flow === 0 && type === 'seq-item-ind') {
      // A sibling item replaces the previous one; an item under a key at the same column nests.
      while (block.length > 0 && (top()!.column > at || (top()!.column === at && top()!.seq))) block.pop();
      block.push({ column: at, seq: true });
    } else if (flow === 0 && leading && type !== 'flow-seq-end' && type !== 'flow-map-end') {
      while (block.length > 0 && top()!.column >= at) block.pop();
      block.push({ column: at, seq: false });
    }
    leading = type === 'seq-item-ind' || type === 'explicit-key-ind';
    max = Math.max(max, block.length + flow);
    if (max > limit) return max;
  }
  return max;
}
