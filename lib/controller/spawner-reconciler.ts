import type { V1Deployment } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Annotation, API_VERSION, Kind, Reason } from '../api/constants.js';
import { isDeleting } from '../api/task-phase.js';
import type { TaskSpawner } from '../api/task-spawner.js';
import type { Workspace } from '../api/workspace.js';
import type { CacheReader } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { objectPath, Resources } from '../kube/resource-path.js';
import { objectKey } from './handlers.js';
import type { ManagerSetup, ObjectKey, ReconcileResult, Reconciler } from './reconciler.js';
import { desiredSpawner, invalidSpawner, spawnerStatus } from './spawner-desired.js';

export interface SpawnerReconcilerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  /** Image of the spawner workloads. @default - the builder's default (the kelos runtime image) */
  readonly spawnerImage?: string;
}

/**
 * Whether a TaskSpawner update may change what the controller does with it:
 * its spec (generation), the compiled annotation, deletion, or a status field
 * the controller writes. Not its other status fields: a spawner writes
 * lastDiscoveryTime every poll, and each reconcile re-applies its workload
 * (several server-side applies). The trade-off: the workload is not watched,
 * so a child deleted by hand comes back on the next spec change or
 * controller restart rather than within one poll.
 */
export function spawnerChanged(s: TaskSpawner, old: TaskSpawner | undefined): boolean {
  if (!old) return true;
  const compiled = (x: TaskSpawner) => x.metadata.annotations?.[Annotation.WORKLOAD_COMPILED];
  return (
    old.metadata.generation !== s.metadata.generation ||
    compiled(old) !== compiled(s) ||
    isDeleting(old) !== isDeleting(s) ||
    old.status?.phase !== s.status?.phase ||
    old.status?.deploymentName !== s.status?.deploymentName ||
    old.status?.cronJobName !== s.status?.cronJobName
  );
}

/** The TaskSpawners of a namespace whose Task template names Workspace `name`. */
export function spawnersOfWorkspace(spawners: Iterable<TaskSpawner>, name: string | undefined): ObjectKey[] {
  const keys: ObjectKey[] = [];
  for (const s of spawners) if (s.spec?.taskTemplate?.workspaceRef?.name === name) keys.push(objectKey(s));
  return keys;
}

/**
 * Runs TaskSpawners that were applied as raw YAML: the I/O shell around
 * `desiredSpawner` and `spawnerStatus`, applying under the controller's
 * field manager.
 */
export class SpawnerReconciler implements Reconciler {
  readonly kind = Kind.TASK_SPAWNER;
  readonly name = 'spawner';
  private spawners!: CacheReader<TaskSpawner>;
  private workspaces!: CacheReader<Workspace>;

  constructor(private readonly o: SpawnerReconcilerOptions) {}

  /** TaskSpawners (changes that matter, see spawnerChanged); Workspaces (the TaskSpawners that name them). */
  setupWithManager(mgr: ManagerSetup): void {
    this.spawners = mgr.watch<TaskSpawner>(
      { resource: Resources.taskSpawners },
      {
        add: (s) => [objectKey(s)],
        update: (s, old) => (spawnerChanged(s, old) ? [objectKey(s)] : []),
        delete: (s) => [objectKey(s)],
      },
    );
    const named = (ws: Workspace) => spawnersOfWorkspace(this.spawners.namespace(ws.metadata.namespace).values(), ws.metadata.name);
    this.workspaces = mgr.watch<Workspace>({ resource: Resources.workspaces }, { add: named, update: named });
  }

  async reconcile({ namespace, name }: ObjectKey): Promise<ReconcileResult> {
    const spawner = this.spawners.get(namespace, name);
    if (!spawner) return {};
    const { client } = this.o;
    const invalid = invalidSpawner(spawner, new Date());
    if (invalid) {
      for (const path of invalid.delete) await client.delete(path, { propagationPolicy: 'Background' });
      if (invalid.patch) {
        await client.mergePatch(objectPath({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: { name, namespace } }, 'status'), {
          status: invalid.patch,
        });
        this.o.logger
          .child({ taskSpawner: `${namespace}/${name}` })
          .info({ reason: Reason.INVALID_SCHEDULE, message: invalid.patch.message }, 'Refused TaskSpawner');
      }
      // Nothing to retry: the next change of the TaskSpawner brings it back.
      return {};
    }
    const wsName = spawner.spec?.taskTemplate?.workspaceRef?.name;
    const workspace = wsName ? this.workspaces.get(namespace, wsName) : undefined;
    const d = desiredSpawner(spawner, workspace ? { workspace } : {}, this.o.spawnerImage ? { image: this.o.spawnerImage } : {});
    if (!d) return {};

    for (const child of d.rbac) await client.apply(child);
    const applied = await client.apply(d.workload);
    if (d.stale) await client.delete(d.stale, { propagationPolicy: 'Background' });

    const s = spawnerStatus(spawner, d, d.workload.kind === 'Deployment' ? { deployment: applied as V1Deployment } : {});
    if (s.patch) {
      await client.mergePatch(objectPath({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: { name, namespace } }, 'status'), { status: s.patch });
      this.o.logger.child({ taskSpawner: `${namespace}/${name}` }).info({ ...s.status }, 'Updated TaskSpawner workload');
    }
    return s.requeueAfter !== undefined ? { requeueAfter: s.requeueAfter } : {};
  }
}
