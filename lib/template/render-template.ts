import { execute } from './_exec.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';

/**
 * Renders a Go text/template with `data` as dot, in Go's
 * `missingkey=error` mode: a missing map key is an error, not `<no value>`.
 * Plain objects act as Go maps, arrays as slices, integral numbers as ints.
 * `name` (used in error messages) applies when `text` is a string.
 * Throws TemplateError.
 */
export function renderTemplate(text: string | ParsedTemplate, data: unknown, name?: string): string {
  const template = typeof text === 'string' ? parseTemplate(text, name) : text;
  return execute(template.trees, template.name, data);
}
