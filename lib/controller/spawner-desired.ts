import type { V1CronJob, V1Deployment, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { Annotation, API_VERSION, ConditionType, Kind, Reason, TaskSpawnerPhase } from '../api/constants.js';
import { CronScheduleError, cronExpression } from '../api/cron-schedule.js';
import type { Condition } from '../api/shared.js';
import { isDeleting, rfc3339 } from '../api/task-phase.js';
import type { TaskSpawner, TaskSpawnerStatus } from '../api/task-spawner.js';
import type { Workspace } from '../api/workspace.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { controllerOwnerReference } from '../render/owner.js';
import { hasSpawnerWorkload, spawnerWorkload, spawnerWorkloadNames } from '../render/spawner-workload.js';

// The pure core of the TaskSpawner reconciler (docs/architecture.md §7), in two
// steps because whether a Deployment is available is only known from the
// apiserver's answer to applying it: `desiredSpawner` decides what to apply
// and delete, `spawnerStatus` the status once the workload is applied.

/** Re-check a workload that is not available yet (Deployments are not watched). */
export const PENDING_RECHECK_MS = 5_000;

export interface SpawnerWorld {
  /** The Workspace the Task template names, when it exists. */
  readonly workspace?: Workspace;
}

export interface SpawnerDecisionOptions {
  /** Image of the spawner workloads. @default - the builder's default (the kelos runtime image) */
  readonly image?: string;
}

export interface SpawnerDecision {
  /** Applied first, in this order. */
  readonly rbac: readonly [V1ServiceAccount, V1Role, V1RoleBinding];
  /** A Deployment (polling sources) or a CronJob (cron), applied after the RBAC. */
  readonly workload: V1Deployment | V1CronJob;
  /** The path of the workload of the other form that the status still names, deleted after the workload is applied. */
  readonly stale?: string;
}

/**
 * What a TaskSpawner applied as YAML needs: its workload and RBAC, built by
 * the same lib/render function the compiler uses and owned by the
 * TaskSpawner. Undefined when the controller leaves it alone: it is being
 * deleted, the compiler already rendered its workload (annotation
 * kelos.dev/workload-compiled), or it has a webhook source (the namespace's
 * webhook server serves it: no poller).
 */
export function desiredSpawner(spawner: TaskSpawner, world: SpawnerWorld, options: SpawnerDecisionOptions = {}): SpawnerDecision | undefined {
  if (isDeleting(spawner)) return undefined;
  if (!hasSpawnerWorkload(spawner.spec)) return undefined;
  if (spawner.metadata.annotations?.[Annotation.WORKLOAD_COMPILED] !== undefined) return undefined;
  const name = spawner.metadata.name!;
  const namespace = spawner.metadata.namespace!;
  const ws = world.workspace;
  const workload = spawnerWorkload(
    { metadata: { name, namespace }, spec: spawner.spec },
    {
      secretNames: ws?.spec.secretRef ? [ws.spec.secretRef.name] : [],
      owner: controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: spawner.metadata }),
      ...(options.image ? { image: options.image } : {}),
    },
  );
  const old = spawner.status ?? {};
  const stale = workload.deployment
    ? old.cronJobName && resourcePath(Resources.cronJobs, { namespace, name: old.cronJobName })
    : old.deploymentName && resourcePath(Resources.deployments, { namespace, name: old.deploymentName });
  return {
    rbac: [workload.serviceAccount, workload.role, workload.roleBinding],
    workload: (workload.deployment ?? workload.cronJob)!,
    ...(stale ? { stale } : {}),
  };
}

/** A TaskSpawner the controller cannot build a workload for: what to delete, and the status that says why. */
export interface InvalidSpawnerDecision {
  /** Paths of the workloads the status names (from before the spec went bad), deleted. */
  readonly delete: readonly string[];
  /** The merge patch of `.status`; undefined when the status already says so. */
  readonly patch?: Record<string, unknown>;
}

/**
 * Undefined when the controller can build the TaskSpawner's workload (or
 * leaves it alone); else the decision for a spec it cannot: a cron schedule
 * a CronJob would refuse. Its status gets phase Failed and a Ready=False
 * condition with reason InvalidSchedule, and nothing is retried until the
 * TaskSpawner changes, instead of failing every reconcile.
 */
