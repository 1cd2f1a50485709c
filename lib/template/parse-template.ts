import type { Tree } from './_nodes.js';
import { parseTrees } from './_parser.js';

/** The name used in error messages when none is given. */
export const DEFAULT_TEMPLATE_NAME = 'template';

/** How many parsed templates are kept: each poll renders the same few (text, name) pairs. */
const CACHE_SIZE = 1024;

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

const cache = new Map<string, ParsedTemplate>();

/**
 * Parses a Go text/template. Throws a TemplateError on a syntax error or a
 * call to an undefined function, with Go's message
 * (`template: NAME:LINE: ...`) and the line and column.
 * Results are cached (LRU) by name and text, so calling this on every
 * render is cheap.
 */
export function parseTemplate(text: string, name: string = DEFAULT_TEMPLATE_NAME): ParsedTemplate {
  const key = name + '\0' + text;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = new ParsedTemplate(name, text, parseTrees(text, name));
  cache.set(key, parsed);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return parsed;
}
