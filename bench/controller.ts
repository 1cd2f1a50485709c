// npm run bench:controller — the controller on the test control plane (real
// kube-apiserver, controller-manager, kwok):
//
//   1. a bare client loop creating 500 Jobs equivalent to the controller's
//      (the same rendered spec), one request after the other, over a
//      keep-alive client, and again with @kubernetes/client-node's BatchV1Api;
//      and, for the controller's own overhead, 16 requests in flight;
//   2. `kelos controller` (compiled, as in the image) given 500 Tasks created
//      at once: time from the first Task POST until all 500 Jobs exist;
//   3. 1,500 more Tasks (2,000 in the cluster) run through; the controller's
//      peak RSS (VmHWM) over the whole run.
//
// Set KELOS_BENCH_KUBECONFIG to use a running cluster (npm run cluster:start).
// Last line: RESULT {json}.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as k8s from '@kubernetes/client-node';
import type { V1Job } from '@kubernetes/client-node';
import { customResourceDefinitions } from '../lib/api/crd.js';
import type { Task } from '../lib/api/task.js';
import { KubeClient } from '../lib/kube/kube-client.js';
import { resourcePath, Resources } from '../lib/kube/resource-path.js';
import { taskJob } from '../lib/render/job.js';
import { startControlPlane } from '../test/cluster/launcher.js';

const N = 500;
const TOTAL = 2000;
const root = process.cwd();
const log = (msg: string) => console.error(`[bench:controller] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stopCluster: (() => Promise<unknown>) | undefined;
let kubeconfig = process.env.KELOS_BENCH_KUBECONFIG;
if (!kubeconfig) {
  log('starting the test control plane');
  const cp = await startControlPlane({ log });
  kubeconfig = cp.kubeconfig;
  stopCluster = () => cp.stop({ failed: false });
}

const client = await KubeClient.fromKubeconfig(kubeconfig);
for (const crd of customResourceDefinitions()) await client.apply(crd);
await sleep(2000);

async function namespace(name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (;;) {
    if (await client.get(resourcePath(Resources.serviceAccounts, { namespace: name, name: 'default' }))) return;
    await sleep(100);
  }
}

function task(ns: string, i: number): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: `task-${String(i).padStart(4, '0')}`, namespace: ns, uid: 'uid' },
    spec: {
      type: 'claude-code',
      prompt: `Fix issue #${i}: the parser drops the last line of multi-line values`,
      credentials: { type: 'api-key', secretRef: { name: 'anthropic-api-key' } },
    },
  };
}

const run = Date.now().toString(36);

// --- 1. bare client loops -----------------------------------------------------
async function bareLoop(ns: string, create: (job: V1Job) => Promise<unknown>, inFlight = 1): Promise<number> {
  await namespace(ns);
  const jobs = Array.from({ length: N }, (_, i) => {
    const job = taskJob({ task: task(ns, i) });
    delete job.metadata!.ownerReferences;
    return job;
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < jobs.length) await create(jobs[next++]);
    }),
  );
  return performance.now() - t0;
}

log(`bare loop: ${N} Jobs, keep-alive client`);
const bareMs = await bareLoop(`bench-bare-${run}`, (job) => client.create(job));
log(`bare loop: ${N} Jobs, @kubernetes/client-node BatchV1Api`);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const bareClientNodeMs = await bareLoop(`bench-bare-cn-${run}`, (job) =>
  batch.createNamespacedJob({ namespace: job.metadata!.namespace!, body: job }),
);

log(`bare client, ${N} Jobs, 16 requests in flight`);
const bareConcurrentMs = await bareLoop(`bench-bare-16-${run}`, (job) => client.create(job), 16);

// --- 2. the controller ----------------------------------------------------------
log('compiling the CLI as the image does (tsc -p tsconfig.build.json)');
const buildDir = join(root, '.kelos-test', 'bench-build');
mkdirSync(buildDir, { recursive: true });
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', buildDir], { stdio: 'pipe' });
} catch {
  // Type errors elsewhere in the tree still emit JavaScript; a missing entry point fails below.
}

const ns = `bench-ctl-${run}`;
await namespace(ns);
await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'anthropic-api-key', namespace: ns }, stringData: { ANTHROPIC_API_KEY: 'k' } });

