import { execute } from './_exec.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';

/**
 * Renders a Go text/template with `data` as dot, in Go's
 * `missingkey=error` mode: a missing map key is an error, not `<no value>`.
 * `name` (used in error messages) applies when `text` is a string.
 * Throws TemplateError.
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
 * rejected, and {{template}} calls nest at most 1000 deep.
 */
export function renderTemplate(text: string | ParsedTemplate, data: unknown, name?: string): string {
  const template = typeof text === 'string' ? parseTemplate(text, name) : text;
  return execute(template.trees, template.name, data);
}
