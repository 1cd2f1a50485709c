import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeconfigPath, OUTCOME_LABEL, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, JobWitness, logLines, spawnController, taskObject, waitFor } from './_cluster.js';

// The controller process is SIGKILLed three times while 200 Tasks flow
// through it. Afterwards every Task must be terminal, and a watch started
// before the first Task must have seen exactly one Job per Task.

let ns: TestNamespace;
let client: KubeClient;
let child: ChildProcess | undefined;
const logFile = join(tmpdir(), `kelos-restart-${process.pid}-${Date.now()}.log`);

function start(): ChildProcess {
  return spawnController(['--kubeconfig', kubeconfigPath(), '--namespace', ns.name, '--metrics-addr', '0', '--health-addr', '0', '--workers', '16'], logFile);
}

async function kill(c: ChildProcess): Promise<void> {
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  client = await clusterClient();
  ns = await createNamespace('ctl-restart');
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'anthropic-api-key', namespace: ns.name },
    stringData: { ANTHROPIC_API_KEY: 'k' },
  });
  await client.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'ws', namespace: ns.name },
    spec: { repo: 'https://github.com/acme/app.git' },
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) await kill(child);
  await ns?.cleanup();
});

describe('a controller killed while Tasks flow', () => {
  it('leaves every Task terminal and never makes a second Job for a Task', async () => {
    const n = ns.name;
    const witness = new JobWitness(client, n);
    const total = 200;
    const tasks: Task[] = [];
    for (let i = 0; i < total; i++) {
      const name = `t-${String(i).padStart(3, '0')}`;
      const spec: Partial<Task['spec']> = {};
      if (i % 10 === 3) spec.podOverrides = { labels: { [OUTCOME_LABEL]: 'fail' } }; // some fail
      if (i % 25 === 0) Object.assign(spec, { workspaceRef: { name: 'ws' }, branch: 'shared' }); // a queue on one branch
      if (i % 20 === 7) spec.dependsOn = [`t-${String(i - 4).padStart(3, '0')}`]; // on a Task that fails by design
      tasks.push(taskObject(n, name, spec));
    }
    child = start();
    const create = (async () => {
      for (let i = 0; i < tasks.length; i += 20) await Promise.all(tasks.slice(i, i + 20).map((t) => client.create(t)));
    })();

    const jobCount = async () => (await client.list(resourcePath(Resources.jobs, { namespace: n }))).items.length;
    const synced = () => logLines(logFile).filter((l) => l.msg === 'Synced caches').length;
    for (const [i, threshold] of [25, 80, 140].entries()) {
      // Each controller gets to work before it is killed: a fast one may pass the next threshold by itself.
      await waitFor(`controller ${i + 1} to sync its caches`, async () => synced() >= i + 1, 120_000);
      await waitFor(`${threshold} Jobs`, async () => (await jobCount()) >= threshold, 120_000);
      await kill(child);
      child = start();
    }
    await waitFor('controller 4 to sync its caches', async () => synced() >= 4, 120_000);
    await create;

    const finished = await waitFor(
      'every Task terminal',
      async () => {
        const list = await client.list<Task>(resourcePath(Resources.tasks, { namespace: n }));
        return list.items.length === total && list.items.every((t) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed') ? list.items : undefined;
      },
      240_000,
    );
    await witness.stop();

    const failedByDesign = finished.filter((t) => Number(t.metadata.name!.slice(2)) % 10 === 3);
    expect(failedByDesign.every((t) => t.status?.phase === 'Failed')).toBe(true);
    const twice = [...witness.uids].filter(([, uids]) => uids.size > 1).map(([name]) => name);
    expect(twice).toEqual([]);
    const withJob = finished.filter((t) => t.status?.jobName).map((t) => t.metadata.name!);
    expect([...witness.uids.keys()].sort()).toEqual(withJob.sort());
    // The Tasks whose dependency failed never got a Job; all others did.
    const dependencyFailed = finished.filter((t) => t.status?.message?.startsWith('Dependency'));
    expect(dependencyFailed.map((t) => t.metadata.name!).sort()).toEqual(tasks.filter((_, i) => i % 20 === 7).map((t) => t.metadata.name!));
    expect(dependencyFailed.every((t) => t.status?.phase === 'Failed' && !t.status.jobName)).toBe(true);
    expect(withJob.length).toBe(total - dependencyFailed.length);
    // The branch lock held across the restarts: on the shared branch each Job started after the previous Task ended.
    const shared = finished
      .filter((t) => t.spec.branch === 'shared')
      .sort(
        (a, b) =>
          Date.parse(String(a.metadata.creationTimestamp)) - Date.parse(String(b.metadata.creationTimestamp)) || (a.metadata.name! < b.metadata.name! ? -1 : 1),
      );
    expect(shared.map((t) => t.status?.phase)).toEqual(shared.map(() => 'Succeeded'));
    const jobs = await client.list<V1Job>(resourcePath(Resources.jobs, { namespace: n }));
    const jobCreated = new Map(jobs.items.map((j) => [j.metadata!.name!, Date.parse(String(j.metadata!.creationTimestamp))]));
    for (let i = 1; i < shared.length; i++) {
      expect(jobCreated.get(shared[i].metadata.name!)!).toBeGreaterThanOrEqual(Date.parse(shared[i - 1].status!.completionTime!));
    }
    const starts = logLines(logFile).filter((l) => l.msg === 'Synced caches').length;
    expect(starts).toBe(4);
  }, 420_000);
});
