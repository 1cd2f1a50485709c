import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeconfigPath, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, logLines, spawnController, taskObject, waitFor, waitForPhase } from './_cluster.js';

// Two replicas of `kelos controller --leader-elect`: only the holder of the
// Lease reconciles; SIGKILL it and the other takes over once the lease runs out.

let ns: TestNamespace;
let client: KubeClient;
const replicas = new Map<string, { child: ChildProcess; log: string }>();

function start(name: string): void {
  const log = join(tmpdir(), `kelos-leader-${name}-${process.pid}-${Date.now()}.log`);
  const child = spawnController(
    [
      '--kubeconfig',
      kubeconfigPath(),
      '--namespace',
      ns.name,
      '--metrics-addr',
      '0',
      '--health-addr',
      '0',
      '--leader-elect',
      '--leader-election-namespace',
      ns.name,
      '--leader-election-lease-duration',
      '6',
      '--leader-election-renew-deadline',
      '4',
      '--leader-election-retry-period',
      '1',
    ],
    log,
  );
  replicas.set(name, { child, log });
}

// POD_NAME gives each replica a recognisable identity.
function startReplica(name: string): void {
  const saved = process.env.POD_NAME;
  process.env.POD_NAME = name;
  try {
    start(name);
  } finally {
    if (saved === undefined) delete process.env.POD_NAME;
    else process.env.POD_NAME = saved;
  }
}

const created = (name: string) =>
  logLines(replicas.get(name)!.log)
    .filter((l) => l.msg === 'Created Job')
    .map((l) => l.job as string);

async function holder(): Promise<string | undefined> {
  const lease = await client.get<{ spec: { holderIdentity?: string } }>(resourcePath(Resources.leases, { namespace: ns.name, name: 'kelos-controller' }));
  return lease?.spec.holderIdentity || undefined;
}

beforeAll(async () => {
  client = await clusterClient();
  ns = await createNamespace('ctl-leader');
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'anthropic-api-key', namespace: ns.name },
    stringData: { ANTHROPIC_API_KEY: 'k' },
  });
});

afterAll(async () => {
  for (const { child } of replicas.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ns?.cleanup();
});

describe('two controller replicas', () => {
  it('reconcile only on the leader, and hand over when it is killed', async () => {
    const n = ns.name;
    startReplica('replica-a');
    const first = await waitFor('a leader', holder, 60_000);
    expect(first).toMatch(/^replica-a_/);
    startReplica('replica-b');
    await waitFor('replica-b to sync its caches', async () => logLines(replicas.get('replica-b')!.log).some((l) => l.msg === 'Synced caches'), 60_000);

    const before = ['one', 'two', 'three'];
    for (const name of before) await client.create(taskObject(n, name));
    for (const name of before) expect((await waitForPhase(client, n, name, ['Succeeded', 'Failed'])).status?.phase).toBe('Succeeded');
    expect(created('replica-a').sort()).toEqual([...before].sort());
    expect(created('replica-b')).toEqual([]);
    expect(await holder()).toBe(first);

    const a = replicas.get('replica-a')!.child;
    const exited = new Promise((r) => a.once('exit', r));
    a.kill('SIGKILL');
    await exited;

    const after = ['four', 'five'];
    for (const name of after) await client.create(taskObject(n, name));
    for (const name of after) expect((await waitForPhase(client, n, name, ['Succeeded', 'Failed'], 90_000)).status?.phase).toBe('Succeeded');
    expect(await holder()).toMatch(/^replica-b_/);
    expect(created('replica-b').sort()).toEqual([...after].sort());
    expect(logLines(replicas.get('replica-b')!.log).some((l) => l.msg === 'Acquired leadership')).toBe(true);
  });

  it('hands over at once when the leader stops gracefully', async () => {
    startReplica('replica-c');
    await waitFor('replica-c to sync its caches', async () => logLines(replicas.get('replica-c')!.log).some((l) => l.msg === 'Synced caches'), 60_000);
    const b = replicas.get('replica-b')!.child;
    const exited = new Promise<number | null>((r) => b.once('exit', (code) => r(code)));
    b.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logLines(replicas.get('replica-b')!.log).some((l) => l.msg === 'Released leadership')).toBe(true);
    // Released: taken well within one lease duration (6 s) of the next retry.
    expect(await waitFor('replica-c to lead', async () => ((await holder())?.startsWith('replica-c_') ? true : undefined), 10_000)).toBe(true);
  });
});
