import { TemplateError, type TemplateErrorOptions } from './template-error.js';

/** Which budget of RenderLimits a render went over. */
export type TemplateBudget = 'maxOutputBytes' | 'maxSteps' | 'maxDepth' | 'timeoutMs';

export interface TemplateBudgetErrorOptions extends TemplateErrorOptions {
  readonly budget: TemplateBudget;
  readonly limit: number;
}

/**
 * A render (or parse) that went over one of its RenderLimits. The message
 * says which budget and its limit, e.g.
 * `template: prompt:1:16: executing "prompt" at <{{range 20000}}>: render budget exceeded: more than 1000000 steps (maxSteps)`.
 * A TemplateError, so code that handles template failures handles this too;
 * check for this class to tell a hostile or runaway template from a mistake.
 */
export class TemplateBudgetError extends TemplateError {
  readonly budget: TemplateBudget;
  readonly limit: number;

  constructor(message: string, options: TemplateBudgetErrorOptions) {
    super(message, options);
    this.name = 'TemplateBudgetError';
    this.budget = options.budget;
    this.limit = options.limit;
  }
}
