export { TemplateError, type TemplateErrorOptions } from './template-error.js';
export { TemplateBudgetError, type TemplateBudget, type TemplateBudgetErrorOptions } from './template-budget-error.js';
export { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits.js';
export { DEFAULT_TEMPLATE_NAME, ParsedTemplate, parseTemplate, type ParseOptions } from './parse-template.js';
export { renderTemplate, type RenderOptions } from './render-template.js';
export { templateFieldPaths, templateFields } from './template-fields.js';
export { TemplateDataError } from './template-data-error.js';
export {
  deferRender,
  MAX_DEFERRED_VALUES_BYTES,
  renderDeferred,
  type DeferRenderOptions,
  type DeferredRender,
  type RenderDeferredOptions,
  type TemplateValue,
  type TemplateValues,
} from './deferred-render.js';
