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
  /**
   * The trigger ledger: Task name → epoch ms up to which the item's triggers
   * are spent. An item with a record becomes a Task again only for a newer
   * trigger. @default - no record of any trigger
   */
  readonly spent?: ReadonlyMap<string, number>;
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
  /** Tasks to create, in order: the first `capacity` candidates. */
  readonly creates: readonly PlannedCreate[];
  /** Every eligible item, in priority order: the runtime takes the next one when a create is refused. */
  readonly candidates: readonly PlannedCreate[];
  /** How many Tasks may be created now (maxConcurrency and maxTotalTasks); Infinity when neither is set. */
  readonly capacity: number;
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
    const spent = input.spent?.get(name);
    if (spent !== undefined && !(item.triggerTime && item.triggerTime.getTime() > spent)) continue;
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
  const byConcurrency = maxConcurrency > 0 ? Math.max(0, maxConcurrency - activeTasks) : Infinity;
  const byTotal = maxTotal > 0 ? Math.max(0, maxTotal - input.totalTasksCreated) : Infinity;
  const capacity = Math.min(byConcurrency, byTotal);
  const creates = ordered.slice(0, capacity);
  let blockedBy: CyclePlan['blockedBy'];
  if (creates.length < ordered.length) blockedBy = byConcurrency <= byTotal ? 'maxConcurrency' : 'maxTotalTasks';
  return {
    deletes: creates.filter((c) => c.replaces).map((c) => c.name),
    creates,
    candidates: ordered,
    capacity,
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
  /** Items passed over for their data (an invalid branch, values too large, no authorised trigger). */
  readonly skipped?: readonly { readonly reason: string; readonly message: string }[];
  /** Triggers recorded by an earlier cycle whose Task never appeared: spent without a Task. */
  readonly unconfirmed?: readonly string[];
  readonly error?: string;
}
