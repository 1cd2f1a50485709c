import { TASK_NAME_MAX_LENGTH } from './task-name.js';

/**
 * The trigger ledger of one TaskSpawner: which triggers already produced a
 * Task, and how many Tasks it has created. It lives in the cluster (a
 * ConfigMap owned by the TaskSpawner, see ledger-store.ts) and is written
 * BEFORE a Task is created, so that neither a deleted Task, an expired TTL,
 * a restart nor a failed status write lets a trigger fire twice or a cap be
 * passed: whatever happens after the write, the ledger already counts it.
 *
 * One record per Task name (one name per work item): `upTo`, the time up to
 * which triggers of the item are spent. A new Task is allowed only for a
 * trigger newer than that (a fresh trigger comment); an item admitted without
 * a trigger time (a label, a Jira issue, a cron tick) gets one Task, ever.
 */
export interface LedgerRecord {
  /** The Task name (`<spawner>-<item id>`). */
  readonly name: string;
  /** Epoch ms: triggers at or before this time are spent. 0: every trigger of the item is spent. */
  readonly upTo: number;
  /** Reserved, its Task not yet seen in the cluster. */
  readonly pending: boolean;
}

export interface Ledger {
  /** Tasks created over the spawner's life (reservations, less those released). */
  readonly created: number;
  /** Oldest first: the order in which records are evicted. */
  readonly records: readonly LedgerRecord[];
}

export const EMPTY_LEDGER: Ledger = { created: 0, records: [] };

/**
 * Most records kept. A record takes 20–90 bytes as JSON (a Task name of up to
 * 63 characters), so 8,000 stay well under a ConfigMap's 1 MiB; a spawner
 * with 5,000 open items keeps a record for each.
 */
export const MAX_LEDGER_RECORDS = 8000;

/** The ConfigMap data as JSON: `{"v":1,"created":N,"records":[[name,upTo,pending],...]}`. */
export function encodeLedger(ledger: Ledger): string {
  return JSON.stringify({ v: 1, created: ledger.created, records: ledger.records.map((r) => [r.name, r.upTo, r.pending ? 1 : 0]) });
}

/** Reads what encodeLedger wrote; throws with what is wrong otherwise. */
export function decodeLedger(text: string): Ledger {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`trigger ledger is not JSON: ${(err as Error).message}`);
  }
  const o = raw as { v?: unknown; created?: unknown; records?: unknown };
  if (typeof o !== 'object' || o === null || o.v !== 1 || !Number.isSafeInteger(o.created) || (o.created as number) < 0 || !Array.isArray(o.records)) {
    throw new Error('trigger ledger: expected {"v":1,"created":<count>,"records":[...]}');
  }
  const records: LedgerRecord[] = [];
  for (const r of o.records as unknown[]) {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || r[0].length > TASK_NAME_MAX_LENGTH || !Number.isFinite(r[1]) || (r[2] !== 0 && r[2] !== 1)) {
      throw new Error(`trigger ledger: bad record ${JSON.stringify(r).slice(0, 100)}`);
    }
    records.push({ name: r[0], upTo: r[1] as number, pending: r[2] === 1 });
  }
  return { created: o.created as number, records };
}

/** A Task of this spawner as the ledger needs it. */
export interface LedgerTask {
  readonly name: string;
  /** Epoch ms. */
  readonly createdAt?: number;
  /** Epoch ms, when it finished. */
  readonly completedAt?: number;
}

export interface Reconciled {
  readonly ledger: Ledger;
  /** Reservations whose Task is not in the cluster: spent, at most one Task per trigger. */
  readonly unconfirmed: readonly string[];
  /** The ledger differs from the one read. */
  readonly changed: boolean;
}

/**
 * The ledger brought in line with the spawner's Tasks in the cluster: a
 * pending reservation whose Task exists is confirmed; one whose Task does not
 * is spent anyway (the spawner stopped between the write and the create, or
 * the Task is already gone: which one cannot be told, so the trigger gives
 * no second Task). A Task without a record (made before the ledger existed)
 * gets one up to its creation. A finished Task spends the triggers given
 * while it ran (up to its completion), as the spawner always did.
 */
export function reconcileLedger(ledger: Ledger, tasks: readonly LedgerTask[]): Reconciled {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const unconfirmed: string[] = [];
  let changed = false;
  const seen = new Set<string>();
  const records: LedgerRecord[] = [];
  for (const r of ledger.records) {
    seen.add(r.name);
    const task = byName.get(r.name);
    let next = r;
    if (r.pending) {
      if (!task) unconfirmed.push(r.name);
      next = { ...next, pending: false };
    }
    if (task?.completedAt !== undefined && task.completedAt > next.upTo) next = { ...next, upTo: task.completedAt };
    if (next !== r) changed = true;
    records.push(next);
  }
  for (const t of tasks) {
    if (seen.has(t.name)) continue;
    records.push({ name: t.name, upTo: Math.max(t.createdAt ?? 0, t.completedAt ?? 0), pending: false });
    changed = true;
  }
  return { ledger: { created: ledger.created, records }, unconfirmed, changed };
}

/** Up to when the triggers of each Task name are spent. */
export function spentUpTo(ledger: Ledger): Map<string, number> {
  return new Map(ledger.records.map((r) => [r.name, r.upTo]));
}

export interface Reservation {
  readonly name: string;
  /** The trigger's time (epoch ms), or 0 when the item has none. */
  readonly upTo: number;
}

/** The ledger with `reservations` pending (moved to the newest end) and counted. */
export function reserve(ledger: Ledger, reservations: readonly Reservation[]): Ledger {
  const names = new Set(reservations.map((r) => r.name));
  const kept = ledger.records.filter((r) => !names.has(r.name));
  return {
    created: ledger.created + reservations.length,
    records: [...kept, ...reservations.map((r) => ({ name: r.name, upTo: r.upTo, pending: true }))],
  };
}

/**
 * The ledger after the creates: `confirmed` Tasks exist; `released` were
 * certainly not created (the apiserver refused them and they are absent),
 * so their reservation is undone (back to `before`'s record, if any) and
 * uncounted.
 */
export function settle(ledger: Ledger, before: Ledger, confirmed: readonly string[], released: readonly string[]): Ledger {
  const ok = new Set(confirmed);
  const undo = new Set(released);
  const previous = new Map(before.records.map((r) => [r.name, r]));
  const records: LedgerRecord[] = [];
  for (const r of ledger.records) {
    if (undo.has(r.name)) {
      const prev = previous.get(r.name);
      if (prev) records.push(prev);
    } else records.push(ok.has(r.name) ? { ...r, pending: false } : r);
  }
  return { created: Math.max(0, ledger.created - undo.size), records };
}

/**
 * At most `max` records: the oldest are dropped first, except those in
 * `keep` (the items discovered now, the Tasks that exist), so a trigger is
 * forgotten only once its item has left the source for a long time. Returns
 * undefined when even then too many remain.
 */
export function boundLedger(ledger: Ledger, keep: ReadonlySet<string>, max = MAX_LEDGER_RECORDS): Ledger | undefined {
  let excess = ledger.records.length - max;
  if (excess <= 0) return ledger;
  const records = ledger.records.filter((r) => {
    if (excess > 0 && !r.pending && !keep.has(r.name)) {
      excess--;
      return false;
    }
    return true;
  });
  return excess > 0 ? undefined : { created: ledger.created, records };
}
