// npm run bench:controller — the controller on the test control plane (real
// kube-apiserver, controller-manager, scheduler; kwok runs the pods):
//
//   1. the floor: a bare client (one keep-alive connection pool, 16 requests
//      in flight) creating the 500 Jobs the controller would render;
//   2. `kelos controller` (compiled, as in the image) started over 500 Tasks
//      that exist: time from its caches holding them (/readyz) until all 500
//      Jobs exist, and its ratio to the floor (the headline). 1 and 2 take
//      turns, three times; medians;
//   3. 2,000 Tasks created while a controller runs, run to the end: its peak
//      RSS (VmHWM) over the whole run;
//   4. a controller behind a loopback proxy that files every write under its
//      Task, given 300 Tasks at once, then their deletion: writes per Task
//      before its Job exists, until it finished, and for its deletion.
//
// Goals (exit 1 when one is missed): ratio ≤ 1.5, at most 2 writes per Task
// before its Job exists and 6 until it finished, peak RSS ≤ 100 MB.
// Set KELOS_BENCH_KUBECONFIG to use a running cluster (npm run cluster:start),
// BENCH_CONTROLLER_NODE_FLAGS to try other node flags than the Deployment's.
// Last line: RESULT {json}.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { V1Job } from '@kubernetes/client-node';
import { customResourceDefinitions } from '../lib/api/crd.js';
import type { Task } from '../lib/api/task.js';
import { KubeClient } from '../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../lib/kube/resource-path.js';
import { CONTROLLER_NODE_FLAGS } from '../lib/render/controller-install.js';
import { taskJob } from '../lib/render/job.js';
import { startControlPlane } from '../test/cluster/launcher.js';
import { summarize, type TaskWrites, WriteCounter } from '../test/controller/_write-counter.js';

const N = 500;
const TOTAL = 2000;
const COUNTED = 300;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GOALS = { ratio: 1.5, writesBeforeJob: 2, writesUntilFinished: 6, peakRssMB: 100 };
const root = process.cwd();
const log = (msg: string) => console.error(`[bench:controller] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg()[0].toFixed(1);

let stopCluster: (() => Promise<unknown>) | undefined;
let kubeconfig = process.env.KELOS_BENCH_KUBECONFIG;
if (!kubeconfig) {
  log('starting the test control plane');
  const cp = await startControlPlane({ log });
  kubeconfig = cp.kubeconfig;
  stopCluster = () => cp.stop({ failed: false });
}
const loadAtStart = load();

const client = await KubeClient.fromKubeconfig(kubeconfig);
for (const crd of customResourceDefinitions()) await client.apply(crd);
await sleep(2000);

async function namespace(name: string): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (;;) {
    if (await client.get(resourcePath(Resources.serviceAccounts, { namespace: name, name: 'default' }))) break;
    await sleep(100);
  }
  await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'anthropic-api-key', namespace: name }, stringData: { ANTHROPIC_API_KEY: 'k' } });
}

function task(ns: string, i: number): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: `task-${String(i).padStart(4, '0')}`, namespace: ns },
    spec: {
      type: 'claude-code',
      prompt: `Fix issue #${i}: the parser drops the last line of multi-line values`,
      credentials: { type: 'api-key', secretRef: { name: 'anthropic-api-key' } },
    },
  };
}

