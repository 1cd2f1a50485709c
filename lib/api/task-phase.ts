import { TaskPhase } from './constants.js';
import type { Task } from './task.js';

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === TaskPhase.SUCCEEDED || phase === TaskPhase.FAILED;
}

export function isTerminal(task: Task): boolean {
  return isTerminalPhase(task.status?.phase);
}

export function isDeleting(obj: { metadata: { deletionTimestamp?: unknown } }): boolean {
  return !!obj.metadata.deletionTimestamp;
}

export function time(value: string | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Kubernetes timestamps are RFC 3339 in seconds. */
export function rfc3339(at: Date | number): string {
  return new Date(typeof at === 'number' ? at : at.getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
