import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeconfigPath, OUTCOME_LABEL, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, explainFailures, getJob, startController, taskObject, waitFor } from './_cluster.js';
import { type Write, WriteCounter } from './_write-counter.js';

// What the controller writes to the apiserver per Task, counted by a proxy in
// front of it: the Job alone before the Job exists; then the finalizer, the
// status on each transition and one Event when the Task finishes; nothing
// for a Task whose state did not change; the finalizer alone at deletion.

let ns: TestNamespace;
let client: KubeClient;
let counter: WriteCounter;
let controller: Controller | undefined;

const TASKS = 12;
const failing = (i: number) => i % 4 === 3;
const names = Array.from({ length: TASKS }, (_, i) => `w-${String(i).padStart(2, '0')}`);

async function idle(c: Controller): Promise<void> {
  await waitFor('the controller to be idle', async () => c.queueLength === 0 && c.reconciling === 0);
}

const kinds = (writes: Write[]) => writes.map((w) => w.kind).sort();

beforeAll(async () => {
  client = await clusterClient();
  ns = await createNamespace('ctl-writes');
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'anthropic-api-key', namespace: ns.name },
    stringData: { ANTHROPIC_API_KEY: 'k' },
  });
  counter = await WriteCounter.start(kubeconfigPath());
});

explainFailures(() => controller);

afterAll(async () => {
  await controller?.stop();
  await counter?.close();
  await ns?.cleanup();
});

describe('writes per Task', () => {
  it('1 before its Job exists (the Job) and at most 6 until it finished; none from a restart; 1 for its deletion', async () => {
    const n = ns.name;
    controller = await startController(n, { client: await counter.client() });
    await Promise.all(names.map((name, i) => client.create(taskObject(n, name, failing(i) ? { podOverrides: { labels: { [OUTCOME_LABEL]: 'fail' } } } : {}))));
    const finished = await waitFor(
      'every Task finished',
      async () => {
        const list = await client.list<Task>(resourcePath(Resources.tasks, { namespace: n }));
        const done = list.items.filter((t) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed');
        return done.length === TASKS ? done : undefined;
      },
      120_000,
    );
    expect(
      finished
        .filter((t) => t.status?.phase === 'Failed')
        .map((t) => t.metadata.name)
        .sort(),
    ).toEqual(names.filter((_, i) => failing(i)));
    await idle(controller);

    const byTask = counter.byTask();
    expect([...byTask.keys()].sort()).toEqual(names.map((name) => `${n}/${name}`));
    for (const [task, { all, beforeJob }] of byTask) {
      const k = kinds(all);
      expect({ task, beforeJob }).toEqual({ task, beforeJob: expect.any(Number) });
      expect({ task, beforeJob }).toEqual({ task, beforeJob: 1 });
      expect(k.filter((x) => x === 'job')).toEqual(['job']);
      expect(k.filter((x) => x === 'finalizer')).toEqual(['finalizer']);
      // A status write per transition, never the same one twice: JobCreated (unless the Pod runs by the time
      // the pass after the Job's creation looks), JobRunning, the outcome.
      const statuses = all.filter((w) => w.kind === 'status').map((w) => w.reason);
      expect({ task, statuses }).toEqual({ task, statuses: statuses.filter((r, i) => r !== statuses[i - 1]) });
      // A Pod that could not start for a while (a busy scheduler) is one more transition, with its Warning.
      const notStarting = statuses.filter((r) => r === 'JobNotStarting').length;
      expect({ task, statuses: statuses.filter((r) => r !== 'JobNotStarting') }).toEqual({
        task,
        statuses: [
          ...(statuses[0] === 'JobCreated' ? ['JobCreated'] : []),
          expect.stringMatching(/^Job(Running|Succeeded|Failed)$/),
          ...(statuses.includes('JobRunning') ? [expect.stringMatching(/^Job(Succeeded|Failed)$/)] : []),
        ],
      });
      // Events: the outcome, and a Warning per time its Pod could not start.
      expect({
        task,
        events: all
          .filter((w) => w.kind === 'event')
          .map((w) => w.reason)
          .sort(),
      }).toEqual({
        task,
        events: [expect.stringMatching(/^Job(Succeeded|Failed)$/), ...Array(notStarting).fill('JobNotStarting')].sort(),
      });
      expect({ task, total: all.length <= 6 + 2 * notStarting, k }).toEqual({ task, total: true, k });
    }
    const events = await client.list<{ reason: string; type: string; involvedObject: { kind: string; name: string } }>(
      resourcePath(Resources.events, { namespace: n }),
    );
    const outcomes = events.items
      .filter((e) => e.involvedObject.kind === 'Task' && e.reason !== 'JobNotStarting')
      .map((e) => `${e.involvedObject.name} ${e.type} ${e.reason}`);
    expect(outcomes.sort()).toEqual(names.map((name, i) => (failing(i) ? `${name} Warning JobFailed` : `${name} Normal JobSucceeded`)));

    // A new controller over finished Tasks has nothing to write.
    const before = counter.writes.length;
    await controller.stop();
    controller = await startController(n, { client: await counter.client() });
    await idle(controller);
    expect(counter.writes.slice(before)).toEqual([]);

    // Deleting a finished Task: the finalizer comes off; its finished Job is left to the garbage collector.
    const mark = counter.writes.length;
    await Promise.all(names.map((name) => client.delete(resourcePath(Resources.tasks, { namespace: n, name }))));
    await waitFor('the Tasks to be gone', async () => (await client.list(resourcePath(Resources.tasks, { namespace: n }))).items.length === 0);
    const deletion = counter.writes.slice(mark);
    expect(deletion.map((w) => `${w.task} ${w.kind}`).sort()).toEqual(names.map((name) => `${n}/${name} finalizer`));
    await waitFor('the Jobs to be collected', async () => {
      for (const name of names) if (await getJob(client, n, name)) return false;
      return true;
    });
  });
});
