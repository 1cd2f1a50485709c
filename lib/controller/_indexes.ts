import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { Task } from '../api/task.js';
import { branchLockKey } from './branch-lock.js';
import { spawnerGate } from './spawner-gate.js';

// Secondary indexes of the controller's informers, so a reconcile or a
// fan-out reads the few objects it needs instead of scanning a namespace.

/** Tasks by their branch lock (branchLockKey). */
export const BY_BRANCH = 'branch';
/** Tasks by each Task they depend on, as `<namespace>/<name>`. */
export const BY_DEPENDENCY = 'dependency';
/** Tasks by their spawner's concurrency gate (spawnerGate). */
export const BY_SPAWNER_GATE = 'spawner-gate';
/** Pods by the uid of each owner (their Job). */
export const BY_OWNER = 'owner';
/** Events by the uid of the object they are about. */
export const BY_INVOLVED = 'involved';

export const taskIndexes = {
  [BY_BRANCH]: (t: Task): string[] => {
    const lock = branchLockKey(t);
    return lock ? [lock] : [];
  },
  [BY_DEPENDENCY]: (t: Task): string[] => (t.spec?.dependsOn ?? []).map((dep) => dependencyKey(t.metadata.namespace, dep)),
  [BY_SPAWNER_GATE]: (t: Task): string[] => {
    const gate = spawnerGate(t);
    return gate ? [gate.key] : [];
  },
};

export const podIndexes = {
  [BY_OWNER]: (p: V1Pod): string[] => (p.metadata?.ownerReferences ?? []).map((r) => r.uid),
};

export const eventIndexes = {
  [BY_INVOLVED]: (e: CoreV1Event): string[] => (e.involvedObject?.uid ? [e.involvedObject.uid] : []),
};

/** The BY_DEPENDENCY key under which the dependants of Task `name` are filed. */
export function dependencyKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
