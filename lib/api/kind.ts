import type { TSchema } from '@sinclair/typebox';
import type { CelRule } from './_schema.js';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly priority?: number;
  readonly description?: string;
}

/**
 * One kind of kelos.dev/v1alpha1: everything the CRD, the validator and the
 * clients need to know, from a single definition.
 */
export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly listKind: string;
  readonly description: string;
  readonly spec: TSchema;
  /**
   * Whether an object of the kind must have a spec (it has required fields of
   * its own): then a write that would make one without is refused.
   * @default false
   */
  readonly specRequired?: boolean;
  /** CEL rules on the `spec` property itself (e.g. immutability). */
  readonly specRules?: readonly CelRule[];
  readonly status?: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
}
