import { type Condition, ConditionType, Reason, TaskSpawnerPhase, type TaskSpawnerStatus } from '../api/index.js';

/**
 * What one cycle did, as the status needs it. `created` counts the Tasks
 * created that totalTasksCreated does not count yet.
 */
export type CycleOutcome =
  | { readonly kind: 'suspended'; readonly activeTasks: number; readonly created?: number }
  | {
      readonly kind: 'spawned';
      readonly discovered: number;
      readonly created: number;
      readonly activeTasks: number;
      readonly waiting: number;
      readonly blockedBy?: 'maxConcurrency' | 'maxTotalTasks' | undefined;
      readonly limit?: number | undefined;
      /** Tasks that could not be created, with why. */
      readonly failures: readonly string[];
      /** Items refused for what their data renders (an invalid branch, values too large), with why. */
      readonly skipped?: readonly SkippedItem[];
      /** The Tasks created over the spawner's life, from the trigger ledger; else the previous count plus `created`. */
      readonly totalTasksCreated?: number | undefined;
      /** RFC 3339: when the source was read; undefined keeps the previous lastDiscoveryTime. */
      readonly discoveredAt?: string | undefined;
    }
  | { readonly kind: 'failed'; readonly error: string; readonly activeTasks?: number | undefined; readonly created?: number };

/** Skipped items the ItemsSkipped condition names (each message quotes at most 120 characters of source text). */
const MAX_SKIPS_LISTED = 20;

/** An item the cycle passed over because of its data: a CamelCase reason and a message naming the item. */
export interface SkippedItem {
  readonly reason: string;
  readonly message: string;
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Condition): Condition[] {
  const out = (conditions ?? []).filter((c) => c.type !== next.type);
  const prev = (conditions ?? []).find((c) => c.type === next.type);
  out.push(prev && prev.status === next.status ? { ...next, lastTransitionTime: prev.lastTransitionTime } : next);
  return out;
}

/**
 * The TaskSpawner status after a cycle. Counters the spawner does not own
 * (deploymentName, cronJobName) and other writers' conditions are kept.
 */
export function nextStatus(prev: TaskSpawnerStatus | undefined, outcome: CycleOutcome, now: string, generation: number | undefined): TaskSpawnerStatus {
  const status: TaskSpawnerStatus = { ...(prev ?? {}) };
  if (generation !== undefined) status.observedGeneration = generation;
  const ready = (s: Condition['status'], reason: string, message: string): void => {
    status.conditions = setCondition(status.conditions, {
      type: ConditionType.READY,
      status: s,
      reason,
      message,
      lastTransitionTime: now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  };
  status.totalTasksCreated = (outcome.kind === 'spawned' ? outcome.totalTasksCreated : undefined) ?? (prev?.totalTasksCreated ?? 0) + (outcome.created ?? 0);

  switch (outcome.kind) {
    case 'suspended':
      status.phase = TaskSpawnerPhase.SUSPENDED;
      status.activeTasks = outcome.activeTasks;
      status.message = 'Suspended: no new Tasks are created; running ones continue';
      ready('False', Reason.SUSPENDED, status.message);
      return status;
    case 'failed':
      status.phase = TaskSpawnerPhase.FAILED;
      if (outcome.activeTasks !== undefined) status.activeTasks = outcome.activeTasks;
      status.message = `Discovery failed: ${outcome.error}`;
      ready('False', Reason.DISCOVERY_FAILED, status.message);
      return status;
    case 'spawned': {
      status.phase = TaskSpawnerPhase.RUNNING;
      status.totalDiscovered = outcome.discovered;
      status.activeTasks = outcome.activeTasks;
      if (outcome.discoveredAt) status.lastDiscoveryTime = outcome.discoveredAt;
      let message = `Discovered ${outcome.discovered} items, created ${outcome.created} Tasks (${status.totalTasksCreated} in total)`;
      if (outcome.waiting > 0 && outcome.blockedBy) {
        const why = outcome.blockedBy === 'maxTotalTasks' ? `maxTotalTasks (${outcome.limit}) reached` : `maxConcurrency (${outcome.limit})`;
        message += `; ${outcome.waiting} waiting for ${why}`;
      }
      const skipped = outcome.skipped ?? [];
      if (skipped.length > 0) {
        message += `; ${skipped.length} skipped: ${skipped
          .slice(0, 3)
          .map((s) => s.message)
          .join('; ')}`;
        const more = skipped.length > MAX_SKIPS_LISTED ? `; and ${skipped.length - MAX_SKIPS_LISTED} more` : '';
        const list = `${skipped
          .slice(0, MAX_SKIPS_LISTED)
          .map((s) => s.message)
          .join('; ')}${more}`;
        const reasons = [...new Set(skipped.map((s) => s.reason))];
        status.conditions = setCondition(status.conditions, {
          type: ConditionType.ITEMS_SKIPPED,
          status: 'True',
          reason: reasons.length === 1 ? reasons[0]! : Reason.SEVERAL,
          message: `${skipped.length} items skipped: ${list}`,
          lastTransitionTime: now,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        });
      } else if (status.conditions?.some((c) => c.type === ConditionType.ITEMS_SKIPPED)) {
        status.conditions = setCondition(status.conditions, {
          type: ConditionType.ITEMS_SKIPPED,
          status: 'False',
          reason: Reason.NONE_SKIPPED,
          message: 'The last cycle skipped no item',
          lastTransitionTime: now,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        });
      }
      if (outcome.failures.length > 0) {
        message += `; ${outcome.failures.length} failed: ${outcome.failures.slice(0, 3).join('; ')}`;
        status.message = message;
        ready('False', Reason.TASK_CREATE_FAILED, message);
      } else {
        status.message = message;
        ready('True', Reason.SPAWNING, message);
      }
      return status;
    }
  }
}
