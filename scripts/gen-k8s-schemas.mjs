#!/usr/bin/env node
// Generates lib/api/generated/k8s-core.json: the structural OpenAPI v3 schemas
// of the core/v1 types that PodOverrides embeds (the agent pod fields and extra containers), flattened the way
// controller-gen embeds them in a CRD ($refs inlined; defaults, enums,
// descriptions and list/patch extensions dropped; Quantity and IntOrString as
// x-kubernetes-int-or-string). Source: the OpenAPI spec shipped in the
// k8s.io/kubernetes Go module, fetched through the Go module proxy.
//
//   node scripts/gen-k8s-schemas.mjs [kubernetes-version]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const version = process.argv[2] ?? 'v1.35.4';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'lib/api/generated/k8s-core.json');

const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], { encoding: 'utf8', cwd: '/' }));
const spec = JSON.parse(readFileSync(join(info.Dir, 'api/openapi-spec/v3/api__v1_openapi.json'), 'utf8'));
const schemas = spec.components.schemas;

const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const special = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': () => ({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  }),
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': () => ({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  }),
  // Embedded object metadata (ephemeral volume claim templates): kept whole.
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': () => ({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  }),
};

const KEEP = new Set([
  'type',
  'format',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
]);

function resolve(name, stack) {
  if (special[name]) return special[name]();
  if (stack.includes(name)) throw new Error(`recursive schema ${[...stack, name].join(' -> ')}`);
  const s = schemas[name];
  if (!s) throw new Error(`unknown schema ${name}`);
  return convert(s, [...stack, name]);
}

function convert(s, stack) {
  if (s.$ref) return resolve(s.$ref.replace('#/components/schemas/', ''), stack);
  if (s.allOf) {
    if (s.allOf.length !== 1) throw new Error(`allOf with ${s.allOf.length} entries at ${stack.join('/')}`);
    return convert(s.allOf[0], stack);
  }
  if (s.oneOf) throw new Error(`oneOf at ${stack.join('/')}`);
  const o = {};
  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties') {
      o.properties = {};
      for (const p of Object.keys(v).sort()) o.properties[p] = convert(v[p], stack);
    } else if (k === 'items') o.items = convert(v, stack);
    else if (k === 'additionalProperties') o.additionalProperties = typeof v === 'object' ? convert(v, stack) : v;
    else if (k === 'required') o.required = [...v].sort();
    else o[k] = v;
  }
  if (!o.type && (o.properties || o.additionalProperties)) o.type = 'object';
  return o;
}

const wanted = {
  ResourceRequirements: 'io.k8s.api.core.v1.ResourceRequirements',
  EnvVar: 'io.k8s.api.core.v1.EnvVar',
  Toleration: 'io.k8s.api.core.v1.Toleration',
  Affinity: 'io.k8s.api.core.v1.Affinity',
  LocalObjectReference: 'io.k8s.api.core.v1.LocalObjectReference',
  Volume: 'io.k8s.api.core.v1.Volume',
  VolumeMount: 'io.k8s.api.core.v1.VolumeMount',
  PodSecurityContext: 'io.k8s.api.core.v1.PodSecurityContext',
  SecurityContext: 'io.k8s.api.core.v1.SecurityContext',
  Container: 'io.k8s.api.core.v1.Container',
  Condition: 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition',
};
const result = { source: `k8s.io/kubernetes@${version} api/openapi-spec/v3/api__v1_openapi.json`, schemas: {} };
for (const [short, full] of Object.entries(wanted)) result.schemas[short] = resolve(full, []);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
console.log(`Wrote ${out} (${Object.keys(result.schemas).length} schemas, ${JSON.stringify(result).length} bytes)`);
