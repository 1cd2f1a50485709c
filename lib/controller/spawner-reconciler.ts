import type { V1Deployment } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, Annotation, Kind, TaskSpawnerPhase } from '../api/constants.js';
import type { TaskSpawner, TaskSpawnerStatus } from '../api/task-spawner.js';
import type { Workspace } from '../api/workspace.js';
import type { Informer } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { objectPath, resourcePath, Resources } from '../kube/resource-path.js';
import { controllerOwnerReference } from '../render/owner.js';
import { spawnerWorkload } from '../render/spawner-workload.js';
import type { ReconcileResult } from './task-reconciler.js';
import { isDeleting } from '../api/task-phase.js';

export interface SpawnerReconcilerOptions {
  readonly client: KubeClient;
  readonly spawners: Informer<TaskSpawner>;
  readonly workspaces: Informer<Workspace>;
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

/** Re-check a workload that is not available yet (Deployments are not watched). */
const PENDING_RECHECK_MS = 5_000;

/**
 * Runs TaskSpawners that were applied as raw YAML: their Deployment or
 * CronJob and RBAC, built by the same lib/render function the compiler uses,
 * applied under the controller's field manager and owned by the TaskSpawner.
 * Spawners the compiler already rendered (annotation kelos.dev/workload-compiled)
 * are left alone.
 */
export class SpawnerReconciler {
  constructor(private readonly o: SpawnerReconcilerOptions) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const spawner = this.o.spawners.get(namespace, name);
    if (!spawner || isDeleting(spawner)) return {};
    if (spawner.metadata.annotations?.[Annotation.WORKLOAD_COMPILED] !== undefined) return {};
    const { client } = this.o;
    const log = this.o.logger.child({ taskSpawner: `${namespace}/${name}` });

    const wsName = spawner.spec.taskTemplate.workspaceRef?.name;
    const ws = wsName ? this.o.workspaces.get(namespace, wsName) : undefined;
    const secretNames = ws?.spec.secretRef ? [ws.spec.secretRef.name] : [];
    const workload = spawnerWorkload(
      { metadata: { name, namespace }, spec: spawner.spec },
      {
        secretNames,
        owner: controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: spawner.metadata }),
        ...(this.o.spawnerImage ? { image: this.o.spawnerImage } : {}),
      },
    );

    await client.apply(workload.serviceAccount);
    await client.apply(workload.role);
    await client.apply(workload.roleBinding);
    const status: TaskSpawnerStatus = {};
    const old = spawner.status ?? {};
    let available = false;
    if (workload.deployment) {
      const applied = (await client.apply(workload.deployment)) as V1Deployment;
      available = (applied.status?.availableReplicas ?? 0) > 0;
      status.deploymentName = workload.deployment.metadata!.name!;
      if (old.cronJobName) await this.deleteQuietly(resourcePath(Resources.cronJobs, { namespace, name: old.cronJobName }));
    } else if (workload.cronJob) {
      await client.apply(workload.cronJob);
      available = true;
      status.cronJobName = workload.cronJob.metadata!.name!;
      if (old.deploymentName) await this.deleteQuietly(resourcePath(Resources.deployments, { namespace, name: old.deploymentName }));
    }

    // The spawner itself owns phase once it runs (Running, Failed); the controller only says Pending, Suspended,
    // or that the workload came up.
    const suspended = spawner.spec.suspend === true;
    const ours = old.phase === undefined || old.phase === '' || old.phase === TaskSpawnerPhase.PENDING || old.phase === TaskSpawnerPhase.SUSPENDED;
    if (suspended) status.phase = TaskSpawnerPhase.SUSPENDED;
    else if (ours) status.phase = available ? TaskSpawnerPhase.RUNNING : TaskSpawnerPhase.PENDING;

    const patch: Record<string, unknown> = { ...status };
    if (workload.deployment && old.cronJobName) patch.cronJobName = null;
    if (workload.cronJob && old.deploymentName) patch.deploymentName = null;
    const changed = Object.entries(patch).some(([k, v]) => (old as Record<string, unknown>)[k] !== (v ?? undefined));
    if (changed) {
      await client.mergePatch(objectPath({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: { name, namespace } }, 'status'), { status: patch });
      log.info({ ...status }, 'Updated TaskSpawner workload');
    }
    return !suspended && !available ? { requeueAfter: PENDING_RECHECK_MS } : {};
  }

  private async deleteQuietly(path: string): Promise<void> {
    await this.o.client.delete(path, { propagationPolicy: 'Background' });
  }
}
