import { resolveLimits } from './_budget.js';
import type { Tree } from './_nodes.js';
import { parseTrees } from './_parser.js';
import type { RenderLimits } from './render-limits.js';

/** The name used in error messages when none is given. */
export const DEFAULT_TEMPLATE_NAME = 'template';

/** How many parsed templates are kept: each poll renders the same few (text, name) pairs. */
const CACHE_SIZE = 1024;
/** Characters of template text the cache holds at most, so many large distinct prompts cannot fill memory. */
const CACHE_CHARS = 8 * 1024 * 1024;
/** Longer texts are parsed each time rather than cached. */
const MAX_CACHED_TEXT = 64 * 1024;

/**
 * A parsed template, reusable for any number of renders. Obtain one with
 * `parseTemplate`; it also carries the templates the text defines with
 * `{{define}}` and `{{block}}`.
 */
export class ParsedTemplate {
  /** @internal */
  readonly trees: ReadonlyMap<string, Tree>;

  /** @internal */
  constructor(
    /** The name used in error messages (and by `{{template}}` calls). */
    readonly name: string,
    /** The template source. */
    readonly text: string,
    trees: ReadonlyMap<string, Tree>,
  ) {
    this.trees = trees;
  }
}

export interface ParseOptions extends Pick<RenderLimits, 'maxDepth' | 'timeoutMs'> {}

const cache = new Map<string, ParsedTemplate>();
let cachedChars = 0;

/**
 * Parses a Go text/template. Throws a TemplateError on a syntax error or a
 * call to an undefined function, with Go's message
 * (`template: NAME:LINE: ...`) and the line and column, and a
 * TemplateBudgetError when bodies or parentheses nest deeper than
 * `maxDepth` (default 100) or parsing takes longer than `timeoutMs`
 * (default 1000).
 * Results are cached (LRU) by name and text, so calling this on every
 * render is cheap.
 */
export function parseTemplate(text: string, name: string = DEFAULT_TEMPLATE_NAME, options: ParseOptions = {}): ParsedTemplate {
  const { maxDepth, timeoutMs } = resolveLimits(options);
  const key = `${maxDepth}\0${name}\0${text}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = new ParsedTemplate(name, text, parseTrees(text, name, maxDepth, timeoutMs));
  if (key.length > MAX_CACHED_TEXT) return parsed;
  cache.set(key, parsed);
  cachedChars += key.length;
  while (cache.size > CACHE_SIZE || cachedChars > CACHE_CHARS) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    cachedChars -= oldest.length;
  }
  return parsed;
}
