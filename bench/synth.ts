// npm run bench:synth — `kelos synth` of generated pipelines of 1,000 and
// 5,000 spawners (each a TaskSpawner, a Deployment or CronJob, a
// ServiceAccount, Role and RoleBinding, sharing a Workspace and an Agent):
// construction, checks, validation of every kelos.dev object against the CRD
// schemas and CEL rules, YAML and the output folder (one file per object).
// The baseline, in the same run: the very same objects declared as bare
// cdk8s ApiObjects in one chart and written by cdk8s's own App.synth, one
// file per object (YamlOutputType.FILE_PER_RESOURCE: the same output as
// kelos); for scale, also cdk8s's default of one file for the chart. Each
// measurement is a fresh process (its peak RSS is the figure); the three
// take turns, 3 runs each (BENCH_RUNS), medians.
//
// Goals at 5,000 spawners (exit 1 when one is missed): time and peak RSS
// each within 1.2× the file-per-object baseline. Last line: RESULT {json}.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ApiObject, App, Chart, Duration, YamlOutputType } from 'cdk8s';
import { parse as parseYaml } from 'yaml';
import { Agent, AgentType, Credentials, KelosApp, Model, Spawner, When, Workspace } from '../constructs/index.js';

const SIZES = [1000, 5000];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GOALS = { timeRatio: 1.2, memoryRatio: 1.2, at: 5000 };
const MODES = ['kelos', 'bare-files', 'bare'] as const;
type Mode = (typeof MODES)[number];

function kelosPipeline(spawners: number, outdir: string): KelosApp {
  const app = new KelosApp({ outdir });
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
    maxConcurrency: 3,
  };
  for (let i = 0; i < spawners; i++) {
    if (i % 4 === 3) {
      new Spawner(chart, `spawner-${i}`, {
        ...common,
        when: When.cron(`${i % 60} 9 * * *`),
        branch: `sweep-${i}`,
        promptTemplate: `Scheduled sweep {{.Time}} of area ${i}.`,
      });
    } else {
      new Spawner(chart, `spawner-${i}`, {
        ...common,
        when: When.githubIssues({ labels: [`area/${i}`], excludeLabels: ['blocked'], triggerComment: '/go' }),
        branch: `work-${i}-{{.Number}}`,
        promptTemplate: `Issue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{if .Comments}}{{.Comments}}{{end}}\nArea ${i}.`,
      });
    }
  }
  return app;
}

const peakRssMB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** One measurement, in a process of its own: prints {ms, peakMB, files}. */
function child(mode: string, n: number, outdir: string, objectsFile?: string): void {
  if (mode === 'kelos') {
    const t = performance.now();
    const app = kelosPipeline(n, outdir);
    app.synth();
    const ms = performance.now() - t;
    console.log(JSON.stringify({ ms, peakMB: peakRssMB() }));
    return;
  }
  const objects = JSON.parse(readFileSync(objectsFile!, 'utf8')) as any[];
  const t = performance.now();
  const app = new App({ outdir, ...(mode === 'bare-files' ? { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE } : {}) });
  const chart = new Chart(app, 'fleet', { namespace: 'fleet' });
  for (let i = 0; i < objects.length; i++) new ApiObject(chart, `o${i}`, objects[i]);
  app.synth();
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, peakMB: peakRssMB() }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(args: string[]): { ms: number; peakMB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'kelos-bench-synth-'));
  const load = () => loadavg()[0].toFixed(1);
  const loadAtStart = load();
  const results: Record<string, unknown> = {};
  const missed: string[] = [];
  try {
    for (const n of SIZES) {
      // The baseline's input: what kelos renders, as plain objects.
      const app = kelosPipeline(n, join(work, 'unused'));
      const objects = app.render().map((f) => f.content);
      const plain = objects.map((c) => parseYaml(c));
      const objectsFile = join(work, `objects-${n}.json`);
      writeFileSync(objectsFile, JSON.stringify(plain));
      const runs: Record<Mode, Array<{ ms: number; peakMB: number }>> = { kelos: [], 'bare-files': [], bare: [] };
      for (let r = 0; r < RUNS; r++) {
        // Taking turns, so a busy spell of the machine is shared.
        const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
        for (const mode of order) {
          const outdir = join(work, `${mode}-${n}-${r}`);
          runs[mode].push(mode === 'kelos' ? measure(['kelos', String(n), outdir]) : measure([mode, String(n), outdir, objectsFile]));
          rmSync(outdir, { recursive: true, force: true });
        }
      }
      const m = (mode: Mode) => ({ ms: median(runs[mode].map((x) => x.ms)), peakMB: median(runs[mode].map((x) => x.peakMB)) });
      const k = m('kelos');
      const b = m('bare-files');
      const one = m('bare');
      const timeRatio = k.ms / b.ms;
      const memoryRatio = k.peakMB / b.peakMB;
      results[`spawners_${n}`] = {
        objects: plain.length,
        kelos_ms: Math.round(k.ms),
        kelos_peak_mb: Math.round(k.peakMB),
        baseline_ms: Math.round(b.ms),
        baseline_peak_mb: Math.round(b.peakMB),
        time_ratio: Number(timeRatio.toFixed(2)),
        memory_ratio: Number(memoryRatio.toFixed(2)),
        one_file_ms: Math.round(one.ms),
        one_file_peak_mb: Math.round(one.peakMB),
        runs_ms: Object.fromEntries(MODES.map((mode) => [mode, runs[mode].map((x) => Math.round(x.ms))])),
      };
      console.log(
        `${String(n).padStart(5)} spawners, ${plain.length} objects: kelos ${k.ms.toFixed(0)} ms, peak ${k.peakMB.toFixed(0)} MB; ` +
          `bare cdk8s, a file per object ${b.ms.toFixed(0)} ms, peak ${b.peakMB.toFixed(0)} MB: ratios ${timeRatio.toFixed(2)} (time), ${memoryRatio.toFixed(2)} (memory); ` +
          `bare cdk8s, one file ${one.ms.toFixed(0)} ms, peak ${one.peakMB.toFixed(0)} MB`,
      );
      if (n === GOALS.at) {
        if (timeRatio > GOALS.timeRatio) missed.push(`time ratio ${timeRatio.toFixed(2)} > ${GOALS.timeRatio} at ${n}`);
        if (memoryRatio > GOALS.memoryRatio) missed.push(`memory ratio ${memoryRatio.toFixed(2)} > ${GOALS.memoryRatio} at ${n}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  results.runs = RUNS;
  results.machine = `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'cpu'}`;
  results.loadavg = `${loadAtStart} → ${load()}`;
  results.node = process.version;
  console.log(missed.length ? `goals missed: ${missed.join('; ')}` : 'all goals met');
  console.log(`RESULT ${JSON.stringify(results)}`);
  process.exitCode = missed.length ? 1 : 0;
}

if (process.argv[2] === 'child') child(process.argv[3], Number(process.argv[4]), process.argv[5], process.argv[6]);
else main();
