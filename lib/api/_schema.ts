// Private helpers for writing the API schemas: one TypeBox definition per
// field yields the CRD's structural schema, the TypeScript type and the validator.
import { type SchemaOptions, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** A CEL rule as written into the CRD (`x-kubernetes-validations`). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** Set when the rule should report on a sub-field (apiserver `fieldPath`). */
  readonly fieldPath?: string;
}

export const VALIDATIONS = 'x-kubernetes-validations';

/** A node of a plain OpenAPI v3 schema, with the keywords kelos reads or adds. */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  anyOf?: SchemaNode[];
  required?: string[];
  maxItems?: number;
  maxLength?: number;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [keyword: string]: unknown;
}

export function cel(...rules: CelRule[]): { [VALIDATIONS]: CelRule[] } {
  return { [VALIDATIONS]: rules };
}

/** A string restricted to a set of values; typed as their union. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `{ name: string }` — a reference to an object in the same namespace. */
export function NameRef(description: string) {
  return Type.Object({ name: Type.String({ description: 'Name of the referenced object.' }) }, { description });
}

/**
 * A string-to-string map, written as Kubernetes structural schemas require
 * (`additionalProperties`, not `patternProperties`).
 */
export function StringMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, description });
}

/** A schema imported from the generated core/v1 definitions, typed as T. */
export function Imported<T>(schema: unknown, options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...(structuredClone(schema) as object), ...options });
}

/** int32 / int64 integers, as Kubernetes writes them. */
export function Int32(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int32', ...options });
}
export function Int64(options: SchemaOptions = {}) {
  return Type.Integer({ format: 'int64', ...options });
}

export function DateTime(description: string) {
  return Type.String({ format: 'date-time', description });
}

export type { TSchema };
