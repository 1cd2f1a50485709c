// What the hostile-input suite asserts on a rendered Job, and the hostile
// values it feeds in.
import type { V1Container, V1Job } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { AgentPod } from '../../lib/render/job/agent-pod.js';

/** Issue titles an attacker would try: CLI options, shell, template syntax, control characters. */
export const HOSTILE_TITLES: readonly string[] = [
  '--settings={"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"id > /tmp/p"}]}]}}',
  '-p',
  '--dangerously-skip-permissions',
  '--model=evil --append-system-prompt=leak',
  '-c id',
  '--',
  '-',
  '$(id > /tmp/p)',
  '`id`; echo pwned',
  "'; id; echo '",
  '{{.Body}}',
  '{{range 20000}}{{range 20000}}{{end}}{{end}}',
  '{{define "x"}}{{template "x"}}{{end}}{{template "x"}}',
  '\n--settings=x\n',
  '\u202e--model=evil',
  `--output-format=json ${'A'.repeat(5000)}`,
];

/** Issue bodies that would be templates if anything parsed them again. */
export const HOSTILE_BODIES: readonly string[] = [
  '{{index .Deps "setup" "Results" "secret"}}',
  '{{range 20000}}{{range 20000}}{{end}}{{end}}',
  '{{.Deps}} {{printf "%v" .}} {{.Name}}',
];

function agentContainer(job: V1Job): V1Container {
  const c = job.spec!.template.spec!.containers.find((x) => x.name === AgentPod.AGENT_CONTAINER);
  if (!c) throw new Error(`Job ${job.metadata?.name} has no ${AgentPod.AGENT_CONTAINER} container`);
  return c;
}

/** Where the Job carries the prompt: the entrypoint's arguments, or an environment variable. */
export function jobPrompt(job: V1Job): string | undefined {
  const agent = agentContainer(job);
  const args = agent.args ?? [];
  const sep = args.indexOf('--');
  if (sep >= 0 && sep === args.length - 2) return args[sep + 1];
  const eq = args.find((a) => a.startsWith('--prompt='));
  if (eq !== undefined) return eq.slice('--prompt='.length);
  if (args.length === 1) return args[0];
  return agent.env?.find((e) => e.name === 'KELOS_PROMPT')?.value;
}

/**
 * The prompt reaches the agent only as data: never in a container's
 * command, never in an init container, and in the agent's arguments only
 * where the agent image interface reads data — the entrypoint's single
 * argument (`$1`), the argument after `--`, or `--prompt=<prompt>` — or in
 * an environment variable. Nothing else of the Job holds it.
 */
export function expectPromptAsData(job: V1Job, prompt: string): void {
  const spec = job.spec!.template.spec!;
  const agent = agentContainer(job);
  expect(jobPrompt(job)).toBe(prompt);
  const contains = (s: string | undefined) => s !== undefined && (prompt.length >= 3 ? s.includes(prompt) : s === prompt);
  expect((agent.command ?? []).filter(contains)).toEqual([]);
  const args = agent.args ?? [];
  args.forEach((a, i) => {
    if (!contains(a)) return;
    const asData = (a === prompt && (args.length === 1 || args[i - 1] === '--')) || a === `--prompt=${prompt}`;
    expect({ arg: i, asData }).toEqual({ arg: i, asData: true });
  });
  for (const c of spec.initContainers ?? []) {
    expect([...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e) => e.value ?? '')].filter(contains)).toEqual([]);
  }
}

/** The branch reaches git only through `KELOS_BRANCH`, never as script or argument text. */
export function expectBranchAsData(job: V1Job, branch: string): void {
  const spec = job.spec!.template.spec!;
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const values = all.flatMap((c) => (c.env ?? []).filter((e) => e.name === 'KELOS_BRANCH').map((e) => e.value));
  expect(values.length).toBeGreaterThan(0);
  expect(new Set(values)).toEqual(new Set([branch]));
  for (const c of all) expect([...(c.command ?? []), ...(c.args ?? [])].filter((s) => s.includes(branch))).toEqual([]);
}

/** Every `KELOS_BRANCH` of a Job. */
export function jobBranches(job: V1Job): string[] {
  const spec = job.spec!.template.spec!;
  return [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) => (c.env ?? []).filter((e) => e.name === 'KELOS_BRANCH').map((e) => e.value ?? ''));
}
