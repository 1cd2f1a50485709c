import { type TSchema, Type } from '@sinclair/typebox';
import { type SchemaNode, VALIDATIONS } from './_schema.js';
import { GROUP, VERSION } from './constants.js';
import type { KindDefinition } from './kind.js';
import { KINDS } from './kinds.js';

/** A CustomResourceDefinition object, as applied to the apiserver. */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/**
 * The structural OpenAPI v3 schema of a kind: TypeBox's JSON schema with
 * TypeBox-only keys removed and keys sorted, so the CRD is stable byte for byte.
 */
export function openApiSchema(def: KindDefinition): Record<string, unknown> {
  const spec = toPlain(def.spec) as Record<string, unknown>;
  if (def.specRules?.length) {
    spec[VALIDATIONS] = [...((spec[VALIDATIONS] as unknown[]) ?? []), ...def.specRules.map((r) => ({ ...r }))];
  }
  const root = Type.Object({
    apiVersion: Type.Optional(Type.String({ description: 'APIVersion defines the versioned schema of this representation of an object.' })),
    kind: Type.Optional(Type.String({ description: 'Kind is a string value representing the REST resource this object represents.' })),
    metadata: Type.Optional(Type.Unsafe<object>({ type: 'object' })),
  });
  const schema = toPlain(root) as SchemaNode;
  schema.description = def.description;
  schema.properties!.spec = spec;
  if (def.status) schema.properties!.status = toPlain(def.status) as SchemaNode;
  if (def.specRequired) schema.required = ['spec'];
  return schema;
}

export function customResourceDefinition(def: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind: def.kind, listKind: def.listKind, plural: def.plural, singular: def.singular },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema(def) },
          ...(def.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/** The CRDs of every kelos.dev kind, in a stable order. */
export function customResourceDefinitions(): CustomResourceDefinition[] {
  return KINDS.map(customResourceDefinition);
}

/** Deep copy through JSON: drops TypeBox's symbol keys and undefined values; sorts object keys. */
function toPlain(schema: TSchema | object): unknown {
  return sortKeys(JSON.parse(JSON.stringify(schema)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
