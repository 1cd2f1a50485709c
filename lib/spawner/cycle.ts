import { isTerminalPhase } from '../api/index.js';
import { taskName } from './task-name.js';
import type { WorkItem } from './work-item.js';

/** What the cycle needs to know of a Task this spawner owns. */
export interface ExistingTask {
  readonly name: string;
  readonly phase?: string;
  /** RFC 3339. */
  readonly completionTime?: string;
  /** The Task has a deletionTimestamp: its name is not free yet. */
  readonly deleting?: boolean;
}

export interface CycleInput {
  readonly spawner: string;
  /** Discovered items, in the source's order (the tie-break after priority). */
  readonly items: readonly WorkItem[];
  /** The Tasks labelled `kelos.dev/taskspawner=<spawner>`. */
  readonly tasks: readonly ExistingTask[];
  readonly maxConcurrency?: number | undefined;
  readonly maxTotalTasks?: number | undefined;
  readonly totalTasksCreated: number;
  readonly priorityLabels?: readonly string[] | undefined;
}

export interface PlannedCreate {
  readonly name: string;
  readonly item: WorkItem;
  /** A finished Task of this name is deleted first (a newer trigger arrived). */
  readonly replaces: boolean;
}

export interface CyclePlan {
  /** Finished Tasks to delete so that a fresh one can be spawned (re-trigger). */
  readonly deletes: readonly string[];
  /** Tasks to create, in order. */
  readonly creates: readonly PlannedCreate[];
  /** Non-terminal Tasks before this cycle's creates. */
  readonly activeTasks: number;
  /** Eligible items left waiting for a limit. */
  readonly waiting: number;
  readonly blockedBy?: 'maxConcurrency' | 'maxTotalTasks';
}

/** Priority rank of an item: index of its first-listed priority label; unmatched last. */
export function priorityRank(labels: readonly string[], priorityLabels: readonly string[]): number {
  let rank = priorityLabels.length;
  for (const l of labels) {
    const i = priorityLabels.indexOf(l);
    if (i >= 0 && i < rank) rank = i;
  }
  return rank;
}

/**
 * Decides one cycle from what was discovered and what exists: which items
 * become Tasks (new names, and finished Tasks whose item got a newer trigger),
 * in priority order, within `maxConcurrency` (non-terminal Tasks) and
 * `maxTotalTasks` (lifetime count). Pure: the shell does the I/O.
 */
export function planCycle(input: CycleInput): CyclePlan {
  const existing = new Map(input.tasks.map((t) => [t.name, t]));
  const activeTasks = input.tasks.filter((t) => !isTerminalPhase(t.phase)).length;

  const seen = new Set<string>();
  const candidates: PlannedCreate[] = [];
  for (const item of input.items) {
    const name = taskName(input.spawner, item.id);
    if (seen.has(name)) continue;
    seen.add(name);
    const task = existing.get(name);
    if (!task) {
      candidates.push({ name, item, replaces: false });
      continue;
    }
    if (task.deleting || !isTerminalPhase(task.phase) || !item.triggerTime || !task.completionTime) continue;
    const completed = Date.parse(task.completionTime);
    if (!Number.isNaN(completed) && item.triggerTime.getTime() > completed) {
      candidates.push({ name, item, replaces: true });
    }
  }

  const priority = input.priorityLabels ?? [];
  const ordered = priority.length
    ? candidates
        .map((c, i) => ({ c, i, rank: priorityRank(c.item.labels, priority) }))
        .sort((a, b) => a.rank - b.rank || a.i - b.i)
        .map((x) => x.c)
    : candidates;

  const maxConcurrency = input.maxConcurrency ?? 0;
  const maxTotal = input.maxTotalTasks ?? 0;
  const creates: PlannedCreate[] = [];
  let active = activeTasks;
  let blockedBy: CyclePlan['blockedBy'];
  for (const c of ordered) {
    if (maxConcurrency > 0 && active >= maxConcurrency) {
      blockedBy = 'maxConcurrency';
      break;
    }
    if (maxTotal > 0 && input.totalTasksCreated + creates.length >= maxTotal) {
      blockedBy = 'maxTotalTasks';
      break;
    }
    creates.push(c);
    active++;
  }
  return {
    deletes: creates.filter((c) => c.replaces).map((c) => c.name),
    creates,
    activeTasks,
    waiting: ordered.length - creates.length,
    ...(blockedBy ? { blockedBy } : {}),
  };
}

/** What one cycle of the runtime did: its plan carried out. */
export interface CycleReport {
  /** False when the source could not be read (the status says why). */
  readonly ok: boolean;
  readonly suspended: boolean;
  readonly discovered: number;
  readonly created: readonly string[];
  readonly deleted: readonly string[];
  readonly failures: readonly string[];
  readonly error?: string;
}
