import type { Task } from '../api/task.js';
import { isDeleting, isTerminal, time } from '../api/task-phase.js';
import { tryParseRepo } from '../github/repo-url.js';
import { dependencyState } from './dependencies.js';

/**
 * The lock a Task takes: one non-terminal Task at a time per (namespace,
 * repository, branch). The key is the namespace and branch; branchLockState
 * then keeps the peers that check out the same repository (sameCheckout).
 * Undefined when the Task names no branch.
 */
export function branchLockKey(task: Task): string | undefined {
  const branch = task.spec?.branch;
  if (!branch) return undefined;
  return `${task.metadata.namespace ?? ''}/${branch}`;
}

/**
 * Whether two Tasks work in the same repository: the same Workspace, or two
 * Workspaces of one repository (`repoOf`), so that a second Workspace object
 * for a repository cannot put two agents on one branch at once.
 */
export function sameCheckout(a: Task, b: Task, repoOf?: (workspace: string) => string | undefined): boolean {
  const wa = a.spec?.workspaceRef?.name;
  const wb = b.spec?.workspaceRef?.name;
  if (wa === wb) return true;
  if (!repoOf || !wa || !wb) return false;
  const ra = repoOf(wa);
  return ra !== undefined && ra === repoOf(wb);
}

/** A repository URL reduced to `host/owner/repo` (lowercase, no `.git`, no credentials), so that spellings of one repository compare equal. */
export function repoIdentity(url: string): string {
  const r = tryParseRepo(url);
  if (r) return `${r.host ?? 'github.com'}/${r.owner}/${r.repo}`.toLowerCase().replace(/\.git$/, '');
  return url
    .trim()
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
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

export type BranchLockState = { readonly free: true } | { readonly free: false; readonly holder: string; readonly how: 'running' | 'queued' };

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
  repoOf?: (workspace: string) => string | undefined,
): BranchLockState {
  const key = branchLockKey(task);
  if (!key) return { free: true };
  const peers: Task[] = [];
  for (const t of peersOf(key)) {
    if (t.metadata.name === task.metadata.name || isTerminal(t) || isDeleting(t) || !sameCheckout(task, t, repoOf)) continue;
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
