import { parseTemplate, renderTemplate, TemplateError } from '../../lib/template/index.js';

/*
 * How the Go-derived tables were made: each case's text and data were run
 * through a throwaway Go 1.26 program doing
 *   template.New("prompt").Option("missingkey=error").Parse(text) / Execute(data)
 * with the data decoded from JSON into map[string]any / []any, and integral
 * numbers converted to int (as this package treats integral JS numbers).
 * The output or error text was pasted into the tables unchanged.
 */

/** The template name every table case is parsed under. */
export const NAME = 'prompt';

/** [name, template, data, expected output or error message]. */
export type Case = readonly [name: string, template: string, data: unknown, expected: string];

/** [name, template, expected parse error message]. */
export type ParseErrorCase = readonly [name: string, template: string, message: string];

export function render(template: string, data: unknown): string {
  return renderTemplate(template, data, NAME);
}

/** The message of the TemplateError that rendering throws; the template itself must parse. */
export function renderError(template: string, data: unknown): string {
  const parsed = parseTemplate(template, NAME);
  try {
    renderTemplate(parsed, data);
  } catch (err) {
    if (err instanceof TemplateError) return err.message;
    throw err;
  }
  throw new Error(`rendered without an error: ${template}`);
}

/** The TemplateError that parsing throws. */
export function parseError(template: string, name: string = NAME): TemplateError {
  try {
    parseTemplate(template, name);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`parsed without an error: ${template}`);
}

/** The TemplateError that rendering throws. */
export function thrownBy(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('no TemplateError was thrown');
}
