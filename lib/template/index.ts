export { TemplateError, type TemplateErrorOptions } from './template-error.js';
export { DEFAULT_TEMPLATE_NAME, ParsedTemplate, parseTemplate } from './parse-template.js';
export { renderTemplate } from './render-template.js';
export { templateFields } from './template-fields.js';
