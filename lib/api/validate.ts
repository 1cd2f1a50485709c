import { type CelInput, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type CelRule, type SchemaNode, VALIDATIONS } from './_schema.js';
import { API_VERSION, GROUP } from './constants.js';
import { openApiSchema } from './crd.js';
import type { KindDefinition } from './kind.js';
import { KINDS, kindDefinition } from './kinds.js';

/** One problem with an object, located the way the apiserver locates it. */
export interface ValidationIssue {
  /** Dotted field path, e.g. `spec.credentials` or `spec.when.githubIssues.state`. */
  readonly path: string;
  readonly message: string;
}

export interface ValidateOptions {
  /** The stored object, for an update: enables transition rules (`oldSelf`). */
  readonly oldObject?: unknown;
}

/**
 * Judges a kelos.dev object as the apiserver would with kelos's CRDs and strict
 * field validation: the OpenAPI schema (ajv) and then the CRD's own
 * `x-kubernetes-validations` rules (CEL), from the same rule text.
 * Returns no issues for a valid object.
 */
export function validateObject(obj: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  if (!isRecord(obj)) return [{ path: '', message: 'must be an object' }];
  const apiVersion = obj.apiVersion;
  const kind = obj.kind;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${GROUP}/`)) {
    return [{ path: 'apiVersion', message: `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "${API_VERSION}"` }];
  }
  if (apiVersion !== API_VERSION) {
    return [{ path: 'apiVersion', message: `Unsupported value: "${apiVersion}": supported values: "${API_VERSION}"` }];
  }
  const def = typeof kind === 'string' ? kindDefinition(kind) : undefined;
  if (!def) {
    const kinds = KINDS.map((k) => `"${k.kind}"`).join(', ');
    return [{ path: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: ${kinds}` }];
  }
  const issues = [...validateMetadata(obj.metadata), ...schemaIssues(def, obj)];
  const compiled = compiledFor(def);
  const oldObj = isRecord(options.oldObject) ? options.oldObject : undefined;
  issues.push(...celIssues(compiled.schema, obj, oldObj, ''));
  return issues;
}

/** True when the object belongs to the kelos.dev API group. */
export function isKelosObject(obj: unknown): boolean {
  return isRecord(obj) && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith(`${GROUP}/`);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateMetadata(meta: unknown): ValidationIssue[] {
  if (!isRecord(meta)) return [{ path: 'metadata', message: 'Required value' }];
  const name = meta.name;
  if (name === undefined) {
    if (typeof meta.generateName === 'string' && meta.generateName !== '') return [];
    return [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }];
  }
  if (typeof name !== 'string' || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      {
        path: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      },
    ];
  }
  return [];
}

// ---------------------------------------------------------------- schema (ajv)

interface Compiled {
  readonly schema: SchemaNode;
  readonly validate: ValidateFunction;
}

const compiledKinds = new Map<string, Compiled>();
let ajvInstance: Ajv | undefined;

function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const a = new Ajv({ allErrors: true, strict: true, strictTypes: false, validateFormats: true, code: { optimize: false } });
  for (const keyword of [
    VALIDATIONS,
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
  ]) {
    a.addKeyword({ keyword, schemaType: ['array', 'boolean', 'string'] });
  }
  a.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  a.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  // RFC 3339, as metav1.Time serialises.
  a.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  ajvInstance = a;
  return a;
}

function compiledFor(def: KindDefinition): Compiled {
  let c = compiledKinds.get(def.kind);
  if (!c) {
    const schema = openApiSchema(def) as SchemaNode;
    const strict = closeObjects(structuredClone(schema));
    c = { schema, validate: ajv().compile(strict) };
    compiledKinds.set(def.kind, c);
  }
  return c;
}

/** Strict field validation: an object schema with properties rejects unknown fields. */
function closeObjects<T extends SchemaNode | undefined>(s: T): T {
  if (!s || typeof s !== 'object') return s;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    s.additionalProperties = false;
  }
  for (const p of Object.values(s.properties ?? {})) closeObjects(p);
  if (s.items) closeObjects(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') closeObjects(s.additionalProperties);
  for (const sub of s.anyOf ?? []) closeObjects(sub);
  return s;
}

function schemaIssues(def: KindDefinition, obj: Record<string, unknown>): ValidationIssue[] {
  const { validate } = compiledFor(def);
  // metadata is validated separately; the schema only requires it to be an object.
  if (validate(obj)) return [];
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const issue = toIssue(e, obj);
    if (!issue) continue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}