const entry = join(buildDir, 'cli', 'main.js');
const controller: ChildProcess = spawn(
  process.execPath,
  ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); process.exitCode = await m.main(process.argv.slice(1));`,
    'controller', '--kubeconfig', kubeconfig, '--namespace', ns, '--metrics-addr', '0', '--health-addr', '127.0.0.1:18481'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const hwm = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${controller.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
for (;;) {
  try {
    const res = await fetch('http://127.0.0.1:18481/readyz');
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  if (controller.exitCode !== null) throw new Error('the controller exited');
  await sleep(100);
}
log(`controller ready (pid ${controller.pid}); creating ${N} Tasks at once`);

/** Resolves when `want` Jobs exist in the namespace, watched from `rv`. */
async function jobsReach(want: number): Promise<void> {
  for (;;) {
    const list = await client.list(resourcePath(Resources.jobs, { namespace: ns }), { limit: 1 });
    const remaining = (list.metadata as { remainingItemCount?: number }).remainingItemCount ?? 0;
    if (list.items.length + remaining >= want) return;
    await sleep(50);
  }
}

async function createTasks(from: number, to: number, inFlight = 50): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < to) {
        const i = next++;
        const { uid: _, ...metadata } = task(ns, i).metadata;
        await client.create({ ...task(ns, i), metadata });
      }
    }),
  );
}

const t0 = performance.now();
const created = createTasks(0, N);
await created;
const tasksCreatedMs = performance.now() - t0;
await jobsReach(N);
const controllerMs = performance.now() - t0;
log(`${N} Jobs after ${controllerMs.toFixed(0)} ms (Tasks created in ${tasksCreatedMs.toFixed(0)} ms)`);

// --- 3. 2,000 Tasks --------------------------------------------------------------
log(`creating ${TOTAL - N} more Tasks`);
await createTasks(N, TOTAL);
await jobsReach(TOTAL);
const allJobsMs = performance.now() - t0;
// Let the Tasks run to the end through kwok, then read the high-water mark.
for (;;) {
  const list = await client.list<Task>(resourcePath(Resources.tasks, { namespace: ns }));
  const done = list.items.filter((t) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed').length;
  if (done >= TOTAL) break;
  await sleep(1000);
}
const finishedMs = performance.now() - t0;
const rss = readFileSync(`/proc/${controller.pid}/status`, 'utf8');
const rssNow = Number(/VmRSS:\s+(\d+) kB/.exec(rss)?.[1] ?? 0) * 1024;
const peak = hwm();
controller.kill('SIGTERM');
await new Promise((r) => controller.once('exit', r));

for (const n of [`bench-bare-${run}`, `bench-bare-cn-${run}`, `bench-bare-16-${run}`, ns]) await client.delete(resourcePath(Resources.namespaces, { name: n }));
client.close();
await stopCluster?.();

const fastestBare = Math.min(bareMs, bareClientNodeMs);
const result = {
  jobs: N,
  controllerMs: Math.round(controllerMs),
  tasksCreatedMs: Math.round(tasksCreatedMs),
  bareLoopMs: Math.round(bareMs),
  bareLoopClientNodeMs: Math.round(bareClientNodeMs),
  ratio: Number((controllerMs / fastestBare).toFixed(2)),
  ratioVsClientNode: Number((controllerMs / bareClientNodeMs).toFixed(2)),
  bareConcurrent16Ms: Math.round(bareConcurrentMs),
  ratioVsConcurrent16: Number((controllerMs / bareConcurrentMs).toFixed(2)),
  tasksTotal: TOTAL,
  allJobsMs: Math.round(allJobsMs),
  allTerminalMs: Math.round(finishedMs),
  peakRssMB: Number((peak / 2 ** 20).toFixed(1)),
  rssAtEndMB: Number((rssNow / 2 ** 20).toFixed(1)),
  node: process.version,
};
console.log(`controller: ${N} Jobs from ${N} Tasks in ${result.controllerMs} ms; bare loop ${result.bareLoopMs} ms (keep-alive), ${result.bareLoopClientNodeMs} ms (client-node)`);
console.log(`bare client with 16 requests in flight: ${result.bareConcurrent16Ms} ms`);
console.log(`ratio ${result.ratio} (vs the faster bare loop), ${result.ratioVsClientNode} (vs client-node), ${result.ratioVsConcurrent16} (vs 16 in flight); peak RSS ${result.peakRssMB} MB with ${TOTAL} Tasks`);
console.log(`RESULT ${JSON.stringify(result)}`);
