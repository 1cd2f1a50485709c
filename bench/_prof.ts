import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { Duration } from 'cdk8s';
import { Chart } from 'cdk8s';
import { Agent, AgentType, Credentials, KelosApp, Model, Spawner, When, Workspace } from '../constructs/index.js';
const n = Number(process.argv[2] ?? 5000);
const out = mkdtempSync('/tmp/synthprof/out-');
const t0 = performance.now();
const app = new KelosApp({ outdir: out });
const chart = new Chart(app, 'fleet', { namespace: 'fleet' });
const workspace = new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git', ref: 'main', secret: { name: 'gh' } });
const agent = new Agent(chart, 'agent', { agentsMd: '# Rules\n- be careful\n' });
const common = { type: AgentType.CLAUDE_CODE, credentials: Credentials.oauth({ name: 'creds' }), model: Model.OPUS, workspace, agents: [agent], ttlAfterFinished: Duration.hours(1),
  podOverrides: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } } } };
for (let i = 0; i < n; i++) new Spawner(chart, `spawner-${i}`, { ...common,
  when: i % 4 === 3 ? When.cron(`${i % 60} 9 * * *`) : When.githubIssues({ labels: [`area/${i}`], excludeLabels: ['blocked'], triggerComment: '/go' }),
  ...(i % 4 === 3 ? { branch: `sweep-${i}`, promptTemplate: `Scheduled sweep {{.Time}} of area ${i}.` } : { branch: `work-${i}-{{.Number}}`, promptTemplate: `Issue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{if .Comments}}{{.Comments}}{{end}}\nArea ${i}.` }), maxConcurrency: 3 });
const t1 = performance.now();
const files = app.render();
const t2 = performance.now();
app.synth();
const t3 = performance.now();
console.log(`construct ${(t1-t0).toFixed(0)} render ${(t2-t1).toFixed(0)} synth(render+write) ${(t3-t2).toFixed(0)} files ${files.length} hwm ${/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status','utf8'))?.[1]}`);
rmSync(out, { recursive: true, force: true });