export function invalidSpawner(spawner: TaskSpawner, now: Date): InvalidSpawnerDecision | undefined {
  if (isDeleting(spawner)) return undefined;
  if (spawner.metadata.annotations?.[Annotation.WORKLOAD_COMPILED] !== undefined) return undefined;
  const schedule = spawner.spec.when?.cron?.schedule;
  if (schedule === undefined) return undefined;
  try {
    cronExpression(schedule);
    return undefined;
  } catch (err) {
    if (!(err instanceof CronScheduleError)) throw err;
    const message = `spec.when.cron.schedule: ${err.message}`;
    const old = spawner.status ?? {};
    const namespace = spawner.metadata.namespace!;
    const generation = spawner.metadata.generation;
    const prev = old.conditions?.find((c) => c.type === ConditionType.READY);
    const condition: Condition = {
      type: ConditionType.READY,
      status: 'False',
      reason: Reason.INVALID_SCHEDULE,
      message,
      lastTransitionTime: prev && prev.status === 'False' ? prev.lastTransitionTime : rfc3339(now),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    // Only the workloads the controller made: named in the status and by the TaskSpawner's name.
    const names = spawnerWorkloadNames(spawner.metadata.name!);
    const del = [
      ...(old.cronJobName && old.cronJobName === names.cronJob ? [resourcePath(Resources.cronJobs, { namespace, name: old.cronJobName })] : []),
      ...(old.deploymentName && old.deploymentName === names.workload ? [resourcePath(Resources.deployments, { namespace, name: old.deploymentName })] : []),
    ];
    const same =
      old.phase === TaskSpawnerPhase.FAILED &&
      old.message === message &&
      !old.cronJobName &&
      !old.deploymentName &&
      prev?.reason === condition.reason &&
      prev.message === message &&
      prev.status === 'False' &&
      prev.observedGeneration === condition.observedGeneration;
    if (same) return { delete: del };
    return {
      delete: del,
      patch: {
        phase: TaskSpawnerPhase.FAILED,
        message,
        conditions: [...(old.conditions ?? []).filter((c) => c.type !== ConditionType.READY), condition],
        ...(old.cronJobName ? { cronJobName: null } : {}),
        ...(old.deploymentName ? { deploymentName: null } : {}),
      },
    };
  }
}

export interface SpawnerObserved {
  /** The Deployment as the apiserver returned it from the apply (polling sources). */
  readonly deployment?: V1Deployment;
}

export interface SpawnerStatusDecision {
  /** The status fields the controller owns, as it sets them. */
  readonly status: TaskSpawnerStatus;
  /** The merge patch of `.status` (null clears a field); undefined when the status already says so. */
  readonly patch?: Record<string, unknown>;
  readonly requeueAfter?: number;
}

/**
 * The status the controller writes once the workload is applied. The spawner
 * itself owns the phase once it runs (Running, Failed); the controller only
 * says Pending, Suspended, or that the workload came up; and it names the
 * workload, clearing the name of the other form.
 */
export function spawnerStatus(spawner: TaskSpawner, decision: SpawnerDecision, observed: SpawnerObserved): SpawnerStatusDecision {
  const status: TaskSpawnerStatus = {};
  const old = spawner.status ?? {};
  const isDeployment = decision.workload.kind === 'Deployment';
  // A CronJob is available as soon as it exists; a Deployment once a replica is.
  const available = isDeployment ? (observed.deployment?.status?.availableReplicas ?? 0) > 0 : true;
  if (isDeployment) status.deploymentName = decision.workload.metadata!.name!;
  else status.cronJobName = decision.workload.metadata!.name!;

  const suspended = spawner.spec.suspend === true;
  // A spec the controller refused before (invalidSpawner) and that is valid again: the controller's status is replaced.
  const wasInvalid = old.conditions?.some((c) => c.type === ConditionType.READY && c.reason === Reason.INVALID_SCHEDULE) === true;
  const ours = wasInvalid || old.phase === undefined || old.phase === '' || old.phase === TaskSpawnerPhase.PENDING || old.phase === TaskSpawnerPhase.SUSPENDED;
  if (suspended) status.phase = TaskSpawnerPhase.SUSPENDED;
  else if (ours) status.phase = available ? TaskSpawnerPhase.RUNNING : TaskSpawnerPhase.PENDING;

  const patch: Record<string, unknown> = { ...status };
  if (wasInvalid) {
    patch.conditions = old.conditions!.filter((c) => !(c.type === ConditionType.READY && c.reason === Reason.INVALID_SCHEDULE));
    patch.message = null;
  }
  if (isDeployment && old.cronJobName) patch.cronJobName = null;
  if (!isDeployment && old.deploymentName) patch.deploymentName = null;
  const changed = Object.entries(patch).some(([k, v]) => (old as Record<string, unknown>)[k] !== (v ?? undefined));
  return {
    status,
    ...(changed ? { patch } : {}),
    ...(!suspended && !available ? { requeueAfter: PENDING_RECHECK_MS } : {}),
  };
}
