// Synth-time checks of Go text/template strings (prompts, branches, metadata).
import type { Construct } from 'constructs';
import { TemplateError, parseTemplate } from '../lib/template/index.js';
import { PropError } from './_util.js';

/** Throws a PropError when `text` is not a valid Go template. */
export function checkTemplate(scope: Construct, prop: string, text: string | undefined): void {
  if (text === undefined) return;
  try {
    parseTemplate(text, prop);
  } catch (err) {
    if (err instanceof TemplateError) throw new PropError(scope, prop, `is not a valid Go template: ${err.message}`);
    throw err;
  }
}
