import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../lib/api/constants.js';
import type { Task } from '../../lib/api/task.js';
import { setTaskFinalizer } from '../../lib/controller/finalizer.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { isInvalid } from '../../lib/kube/kube-error.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, getTask, taskObject, waitFor } from './_cluster.js';

// The controller acts on what its cache shows, which may be a moment behind:
// a finalizer change made from a stale copy must never bring a deleted Task
// back (a server-side apply would create it), nor touch a Task that replaced
// it under the same name.

let ns: TestNamespace;
let client: KubeClient;

beforeAll(async () => {
  client = await clusterClient();
  ns = await createNamespace('finalizer');
});

afterAll(async () => {
  await ns?.cleanup();
  client?.close();
});

const path = (name: string) => resourcePath(Resources.tasks, { namespace: ns.name, name });

describe('the kelos finalizer', () => {
  it('is added and removed, leaving the finalizers of others', async () => {
    const created = await client.create<Task>({
      ...taskObject(ns.name, 'shared'),
      metadata: { name: 'shared', namespace: ns.name, finalizers: ['example.com/hold'] },
    });
    await setTaskFinalizer(client, created, true);
    const added = (await getTask(client, ns.name, 'shared'))!;
    expect(added.metadata.finalizers).toEqual(['example.com/hold', FINALIZER]);
    await setTaskFinalizer(client, added, false);
    expect((await getTask(client, ns.name, 'shared'))!.metadata.finalizers).toEqual(['example.com/hold']);
    await client.jsonPatch(path('shared'), [{ op: 'remove', path: '/metadata/finalizers' }]);
  });

  it('removed twice from a stale copy of a deleted Task, does not bring the Task back', async () => {
    const created = await client.create<Task>(taskObject(ns.name, 'gone'));
    await setTaskFinalizer(client, created, true);
    await client.delete(path('gone'));
    const deleting = (await getTask(client, ns.name, 'gone'))!;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    await setTaskFinalizer(client, deleting, false);
    await waitFor('the Task to be gone', async () => !(await getTask(client, ns.name, 'gone')));
    // A second reconcile from the same stale copy.
    await setTaskFinalizer(client, deleting, false);
    await setTaskFinalizer(client, created, true);
    expect(await getTask(client, ns.name, 'gone')).toBeUndefined();
  });

  it('leaves alone a Task recreated under the same name', async () => {
    const first = await client.create<Task>(taskObject(ns.name, 'reborn'));
    await client.delete(path('reborn'));
    await waitFor('the first Task to be gone', async () => !(await getTask(client, ns.name, 'reborn')));
    await client.create<Task>(taskObject(ns.name, 'reborn'));
    const err = await setTaskFinalizer(client, first, true).catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((await getTask(client, ns.name, 'reborn'))!.metadata.finalizers).toBeUndefined();
  });
});
