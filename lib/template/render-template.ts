import { resolveLimits } from './_budget.js';
import { execute } from './_exec.js';
import { type ParsedTemplate, parseTemplate } from './parse-template.js';
import type { RenderLimits } from './render-limits.js';

export interface RenderOptions extends RenderLimits {
  /**
   * The name used in error messages, when `text` is a string.
   * @default 'template'
   */
  readonly name?: string;
}

/**
 * Renders a Go text/template with `data` as dot, in Go's
 * `missingkey=error` mode: a missing map key is an error, not `<no value>`.
 * `options` is the template name (for error messages, when `text` is a
 * string) or RenderOptions with budgets. Throws TemplateError, and
 * TemplateBudgetError (a TemplateError) when a budget of RenderLimits
 * (output size, steps, nesting, time; see DEFAULT_RENDER_LIMITS) runs out.
 * With the budgets a render is bounded, so it runs synchronously.
 *
 * Everything of text/template is supported: actions, pipelines, variables,
 * if / else if / with / else with / range (lists, maps in key order, integers)
 * with break and continue, define / template / block, trim markers, comments
 * and every builtin (and, or, not, len, index, slice, eq, ne, lt, le, gt, ge,
 * print, printf, println, html, js, urlquery, call), with fmt's verbs, flags
 * and messages. Plain objects act as map[string]interface {}, arrays as
 * []interface {}, null as nil.
 *
 * Where JS cannot say what Go would: integral numbers are always int (so
 * `{{1e6}}` prints 1000000, and float verbs such as %f accept them), numbers
 * compare with each other regardless of int/float, complex literals are
 * rejected, and nesting (with {{template}} calls) stops at maxDepth.
 */
export function renderTemplate(text: string | ParsedTemplate, data: unknown, options?: string | RenderOptions): string {
  const start = performance.now();
  const opts: RenderOptions = typeof options === 'string' ? { name: options } : (options ?? {});
  const limits = resolveLimits(opts);
  const template = typeof text === 'string' ? parseTemplate(text, opts.name, { maxDepth: limits.maxDepth, timeoutMs: limits.timeoutMs }) : text;
  return execute(template.trees, template.name, data, limits, start + limits.timeoutMs);
}
