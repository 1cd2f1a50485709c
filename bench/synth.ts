// npm run bench:synth — synthesises generated pipelines of 100 and 1,000
// spawners with the constructs, and in the same run the same objects as bare
// cdk8s ApiObjects (the baseline); prints wall time, objects/s and the ratio.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import { parse as parseYaml, stringify } from 'yaml';
import { Agent, AgentType, Credentials, KelosApp, Model, Spawner, When, Workspace } from '../constructs/index.js';

function kelosPipeline(spawners: number): KelosApp {
  const app = new KelosApp({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'fleet', { namespace: 'fleet' });
  const workspace = new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git', ref: 'main', secret: { name: 'gh' } });
  const agent = new Agent(chart, 'agent', { agentsMd: '# Rules\n- be careful\n' });
  const common = {
    type: AgentType.CLAUDE_CODE,
    credentials: Credentials.oauth({ name: 'creds' }),
    model: Model.OPUS,
    workspace,
    agents: [agent],
    ttlAfterFinished: Duration.hours(1),
    podOverrides: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } } },
  };
  for (let i = 0; i < spawners; i++) {
    new Spawner(chart, `spawner-${i}`, {
      ...common,
      when: i % 4 === 3 ? When.cron(`${i % 60} 9 * * *`) : When.githubIssues({ labels: [`area/${i}`], excludeLabels: ['blocked'], triggerComment: '/go' }),
      branch: `work-${i}-{{.Number}}`,
      promptTemplate: `Issue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{if .Comments}}{{.Comments}}{{end}}\nArea ${i}.`,
      maxConcurrency: 3,
    });
  }
  return app;
}

/** The same objects, declared as bare ApiObjects and serialised the same way. */
function baseline(objects: any[]): number {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'fleet', { namespace: 'fleet' });
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
  let bytes = 0;
  for (const o of chart.toJson()) bytes += stringify(o, { sortMapEntries: true, lineWidth: 0 }).length;
  return bytes;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
// Collect between measurements so one run's garbage is not billed to the next (node --expose-gc).
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const results: Record<string, unknown> = {};
// Warm-up of both paths: module loading, ajv compilation, JIT.
for (let i = 0; i < 3; i++) baseline(kelosPipeline(50).render().map((f) => parseYaml(f.content)));

for (const n of [100, 1000]) {
  const kelosMs: number[] = [];
  const baseMs: number[] = [];
  let objects = 0;
  const parsed = kelosPipeline(n).render().map((f) => parseYaml(f.content));
  for (let r = 0; r < runs; r++) {
    gc();
    const k = time(() => kelosPipeline(n).render());
    kelosMs.push(k.ms);
    objects = k.value.length;
    gc();
    baseMs.push(time(() => baseline(parsed)).ms);
  }
  const km = median(kelosMs);
  const bm = median(baseMs);
  results[`spawners_${n}`] = {
    objects,
    kelos_ms: Math.round(km),
    baseline_ms: Math.round(bm),
    ratio: Number((km / bm).toFixed(2)),
    kelos_objects_per_s: Math.round((objects / km) * 1000),
    baseline_objects_per_s: Math.round((objects / bm) * 1000),
  };
  console.log(
    `${String(n).padStart(5)} spawners: ${objects} objects  kelos ${km.toFixed(0)} ms (${Math.round((objects / km) * 1000)} obj/s)  ` +
      `bare cdk8s ${bm.toFixed(0)} ms (${Math.round((objects / bm) * 1000)} obj/s)  ratio ${(km / bm).toFixed(2)}`,
  );
}
const r100 = results.spawners_100 as { kelos_ms: number };
const r1000 = results.spawners_1000 as { kelos_ms: number };
results.growth_1000_over_100 = Number((r1000.kelos_ms / r100.kelos_ms).toFixed(2));
results.machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
console.log(`RESULT ${JSON.stringify(results)}`);
