import { DEFAULT_TEMPLATE_NAME, parseTemplate } from './parse-template.js';
import type { RenderLimits } from './render-limits.js';
import { type RenderOptions, renderTemplate } from './render-template.js';
import { TemplateDataError } from './template-data-error.js';
import { TemplateError } from './template-error.js';
import { templateFields } from './template-fields.js';

/**
 * A value from a source (an issue's title, a PR's number), or a map of
 * strings (the fetched `.Context` of a spawner): only ever data to a template.
 */
export type TemplateValue = string | number | boolean | Readonly<Record<string, string>>;
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

/**
 * Largest encoded values by default, in UTF-8 bytes: they are meant for an
 * annotation, and all annotations of an object share 256 KiB.
 */
export const MAX_DEFERRED_VALUES_BYTES = 192 * 1024;

export interface DeferRenderOptions extends Pick<RenderLimits, 'maxDepth'> {
  /**
   * The template name used in error messages.
   * @default 'template'
   */
  readonly name?: string;
  /**
   * Top-level fields bound only when the template is rendered (a Task's
   * `Deps` and `Name`). The template may use them; values may not be named
   * after them.
   * @default - none
   */
  readonly lateFields?: readonly string[];
  /**
   * Largest `values` JSON, in UTF-8 bytes.
   * @default MAX_DEFERRED_VALUES_BYTES
   */
  readonly maxValuesBytes?: number;
}

/** A template and the values it will be rendered with, kept apart until the one render. */
export interface DeferredRender {
  /** The template, unchanged: store it where the render reads it (a Task's spec.prompt). */
  readonly template: string;
  /** The values as JSON with sorted keys: store it as data (an annotation), never as template text. */
  readonly values: string;
}

export interface RenderDeferredOptions extends RenderOptions {
  /**
   * Where `values` was read from, for error messages.
   * @default 'values'
   */
  readonly valuesSource?: string;
}

/** What a template can reach as `.Name`: Go's field-name characters. */
const FIELD_NAME = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

/**
 * Prepares a render that happens later, once, with more data: checks that
 * the template parses and reads no top-level field other than the values'
 * and `lateFields`, and encodes the values as JSON. Whoever renders it calls
 * renderDeferred with both, so text from the values is printed as it is and
 * never parsed as template text.
 *
 * Throws TemplateError when the template does not parse or reads an unknown
 * field, TemplateDataError when the values are not flat scalars with field
 * names, use a late field's name, or do not fit in `maxValuesBytes`.
 */
export function deferRender<T extends { readonly [K in keyof T]: TemplateValue }>(
  template: string,
  fields: T,
  options: DeferRenderOptions = {},
): DeferredRender {
  // Generic so that an interface (which has no index signature) is accepted.
  const values = fields as unknown as TemplateValues;
  const name = options.name ?? DEFAULT_TEMPLATE_NAME;
  const late = options.lateFields ?? [];
  const maxBytes = options.maxValuesBytes ?? MAX_DEFERRED_VALUES_BYTES;
  checkValues(values, late, 'values');
  const parsed = parseTemplate(template, name, { maxDepth: options.maxDepth });
  const unknown = templateFields(parsed).filter((f) => !Object.hasOwn(values, f) && !late.includes(f));
  if (unknown.length > 0) {
    const known = [...Object.keys(values), ...late].sort().map((f) => `.${f}`);
    throw new TemplateError(`template: ${name}: unknown field ${unknown.map((f) => `.${f}`).join(', ')}; the data has ${known.join(', ') || 'no fields'}`, {
      templateName: name,
    });
  }
  const sorted: Record<string, TemplateValue> = {};
  for (const key of Object.keys(values).sort()) sorted[key] = values[key];
  const json = JSON.stringify(sorted);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    throw new TemplateDataError(`values for template "${name}" take ${bytes} bytes as JSON; at most ${maxBytes} fit (maxValuesBytes)`);
  }
  return { template, values: json };
}

/**
 * The one render of a deferred template: `values` (the JSON deferRender
 * made, or undefined when there are none) and `late` (the data bound now,
 * e.g. `{ Name, Deps }`) together as dot. Values are data: template syntax
 * inside them is printed literally.
 *
 * Throws TemplateDataError when `values` is not a JSON object of scalars
 * with field names or shares a name with `late`; TemplateError and
 * TemplateBudgetError as renderTemplate does.
 */
export function renderDeferred(
  template: string,
  values: string | undefined,
  late: Readonly<Record<string, unknown>>,
  options: RenderDeferredOptions = {},
): string {
  const source = options.valuesSource ?? 'values';
  const early = values === undefined ? {} : decodeValues(values, source);
  checkValues(early, Object.keys(late), source);
  return renderTemplate(template, { ...early, ...late }, options);
}

function decodeValues(text: string, source: string): TemplateValues {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (err) {
    throw new TemplateDataError(`${source}: not valid JSON (${(err as Error).message}); expected an object of strings, numbers, booleans and maps of strings`);
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw new TemplateDataError(`${source}: expected a JSON object of strings, numbers, booleans and maps of strings, got ${describe(decoded)}`);
  }
  return decoded as TemplateValues;
}

function checkValues(values: TemplateValues, late: readonly string[], source: string): void {
  for (const [key, value] of Object.entries(values)) {
    if (!FIELD_NAME.test(key)) {
      throw new TemplateDataError(
        `${source}: ${JSON.stringify(key)} is not a field name a template can read (letters, digits and _, not starting with a digit)`,
      );
    }
    if (late.includes(key)) throw new TemplateDataError(`${source}: "${key}" is bound when the template is rendered and cannot be a value`);
    const stringMap = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || stringMap;
    if (!ok) throw new TemplateDataError(`${source}: "${key}" must be a string, a finite number, a boolean or a map of strings, got ${describe(value)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