function toIssue(e: ErrorObject, root: unknown): ValidationIssue | undefined {
  const path = pointerToPath(e.instancePath);
  const value = valueAt(root, e.instancePath);
  const shown = JSON.stringify(value);
  const at = (p: string) => (path ? `${path}.${p}` : p);
  switch (e.keyword) {
    case 'required':
      return { path: at(String(e.params.missingProperty)), message: 'Required value' };
    case 'additionalProperties':
      return { path: at(String(e.params.additionalProperty)), message: `unknown field "${at(String(e.params.additionalProperty))}"` };
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `Unsupported value: ${shown}: supported values: ${allowed}` };
    }
    case 'pattern':
      return { path, message: `Invalid value: ${shown}: ${path} in body should match '${e.params.pattern}'` };
    case 'minimum':
      return { path, message: `Invalid value: ${shown}: ${path} in body should be greater than or equal to ${e.params.limit}` };
    case 'maximum':
      return { path, message: `Invalid value: ${shown}: ${path} in body should be less than or equal to ${e.params.limit}` };
    case 'maxLength': {
      const limit = Number(e.params.limit);
      return { path, message: `Too long: may not be more than ${limit} ${limit === 1 ? 'byte' : 'bytes'}` };
    }
    case 'minLength':
      return { path, message: `Invalid value: ${shown}: ${path} in body should be at least ${e.params.limit} chars long` };
    case 'minItems':
      return { path, message: `Invalid value: ${(value as unknown[]).length}: ${path} in body should have at least ${e.params.limit} items` };
    case 'maxItems':
      return { path, message: `Too many: ${(value as unknown[]).length}: must have at most ${e.params.limit} items` };
    case 'type':
      return {
        path,
        message: `Invalid value: ${JSON.stringify(typeName(value))}: ${path} in body must be of type ${e.params.type}: ${JSON.stringify(typeName(value))}`,
      };
    case 'format':
      return { path, message: `Invalid value: ${shown}: ${path} in body must be of type ${e.params.format}` };
    case 'anyOf':
      // int-or-string: the branch errors (type) carry no extra information.
      return { path, message: `Invalid value: ${shown}: ${path} in body must be of type integer or string` };
    default:
      return { path, message: `Invalid value: ${shown}: ${e.message ?? e.keyword}` };
  }
}

// ---------------------------------------------------------------- CEL

const env = celEnv({ funcs: strings });
const planned = new Map<string, (ctx: Record<string, CelInput>) => unknown>();

function program(rule: string) {
  let p = planned.get(rule);
  if (!p) {
    p = plan(env, parse(rule)) as unknown as (ctx: Record<string, CelInput>) => unknown;
    planned.set(rule, p);
  }
  return p;
}

/** Walks schema and data together, evaluating each node's rules with `self` (and `oldSelf`). */
function celIssues(schema: SchemaNode | undefined, value: unknown, old: unknown, path: string): ValidationIssue[] {
  if (value === undefined || value === null || !schema || typeof schema !== 'object' || !hasChecks(schema)) return [];
  const out: ValidationIssue[] = [];
  const rules: CelRule[] = schema[VALIDATIONS] ?? [];
  for (const r of rules) {
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && old === undefined) continue;
    let result: unknown;
    try {
      const ctx: Record<string, CelInput> = { self: toCel(schema, value) };
      if (transition) ctx.oldSelf = toCel(schema, old);
      result = program(r.rule)(ctx);
    } catch {
      continue; // a malformed value is reported by the schema check
    }
    if (isCelError(result as never)) continue;
    // As the apiserver prints a failed rule.
    if (result === false) out.push({ path: r.fieldPath ? `${path}${r.fieldPath}` : path, message: `Invalid value: ${r.message}` });
  }
  if (Array.isArray(value)) out.push(...duplicateIssues(schema, value, path));
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => out.push(...celIssues(schema.items, item, undefined, `${path}[${i}]`)));
  } else if (isRecord(value)) {
    const oldRec = isRecord(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) out.push(...celIssues(sub, v, oldRec?.[k], path ? `${path}.${k}` : k));
    }
  }
  return out;
}

const checksBelow = new WeakMap<object, boolean>();

/** Whether a schema or any schema below it has rules or unique-list types (most of a Pod's fields have neither). */
function hasChecks(schema: SchemaNode): boolean {
  let has = checksBelow.get(schema);
  if (has === undefined) {
    const type = schema['x-kubernetes-list-type'];
    has =
      (schema['x-kubernetes-validations']?.length ?? 0) > 0 ||
      type === 'map' ||
      type === 'set' ||
      Object.values(schema.properties ?? {}).some((s) => !!s && typeof s === 'object' && hasChecks(s)) ||
      (!!schema.items && typeof schema.items === 'object' && hasChecks(schema.items)) ||
      (!!schema.additionalProperties && typeof schema.additionalProperties === 'object' && hasChecks(schema.additionalProperties));
    checksBelow.set(schema, has);
  }
  return has;
}

/** `x-kubernetes-list-type` map and set: entries must be unique (by their map keys), as the apiserver checks. */
function duplicateIssues(schema: SchemaNode, list: unknown[], path: string): ValidationIssue[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'map' && type !== 'set') return [];
  const keys: string[] = type === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : [];
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  list.forEach((item, i) => {
    const key = type === 'map' ? (isRecord(item) ? keys.map((k) => [k, item[k]] as const).filter(([, v]) => v !== undefined) : []) : item;
    const id = JSON.stringify(key);
    if (!seen.has(id)) {
      seen.add(id);
      return;
    }
    const shown = type === 'map' ? JSON.stringify(Object.fromEntries(key as Array<readonly [string, unknown]>)) : JSON.stringify(item);
    out.push({ path: `${path}[${i}]`, message: `Duplicate value: ${shown}` });
  });
  return out;
}

/** Converts JSON to CEL values the way the apiserver types them from the schema. */
function toCel(schema: SchemaNode | undefined, value: unknown): CelInput {
  if (Array.isArray(value)) return value.map((v) => toCel(schema?.items, v));
  if (isRecord(value)) {
    const m = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) {
      const sub = schema?.properties?.[k] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      m.set(k, toCel(sub, v));
    }
    return m;
  }
  if (typeof value === 'number' && Number.isInteger(value) && schema?.type !== 'number') return BigInt(value);
  return value as CelInput;
}

// ---------------------------------------------------------------- helpers

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur == null) return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