/** Runs `work` over `items` with `inFlight` at a time. */
async function pool<T>(items: T[], inFlight: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Counts the Jobs of a namespace as a watch brings them; `reached(n)` resolves once n exist. */
function jobWatch(ns: string) {
  const abort = new AbortController();
  const seen = new Set<string>();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const path = resourcePath(Resources.jobs, { namespace: ns });
  const done = (async () => {
    let rv = (await client.list(path, { limit: 1 })).metadata.resourceVersion ?? '0';
    while (!abort.signal.aborted) {
      try {
        await client.watch<V1Job>(
          path,
          { resourceVersion: rv, timeoutSeconds: 300 },
          (e) => {
            rv = e.object.metadata?.resourceVersion ?? rv;
            if (e.type === 'ADDED') seen.add(e.object.metadata!.name!);
            for (const w of waiters.filter((w) => seen.size >= w.n)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve();
            }
          },
          abort.signal,
        );
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    }
  })();
  return {
    reached: (n: number) => (seen.size >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

async function allFinished(ns: string, want: number): Promise<void> {
  for (;;) {
    const list = await client.list<Task>(resourcePath(Resources.tasks, { namespace: ns }));
    const done = list.items.filter((t) => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed').length;
    if (done >= want) return;
    await sleep(1000);
  }
}

async function jobsComplete(ns: string, want: number): Promise<void> {
  for (;;) {
    const list = await client.list<V1Job>(resourcePath(Resources.jobs, { namespace: ns }));
    if (list.items.filter((j) => j.status?.succeeded || j.status?.failed).length >= want) return;
    await sleep(1000);
  }
}

const run = Date.now().toString(36);

// --- 1 and 2, three times, taking turns: the floor, then the controller ----------------
log('compiling the CLI as the image does (tsc -p tsconfig.build.json)');
const buildDir = join(root, '.kelos-test', 'bench-build');
mkdirSync(buildDir, { recursive: true });
try {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', buildDir], { stdio: 'pipe' });
} catch {
  // Type errors elsewhere in the tree still emit JavaScript; a missing entry point fails below.
}
const entry = join(buildDir, 'cli', 'main.js');

function startController(config: string, ns: string, healthPort: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      // The node flags of the controller's Deployment, so the memory measured is the memory deployed.
      ...(process.env.BENCH_CONTROLLER_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? CONTROLLER_NODE_FLAGS),
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(entry)}); process.exitCode = await m.main(process.argv.slice(1));`,
      'controller',
      '--kubeconfig',
      config,
      '--namespace',
      ns,
      '--metrics-addr',
      '0',
      '--health-addr',
      `127.0.0.1:${healthPort}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function ready(c: ChildProcess, healthPort: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (c.exitCode !== null) throw new Error('the controller exited');
    await sleep(20);
  }
}

async function stop(c: ChildProcess): Promise<void> {
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await exited;
}

const procStatus = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const createTasks = (ns: string, from: number, to: number) =>
  pool(
    Array.from({ length: to - from }, (_, i) => task(ns, from + i)),
    50,
    (t) => client.create(t),
  );
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Deleted at the end: the garbage collector's work would land on the next run.
const used: string[] = [];
const floorRuns: number[] = [];
const controllerRuns: number[] = [];
const startRuns: number[] = [];
let idleRssMB = 0;
for (let r = 0; r < RUNS; r++) {
  const floorNs = `bench-floor-${run}-${r}`;
  await namespace(floorNs);
  const jobs = Array.from({ length: N }, (_, i) => {
    const job = taskJob({ task: task(floorNs, i) });
    delete job.metadata!.ownerReferences;
    return job;
  });
  log(`run ${r + 1}/${RUNS}: the floor, a bare client creating ${N} Jobs, 16 requests in flight (load ${load()})`);
  const f0 = performance.now();
  await pool(jobs, 16, (job) => client.create(job));
  floorRuns.push(performance.now() - f0);
  log(`floor: ${floorRuns[r].toFixed(0)} ms; waiting for its Jobs to finish`);
  await jobsComplete(floorNs, N);

  // The Tasks exist first: the controller's work is from its caches holding them to their Jobs existing.
  const ns = `bench-ctl-${run}-${r}`;
  await namespace(ns);
  await createTasks(ns, 0, N);
  const watch = jobWatch(ns);
  const s0 = performance.now();
  const controller = startController(kubeconfig, ns, 18481);
  await ready(controller, 18481);
  const t0 = performance.now();
  startRuns.push(t0 - s0);
  idleRssMB = procStatus(controller.pid!, 'VmRSS');
  await watch.reached(N);
  controllerRuns.push(performance.now() - t0);
  await watch.stop();
  await stop(controller);
  log(
    `controller: ${N} Jobs ${controllerRuns[r].toFixed(0)} ms after it was ready (started in ${startRuns[r].toFixed(0)} ms): ${(controllerRuns[r] / floorRuns[r]).toFixed(2)}× the floor`,
  );
  await jobsComplete(ns, N);
  used.push(floorNs, ns);
}
const floorMs = median(floorRuns);
const controllerMs = median(controllerRuns);
const ratio = controllerMs / floorMs;

// --- 3. 2,000 Tasks ----------------------------------------------------------------
const ns = `bench-ctl-${run}`;
await namespace(ns);
const controller = startController(kubeconfig, ns, 18481);
await ready(controller, 18481);
log(`creating ${TOTAL} Tasks, 50 requests in flight, and running them to the end (load ${load()})`);
const a0 = performance.now();
const watch = jobWatch(ns);
await createTasks(ns, 0, TOTAL);
await watch.reached(TOTAL);
await watch.stop();
const allJobsMs = performance.now() - a0;
await allFinished(ns, TOTAL);
const allFinishedMs = performance.now() - a0;
const rssAtEndMB = procStatus(controller.pid!, 'VmRSS');
const peakRssMB = procStatus(controller.pid!, 'VmHWM');
await stop(controller);
log(`${TOTAL} Tasks finished after ${allFinishedMs.toFixed(0)} ms; peak RSS ${peakRssMB.toFixed(1)} MB`);

// --- 4. writes per Task --------------------------------------------------------------
const countedNs = `bench-writes-${run}`;
await namespace(countedNs);
const counter = await WriteCounter.start(kubeconfig);
const counted = startController(counter.writeKubeconfig(join(buildDir, 'proxy.kubeconfig')), countedNs, 18482);
await ready(counted, 18482);
log(`writes: ${COUNTED} Tasks through a counting proxy`);
await pool(
  Array.from({ length: COUNTED }, (_, i) => task(countedNs, i)),
  50,
  (t) => client.create(t),
);
await allFinished(countedNs, COUNTED);
const untilFinished = counter.byTask();
const mark = counter.writes.length;
log('writes: deleting the Tasks');
await pool(
  Array.from({ length: COUNTED }, (_, i) => task(countedNs, i)),
  50,
  (t) => client.delete(resourcePath(Resources.tasks, { namespace: countedNs, name: t.metadata.name! })),
);
for (;;) {
  if ((await client.list(resourcePath(Resources.tasks, { namespace: countedNs }), { limit: 1 })).items.length === 0) break;
  await sleep(500);
}
const deletion = new Map<string, TaskWrites>();
for (const w of counter.writes.slice(mark)) {
  if (!w.task) continue;
  const d = deletion.get(w.task) ?? { all: [] };
  d.all.push(w);
  deletion.set(w.task, d);
}
await stop(counted);
await counter.close();

for (const n of [...used, ns, countedNs]) await client.delete(resourcePath(Resources.namespaces, { name: n }));
client.close();
await stopCluster?.();

const life = summarize(untilFinished);
const del = summarize(deletion);
const result = {
  jobs: N,
  controllerMs: Math.round(controllerMs),
  floorMs: Math.round(floorMs),
  ratio: Number(ratio.toFixed(2)),
  runs: RUNS,
  controllerRunsMs: controllerRuns.map(Math.round),
  floorRunsMs: floorRuns.map(Math.round),
  startupMs: Math.round(median(startRuns)),
  writesBeforeJobMax: life.maxBeforeJob,
  writesUntilFinishedMax: life.maxTotal,
  writesUntilFinishedMean: Number(life.meanTotal.toFixed(2)),
  writesUntilFinishedByKind: life.kinds,
  writesForDeletionMax: del.maxTotal,
  writesForDeletionByKind: del.kinds,
  tasksTotal: TOTAL,
  allJobsMs: Math.round(allJobsMs),
  allFinishedMs: Math.round(allFinishedMs),
  idleRssMB: Number(idleRssMB.toFixed(1)),
  peakRssMB: Number(peakRssMB.toFixed(1)),
  rssAtEndMB: Number(rssAtEndMB.toFixed(1)),
  machine: `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'cpu'}`,
  loadavg: `${loadAtStart} → ${load()}`,
  node: process.version,
};
const missed = [
  result.ratio > GOALS.ratio && `ratio ${result.ratio} > ${GOALS.ratio}`,
  result.writesBeforeJobMax > GOALS.writesBeforeJob && `${result.writesBeforeJobMax} writes before a Job > ${GOALS.writesBeforeJob}`,
  result.writesUntilFinishedMax > GOALS.writesUntilFinished && `${result.writesUntilFinishedMax} writes until finished > ${GOALS.writesUntilFinished}`,
  result.peakRssMB > GOALS.peakRssMB && `peak RSS ${result.peakRssMB} MB > ${GOALS.peakRssMB} MB`,
].filter(Boolean);
console.log(
  `controller: ${N} Jobs from ${N} Tasks in ${result.controllerMs} ms after it was ready (started in ${result.startupMs} ms); floor (bare client, 16 in flight) ${result.floorMs} ms: ratio ${result.ratio} (goal ≤ ${GOALS.ratio}); medians of ${RUNS}`,
);
console.log(
  `writes per Task: at most ${result.writesBeforeJobMax} before its Job, ${result.writesUntilFinishedMax} until finished (mean ${result.writesUntilFinishedMean}), ${result.writesForDeletionMax} for its deletion; by kind ${JSON.stringify(life.kinds)}`,
);
console.log(
  `peak RSS ${result.peakRssMB} MB with ${TOTAL} Tasks (idle ${result.idleRssMB} MB, at the end ${result.rssAtEndMB} MB); ${result.machine}, load ${result.loadavg}`,
);
console.log(missed.length ? `goals missed: ${missed.join('; ')}` : 'all goals met');
console.log(`RESULT ${JSON.stringify(result)}`);
process.exitCode = missed.length ? 1 : 0;
