import { API_VERSION, FINALIZER, Kind } from '../api/constants.js';
import type { Task } from '../api/task.js';
import type { KubeClient } from '../kube/kube-client.js';
import { isNotFound } from '../kube/kube-error.js';
import { objectPath } from '../kube/resource-path.js';

/**
 * Adds or removes the kelos finalizer of `task` (as the cache shows it) with a
 * JSON Patch that first tests the Task's uid and the entries it changes.
 * Never a server-side apply: applying to a Task deleted a moment ago, which
 * the cache still shows, would create a new one. A Task gone (or never there)
 * is done; a Task replaced under the same name, or a finalizer list changed
 * meanwhile, fails the test (the caller retries on a fresher read). Returns
 * the Task as written, or undefined when nothing was (or could be) written.
 */
export async function setTaskFinalizer(client: KubeClient, task: Task, present: boolean): Promise<Task | undefined> {
  const finalizers = task.metadata.finalizers ?? [];
  const ops: Array<{ op: string; path: string; value?: unknown }> = [{ op: 'test', path: '/metadata/uid', value: task.metadata.uid }];
  if (present) {
    if (finalizers.includes(FINALIZER)) return undefined;
    ops.push(
      finalizers.length === 0
        ? { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }
        : { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
    );
  } else {
    // From the end, so the indexes of the entries still to remove hold.
    for (let i = finalizers.length - 1; i >= 0; i--) {
      if (finalizers[i] !== FINALIZER) continue;
      ops.push({ op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER }, { op: 'remove', path: `/metadata/finalizers/${i}` });
    }
    if (ops.length === 1) return undefined;
  }
  try {
    return await client.jsonPatch<Task>(objectPath({ apiVersion: API_VERSION, kind: Kind.TASK, metadata: task.metadata }), ops);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
