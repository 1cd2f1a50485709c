import type { Task } from '../api/task.js';
import { dependencyState } from './dependencies.js';
import { isDeleting, isTerminal, time } from '../api/task-phase.js';

/**
 * The lock a Task takes: one non-terminal Task at a time per (namespace,
 * workspace, branch). Undefined when the Task names no branch.
 */
export function branchLockKey(task: Task): string | undefined {
  const branch = task.spec?.branch;
  if (!branch) return undefined;
  return `${task.metadata.namespace ?? ''}/${task.spec.workspaceRef?.name ?? ''}/${branch}`;
}

/** Creation order, then name: the order in which Tasks on one branch are served. */
export function compareCreation(a: Task, b: Task): number {
  const ta = time(a.metadata.creationTimestamp) ?? 0;
  const tb = time(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export type BranchLockState =
  | { readonly free: true }
  | { readonly free: false; readonly holder: string; readonly how: 'running' | 'queued' };

/**
 * Whether `task` may start now, derived from the Tasks in the cluster so that
 * it survives a restart: the lock is held by a non-terminal Task that has a
 * Job (`hasJob`, or a jobName in its status); otherwise it goes to the
 * earliest-created Task whose dependencies are met (a Task still waiting for
 * its dependencies queues nobody, so a dependant created before its
 * dependency cannot deadlock the branch). `peersOf(key)` gives the Tasks
 * with that branch lock key (the informer's index); `tasks` those of the
 * namespace by name, for the peers' dependencies.
 */
export function branchLockState(
  task: Task,
  peersOf: (lockKey: string) => Iterable<Task>,
  tasks: ReadonlyMap<string, Task>,
  hasJob: (name: string) => boolean,
): BranchLockState {
  const key = branchLockKey(task);
  if (!key) return { free: true };
  const peers: Task[] = [];
  for (const t of peersOf(key)) {
    if (t.metadata.name === task.metadata.name || isTerminal(t) || isDeleting(t)) continue;
    peers.push(t);
  }
  peers.sort(compareCreation);
  for (const p of peers) {
    if (p.status?.jobName || hasJob(p.metadata.name!)) return { free: false, holder: p.metadata.name!, how: 'running' };
  }
  for (const p of peers) {
    if (compareCreation(p, task) >= 0) break;
    if (dependencyState(p, tasks).state === 'ready') return { free: false, holder: p.metadata.name!, how: 'queued' };
  }
  return { free: true };
}
