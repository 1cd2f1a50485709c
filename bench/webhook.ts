// npm run bench:webhook — the webhook server on the test control plane (real
// kube-apiserver and etcd), two `kelos webhook-server` processes as in the
// Deployment, against a bare client in the same run:
//
//   1. latency: 200 signed generic deliveries one after the other, each timed
//      from the request to the answer (which comes once the Task exists), against
//      a bare keep-alive client POSTing the same Task objects one after the other;
//   2. throughput: a burst of 1,000 deliveries, 64 in flight over both
//      servers, until every Task exists, against the bare client creating
//      1,000 such Tasks with 64 requests in flight.
//
// Exits non-zero when the median delivery → Task latency is over 1 s, or a
// delivery of the burst is lost. Set KELOS_BENCH_KUBECONFIG to use a running
// cluster (npm run cluster:start). Last line: RESULT {json}.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { customResourceDefinitions } from '../lib/api/crd.js';
import type { Task, TaskSpawner } from '../lib/api/index.js';
import { KubeClient } from '../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../lib/kube/resource-path.js';
import { planDelivery } from '../lib/webhook/delivery.js';
import { startControlPlane } from '../test/cluster/launcher.js';

const log = (msg: string) => console.error(`[bench:webhook] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET = 'bench-webhook-secret';
const LATENCY_N = 200;
const BURST_N = 1000;
const IN_FLIGHT = 64;

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
for (let t = 0; ; t++) {
  const served = await client.list(resourcePath(Resources.taskSpawners)).then(
    () => true,
    () => false,
  );
  if (
    served &&
    (await client.list(resourcePath(Resources.tasks)).then(
      () => true,
      () => false,
    ))
  )
    break;
  if (t > 300) throw new Error('the kelos.dev CRDs were not served within 30 s');
  await sleep(100);
}

const ns = `bench-webhook-${Date.now().toString(36)}`;
await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
await client.create({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'sentry-webhook-secret', namespace: ns },
  stringData: { WEBHOOK_SECRET: SECRET },
} as never);
const spawner = await client.create<TaskSpawner>({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'TaskSpawner',
  metadata: { name: 'errors', namespace: ns },
  spec: {
    when: {
      webhook: {
        source: 'sentry',
        fieldMapping: { id: '$.data.event.event_id', title: '$.data.event.title', url: '$.data.url', level: '$.data.event.level' },
        filters: [{ field: '$.data.event.level', value: 'error' }],
      },
    },
    taskTemplate: {
      type: 'claude-code',
      credentials: { type: 'oauth', secretRef: { name: 'claude-credentials' } },
      workspaceRef: { name: 'app' },
      branch: 'sentry-{{.ID}}',
      promptTemplate: 'A new Sentry error was reported.\n\nTitle: {{.Title}}\nLevel: {{.level}}\nURL: {{.URL}}\n\nFind the cause and open a PR.\n',
      ttlSecondsAfterFinished: 3600,
    },
  },
} as TaskSpawner);

function delivery(id: string): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({
    action: 'created',
    data: {
      url: `https://sentry.io/organizations/acme/issues/${id}/`,
      event: { event_id: id, title: `TypeError in handler ${id}`, level: 'error', platform: 'node' },
    },
  });
  return { headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` }, body };
}

// The servers, as the Deployment runs them.
const servers: ChildProcess[] = [];
process.on('exit', () => {
  for (const s of servers) s.kill('SIGKILL');
});
const ports = [18491, 18492];
for (const [i, port] of ports.entries()) {
  const child = spawn(
    process.execPath,
    [
      join(process.cwd(), 'bin', 'kelos.mjs'),
      'webhook-server',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      ns,
      '--addr',
      `127.0.0.1:${port}`,
      '--metrics-addr',
      '0',
      '--health-addr',
      `127.0.0.1:${port + 100}`,
      '--generic',
      'sentry=sentry-webhook-secret',
    ],
    { env: { ...process.env, KELOS_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = createWriteStream(join(tmpdir(), `kelos-bench-webhook-${i}.log`));
  child.stdout!.pipe(out);
  servers.push(child);
  for (let t = 0; ; t++) {
    const ready = await fetch(`http://127.0.0.1:${port + 100}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (t > 600) throw new Error(`webhook server ${i} did not get ready`);
    await sleep(100);
  }
}
log('two webhook servers ready');

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
let resets = 0;
/** A delivery; a connection reset before any answer is sent again, as a sender would. */
async function post(port: number, d: { headers: Record<string, string>; body: string }): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(port, d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' || attempt > 3) throw err;
      resets++;
    }
  }
}
function postOnce(port: number, d: { headers: Record<string, string>; body: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/webhook/sentry', method: 'POST', headers: { ...d.headers, 'content-length': Buffer.byteLength(d.body) }, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(d.body);
  });
}

