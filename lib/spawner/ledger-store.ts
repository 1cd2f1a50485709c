import type { V1ConfigMap } from '@kubernetes/client-node';
import { API_VERSION, Kind, Label, LabelValue, type TaskSpawner } from '../api/index.js';
import type { KubeClient } from '../kube/kube-client.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { controllerOwnerReference } from '../render/owner.js';
import { spawnerWorkloadNames } from '../render/spawner-workload.js';
import { decodeLedger, EMPTY_LEDGER, encodeLedger, type Ledger } from './trigger-ledger.js';

/** The ConfigMap key that holds the ledger. */
export const LEDGER_KEY = 'ledger';

/** Name of a TaskSpawner's trigger ledger ConfigMap: `<spawner>-triggers`. */
export function ledgerConfigMapName(spawner: string): string {
  return spawnerWorkloadNames(spawner).triggerLedger;
}

/** The ledger as read, and the version a write must be based on (undefined: it does not exist yet). */
export interface StoredLedger {
  readonly ledger: Ledger;
  readonly resourceVersion?: string;
  /** A ConfigMap of an earlier TaskSpawner of this name: replaced on the first write. */
  readonly stale?: boolean;
}

/**
 * Reads and writes a TaskSpawner's trigger ledger: one ConfigMap owned by
 * the TaskSpawner (deleted with it). Every write is conditional on the
 * version read (create when absent, else a merge patch carrying
 * resourceVersion), so two spawner processes never both reserve: the second
 * gets 409 Conflict and creates nothing.
 */
export class LedgerStore {
  readonly name: string;

  constructor(
    private readonly kube: KubeClient,
    private readonly spawner: TaskSpawner,
  ) {
    this.name = ledgerConfigMapName(spawner.metadata.name!);
  }

  private get path(): string {
    return resourcePath(Resources.configMaps, { namespace: this.spawner.metadata.namespace!, name: this.name });
  }

  async read(): Promise<StoredLedger> {
    const cm = await this.kube.get<V1ConfigMap>(this.path);
    if (!cm) return { ledger: EMPTY_LEDGER };
    const rv = cm.metadata!.resourceVersion!;
    const owners = cm.metadata?.ownerReferences ?? [];
    if (!owners.some((o) => o.uid === this.spawner.metadata.uid)) {
      const earlier = owners.some((o) => o.kind === Kind.TASK_SPAWNER && o.name === this.spawner.metadata.name);
      if (!earlier) throw new Error(`ConfigMap ${this.name} exists and is not the trigger ledger of TaskSpawner ${this.spawner.metadata.name}`);
      return { ledger: EMPTY_LEDGER, resourceVersion: rv, stale: true };
    }
    const text = cm.data?.[LEDGER_KEY];
    if (text === undefined) return { ledger: EMPTY_LEDGER, resourceVersion: rv };
    try {
      return { ledger: decodeLedger(text), resourceVersion: rv };
    } catch (err) {
      throw new Error(`ConfigMap ${this.name}: ${(err as Error).message}`);
    }
  }

  /** Writes `ledger` over the version `based` read; returns the new version. Throws KubeError 409 when it changed meanwhile. */
  async write(ledger: Ledger, based: StoredLedger): Promise<StoredLedger> {
    const data = { [LEDGER_KEY]: encodeLedger(ledger) };
    const owner = controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: this.spawner.metadata });
    const labels = { [Label.TASK_SPAWNER]: this.spawner.metadata.name!, [Label.COMPONENT]: LabelValue.COMPONENT_SPAWNER };
    let cm: V1ConfigMap;
    if (based.resourceVersion === undefined) {
      cm = await this.kube.create<V1ConfigMap & { metadata: { name: string } }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: this.name, namespace: this.spawner.metadata.namespace!, labels, ownerReferences: [owner] },
        data,
      });
    } else {
      cm = await this.kube.mergePatch<V1ConfigMap>(this.path, {
        metadata: { resourceVersion: based.resourceVersion, ...(based.stale ? { ownerReferences: [owner], labels } : {}) },
        data,
      });
    }
    return { ledger, resourceVersion: cm.metadata!.resourceVersion! };
  }
}
