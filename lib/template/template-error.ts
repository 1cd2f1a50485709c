export interface TemplateErrorOptions {
  /** The name the template was parsed under. */
  readonly templateName: string;
  /** 1-based line of the error, when known. */
  readonly line?: number;
  /** 1-based column (in UTF-16 code units, as editors count), when known. */
  readonly column?: number;
}

/**
 * A template that does not parse or does not execute. The message follows
 * Go's text/template wording, e.g.
 * `template: prompt:1:2: executing "prompt" at <.Foo>: map has no entry for key "Foo"`
 * (where Go's own location column is a 0-based byte offset) or
 * `template: prompt:1: unexpected EOF`.
 */
export class TemplateError extends Error {
  readonly templateName: string;
  readonly line?: number;
  readonly column?: number;

  constructor(message: string, options: TemplateErrorOptions) {
    super(message);
    this.name = 'TemplateError';
    this.templateName = options.templateName;
    this.line = options.line;
    this.column = options.column;
  }
}