/** The Task the bare client creates for delivery `id`: the very object the server builds. */
function bareTask(id: string, prefix: string): Task {
  const d = delivery(id);
  const plan = planDelivery({
    route: { kind: 'generic', source: 'sentry' },
    headers: d.headers,
    body: Buffer.from(d.body),
    secret: SECRET,
    now: Date.now(),
    spawners: [spawner],
  });
  if (plan.kind !== 'accepted' || plan.creates.length !== 1) throw new Error('the bench delivery does not match its spawner');
  const t = plan.creates[0]!.task;
  return { ...t, metadata: { ...t.metadata, name: `${prefix}-${t.metadata.name}` } };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number) => Number(x.toFixed(1));

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

// Warm both paths (TLS, caches, JIT) before measuring.
for (let i = 0; i < 20; i++) {
  await post(ports[i % 2]!, delivery(`warm-${i}`));
  await client.create(bareTask(`warm-${i}`, 'bare'));
}

// 1. Latency, one at a time.
const serverMs: number[] = [];
const bareMs: number[] = [];
for (let i = 0; i < LATENCY_N; i++) {
  const d = delivery(`lat-${i}`);
  let t0 = performance.now();
  const status = await post(ports[i % 2]!, d);
  serverMs.push(performance.now() - t0);
  if (status !== 200) throw new Error(`delivery lat-${i} answered ${status}`);
  const task = bareTask(`lat-${i}`, 'bare');
  t0 = performance.now();
  await client.create(task);
  bareMs.push(performance.now() - t0);
}
const latency = {
  medianMs: round(pct(serverMs, 50)),
  p95Ms: round(pct(serverMs, 95)),
  bareMedianMs: round(pct(bareMs, 50)),
  bareP95Ms: round(pct(bareMs, 95)),
};
log(
  `latency: delivery → Task median ${latency.medianMs} ms, p95 ${latency.p95Ms} ms; bare create median ${latency.bareMedianMs} ms, p95 ${latency.bareP95Ms} ms`,
);

// 2. Throughput: a burst.
const ids = Array.from({ length: BURST_N }, (_, i) => `burst-${i}`);
const statuses: number[] = [];
let t0 = performance.now();
await pool(ids, IN_FLIGHT, async (id, i) => {
  statuses[i] = await post(ports[i % 2]!, delivery(id));
});
const burstMs = performance.now() - t0;
const bareTasks = ids.map((id) => bareTask(id, 'bare'));
t0 = performance.now();
await pool(bareTasks, IN_FLIGHT, async (t) => {
  await client.create(t);
});
const bareBurstMs = performance.now() - t0;
const tasks = (await client.list<Task>(resourcePath(Resources.tasks, { namespace: ns }), { labelSelector: 'kelos.dev/taskspawner=errors' })).items;
const burstTasks = tasks.filter((t) => t.spec.branch?.startsWith('sentry-burst-') && !t.metadata.name!.startsWith('bare-')).length;
const accepted = statuses.filter((s) => s === 200).length;

const result = {
  latencyMedianMs: latency.medianMs,
  latencyP95Ms: latency.p95Ms,
  bareCreateMedianMs: latency.bareMedianMs,
  bareCreateP95Ms: latency.bareP95Ms,
  latencyRatio: round(latency.medianMs / latency.bareMedianMs),
  burst: BURST_N,
  burstAccepted: accepted,
  burstTasks,
  burstMs: Math.round(burstMs),
  burstPerSecond: Math.round(BURST_N / (burstMs / 1000)),
  bareBurstMs: Math.round(bareBurstMs),
  bareBurstPerSecond: Math.round(BURST_N / (bareBurstMs / 1000)),
  throughputRatio: round(bareBurstMs ? burstMs / bareBurstMs : 0),
  inFlight: IN_FLIGHT,
  connectionResets: resets,
  cpus: cpus().length,
  node: process.version,
};

for (const s of servers) s.kill('SIGTERM');
agent.destroy();
client.close();
await stopCluster?.();

console.log(
  `delivery → Task: median ${result.latencyMedianMs} ms, p95 ${result.latencyP95Ms} ms; bare Task create: median ${result.bareCreateMedianMs} ms, p95 ${result.bareCreateP95Ms} ms (ratio ${result.latencyRatio})`,
);
console.log(
  `burst of ${BURST_N}: ${result.burstMs} ms (${result.burstPerSecond}/s), ${accepted} answered 200, ${burstTasks} Tasks; bare client ${result.bareBurstMs} ms (${result.bareBurstPerSecond}/s) (ratio ${result.throughputRatio})`,
);
console.log(`RESULT ${JSON.stringify(result)}`);
if (result.latencyMedianMs > 1000 || accepted !== BURST_N || burstTasks !== BURST_N) {
  console.error('bench:webhook: target missed (median delivery → Task ≤ 1 s, every delivery of the burst a Task)');
  process.exitCode = 1;
}
