import { Annotation, Label } from '../api/constants.js';
import type { Task } from '../api/task.js';
import { isDeleting, isTerminal } from '../api/task-phase.js';
import { compareCreation } from './branch-lock.js';
import { dependencyState } from './dependencies.js';

/**
 * The concurrency gate of a Task the webhook server made: every accepted
 * delivery becomes a Task at once (nothing is dropped), and at most the
 * spawner's maxConcurrency of them run; the others wait, first created first
 * served. The limit travels on the Task (annotation kelos.dev/max-concurrency,
 * the spawner's value when the delivery was accepted). Undefined for a Task
 * without the annotation.
 */
export function spawnerGate(task: Task): { readonly key: string; readonly spawner: string; readonly limit: number } | undefined {
  const raw = task.metadata.annotations?.[Annotation.MAX_CONCURRENCY];
  const spawner = task.metadata.labels?.[Label.TASK_SPAWNER];
  if (!raw || !spawner || !/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  return { key: `${task.metadata.namespace ?? ''}/${spawner}`, spawner, limit: Number(raw) };
}

export type SpawnerGateState = { readonly free: true } | { readonly free: false; readonly spawner: string; readonly limit: number };

/**
 * Whether `task` may start now: the Tasks of its gate that run (a Job) and
 * those created before it that are ready to start take the slots; it may
 * start while fewer than its limit do. Derived from the cluster, so it holds
 * across restarts. `peersOf(key)` gives the Tasks of a gate (the informer's
 * index); `tasks` those of the namespace by name, for the peers' dependencies.
 */
export function spawnerGateState(
  task: Task,
  peersOf: (key: string) => Iterable<Task>,
  tasks: ReadonlyMap<string, Task>,
  hasJob: (name: string) => boolean,
): SpawnerGateState {
  const gate = spawnerGate(task);
  if (!gate) return { free: true };
  let taken = 0;
  for (const p of peersOf(gate.key)) {
    if (p.metadata.name === task.metadata.name || isTerminal(p) || isDeleting(p)) continue;
    if (p.status?.jobName || hasJob(p.metadata.name!)) taken++;
    else if (compareCreation(p, task) < 0 && dependencyState(p, tasks).state === 'ready') taken++;
    if (taken >= gate.limit) return { free: false, spawner: gate.spawner, limit: gate.limit };
  }
  return { free: true };
}
