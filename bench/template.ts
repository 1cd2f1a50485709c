// npm run bench:template — the template engine under its budgets:
//
//   1. throughput: a list template rendered over 2,000 items (~150 KB of
//      output) against a baseline that builds the same string by plain
//      concatenation; and a typical prompt (title, 8 KB body, comments);
//   2. time to hit each budget with the defaults (for steps, output and depth
//      the time budget is raised so the budget measured is the one that trips);
//   3. what a render over budget does to the event loop: the longest gap of a
//      1 ms timer while the range bomb of issue 12 is rendered synchronously,
//      and while it is rendered in a worker thread; and the cost of a worker
//      round trip for a typical prompt.
//
// Last line: RESULT {json}.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DEFAULT_RENDER_LIMITS, type RenderOptions, renderTemplate, TemplateBudgetError } from '../lib/template/index.js';

const ROUNDS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of fn over ROUNDS runs after one warm-up. */
function time(fn: () => unknown): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  return median(runs);
}

// 1. Throughput
const items = Array.from({ length: 2000 }, (_, i) => ({
  Number: i,
  Title: `Login fails when the password contains "${'&<'.repeat(i % 3)}" (#${i})`,
  Labels: i % 2 ? 'bug, area/auth' : 'enhancement',
}));
const listTemplate = '{{range .Items}}- #{{.Number}} {{.Title}} ({{.Labels}})\n{{end}}';
const listOut = renderTemplate(listTemplate, { Items: items });
const concat = (): string => {
  let s = '';
  for (const it of items) s += '- #' + it.Number + ' ' + it.Title + ' (' + it.Labels + ')\n';
  return s;
};
if (concat() !== listOut) throw new Error('the baseline does not build the same output');
const outBytes = Buffer.byteLength(listOut);
const renderMs = time(() => renderTemplate(listTemplate, { Items: items }));
const concatMs =
  time(() => {
    for (let r = 0; r < 20; r++) concat();
  }) / 20;

const prompt = 'Issue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{if .Comments}}\nComments:\n{{.Comments}}{{end}}\n';
const promptData = { Number: 1234, Title: 'Fix the login bug', Body: 'Steps to reproduce:\n'.repeat(400), Comments: 'me too\n---\nsame here' };
const promptUs =
  (time(() => {
    for (let r = 0; r < 1000; r++) renderTemplate(prompt, promptData, 'prompt');
  }) /
    1000) *
  1000;

// 2. Time to each budget
const RAISED = { timeoutMs: 600_000 };
function toBudget(name: string, text: string, data: unknown, options: RenderOptions): { ms: number; budget: string } {
  const t = performance.now();
  try {
    renderTemplate(text, data, { name: 'prompt', ...options });
  } catch (err) {
    if (!(err instanceof TemplateBudgetError)) throw err;
    return { ms: Math.round(performance.now() - t), budget: err.budget };
  }
  throw new Error(`${name} rendered within its budgets`);
}
const bomb = '{{range 20000}}{{range 20000}}{{end}}{{end}}';
// Warm the executor so the first measurement is not compilation.
for (let i = 0; i < 3; i++) toBudget('warm-up', bomb, {}, RAISED);
const budgets = {
  maxSteps: toBudget('range bomb', bomb, {}, RAISED),
  maxStepsWithWidePrintf: toBudget('wide printf', '{{range 1000000}}{{$x := printf "%1000000d" 1}}{{end}}', {}, RAISED),
  maxOutputBytes: toBudget('output', `{{range 1000000000}}${'x'.repeat(100)}{{end}}`, {}, RAISED),
  maxDepthParse: toBudget('if x10000', '{{if 1}}'.repeat(10000) + '{{end}}'.repeat(10000), {}, RAISED),
  maxDepthExec: toBudget('recursion', '{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}', {}, RAISED),
  timeoutMs: toBudget('range bomb, unlimited steps', bomb, {}, { maxSteps: 2 ** 52 }),
};

// 3. Event-loop stall: sync render vs worker thread
async function longestTimerGap(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  last = performance.now();
  await work();
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  return Math.round(Math.max(gap, performance.now() - last));
}

const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
// The worker runs the TypeScript sources too, so it registers tsx as bin/kelos.mjs does.
import(workerData.tsx)
  .then(({ register }) => {
    register();
    return import(workerData.module);
  })
  .then(({ renderTemplate }) => {
  parentPort.on('message', ({ id, text, data, options }) => {
    try {
      parentPort.postMessage({ id, out: renderTemplate(text, data, options) });
    } catch (err) {
      parentPort.postMessage({ id, error: err.message });
    }
  });
  parentPort.postMessage({ ready: true });
});`;
const worker = new Worker(workerCode, {
  eval: true,
  workerData: {
    tsx: import.meta.resolve('tsx/esm/api'),
    module: new URL('../lib/template/index.ts', import.meta.url).href,
  },
});
await new Promise<void>((resolve, reject) => {
  worker.once('message', () => resolve());
  worker.once('error', reject);
});
let nextId = 0;
function renderInWorker(text: string, data: unknown, options: RenderOptions): Promise<{ out?: string; error?: string }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (m: { id: number; out?: string; error?: string }): void => {
      if (m.id !== id) return;
      worker.off('message', onMessage);
      resolve(m);
    };
    worker.on('message', onMessage);
    worker.postMessage({ id, text, data, options });
  });
}

const stallSyncMs = await longestTimerGap(async () => {
  try {
    renderTemplate(bomb, {}, 'prompt');
  } catch {
    // over budget, as expected
  }
});
const stallWorkerMs = await longestTimerGap(() => renderInWorker(bomb, {}, { name: 'prompt' }));
for (let i = 0; i < 200; i++) await renderInWorker(prompt, promptData, { name: 'prompt' });
const wt = performance.now();
for (let i = 0; i < 1000; i++) await renderInWorker(prompt, promptData, { name: 'prompt' });
const workerRoundTripUs = Math.round(performance.now() - wt);
await worker.terminate();

const result = {
  outputBytes: outBytes,
  renderMBps: Math.round(outBytes / 1e6 / (renderMs / 1000)),
  concatMBps: Math.round(outBytes / 1e6 / (concatMs / 1000)),
  renderVsConcat: Number((concatMs / renderMs).toFixed(3)),
  typicalPromptUs: Number(promptUs.toFixed(1)),
  limits: DEFAULT_RENDER_LIMITS,
  msToBudget: Object.fromEntries(Object.entries(budgets).map(([k, v]) => [k, v.ms])),
  budgetTripped: Object.fromEntries(Object.entries(budgets).map(([k, v]) => [k, v.budget])),
  stallSyncMs,
  stallWorkerMs,
  workerRoundTripUs,
  syncPromptUs: Number(promptUs.toFixed(1)),
};
console.log(
  `template: ${result.renderMBps} MB/s rendered vs ${result.concatMBps} MB/s concatenated (x${result.renderVsConcat}); a typical prompt in ${result.typicalPromptUs} µs`,
);
console.log(`time to budget (ms): ${JSON.stringify(result.msToBudget)}`);
console.log(
  `range bomb: longest event-loop gap ${stallSyncMs} ms rendered in-thread, ${stallWorkerMs} ms in a worker; a worker round trip for a typical prompt ${workerRoundTripUs} µs`,
);
console.log(`RESULT ${JSON.stringify(result)}`);
