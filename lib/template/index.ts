export {
  type DeferRenderOptions,
  type DeferredRender,
  deferRender,
  MAX_DEFERRED_VALUES_BYTES,
  type RenderDeferredOptions,
  renderDeferred,
  type TemplateValue,
  type TemplateValues,
} from './deferred-render.js';
export { DEFAULT_TEMPLATE_NAME, ParsedTemplate, type ParseOptions, parseTemplate } from './parse-template.js';
export { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits.js';
export { type RenderOptions, renderTemplate } from './render-template.js';
export { type TemplateBudget, TemplateBudgetError, type TemplateBudgetErrorOptions } from './template-budget-error.js';
export { TemplateDataError } from './template-data-error.js';
export { TemplateError, type TemplateErrorOptions } from './template-error.js';
export { templateFieldPaths, templateFields } from './template-fields.js';
