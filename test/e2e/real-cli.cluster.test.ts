// The real Claude Code CLI in the real claude-code agent image, on the real
// node (containerd, runc, kubelet; test/cluster/node/), against the scripted
// Anthropic Messages emulator on the pod network's gateway. The scripted model
// makes the CLI run a shell command, edit a file, commit and push on the
// Task's branch to the git server there; the Task's results must hold the
// branch, the commit and the tokens and cost the emulator's usage implies.
// The CLI is pointed at the emulator only through podOverrides.env.
//
// Beside it, each with an emulator of its own: a model API that answers 529
// overloaded twice and then serves the script (the Task Succeeds), one that
// stays overloaded (the Task Fails, its message saying so), one that hangs past
// podOverrides.activeDeadlineSeconds (DeadlineExceeded), and an AgentConfig
// whose AGENTS.md, plugin skill and HTTP MCP server (on the gateway) the CLI
// is seen to use.
//
// Skipped, with the reason, where the machine cannot run a real node (not
// root, packages or images missing); KELOS_TEST_REQUIRE_REAL_NODE=1 (CI) turns
// that into a failure.
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentImage } from '../../scripts/images.js';
import type { ControlPlane } from '../cluster/launcher.js';
import { REAL_NODE_NAME } from '../cluster/node/real-node.js';
import type { ScriptTurn } from '../emulators/_model-script.js';
import { AnthropicEmulator, OVERLOADED } from '../emulators/anthropic.js';
import { type GitServer, startGitServer } from '../emulators/git-http.js';
import { McpServer } from '../emulators/mcp.js';
import { GROUP, type RealNodeCluster, skipRealNode, startRealNodeCluster, VERSION, waitFor } from './_real-node.js';

const AGENT_IMAGE = agentImage('claude-code');
const skip = skipRealNode(AGENT_IMAGE, 'real cli', 'the real Claude Code test on the real node');

const ns = 'team';
const API_KEY = `sk-ant-test-${randomBytes(8).toString('hex')}`;
const token = `ghp_${randomBytes(12).toString('hex')}`;
const BRANCH = 'agent/readme';
// Pinned so that the cost follows from the usage: Claude Code's list price for
// claude-sonnet-4-5 is $3 per million input tokens and $15 per million output.
const MODEL = 'claude-sonnet-4-5';
const PRICE = { input: 3e-6, output: 15e-6 };
const COMMAND = 'git rev-parse --abbrev-ref HEAD > command-ran.txt';
const README = '/workspace/repo/README.md';
const EDIT = { before: '# app', after: '# app, edited by the scripted model' };
const PUSH = `git add -A && git -c user.name="kelos test agent" -c user.email=agent@kelos.test commit -q -m "Edit the README" && git push -q origin HEAD`;
// Distinct usage per turn, so that a sum shows which turns it holds.
const TURNS = [
  {
    text: 'Looking at the branch first.',
    calls: [{ name: 'Bash', input: { command: COMMAND, description: 'Print the branch' } }],
    usage: { input: 1000, output: 100 },
  },
  // Claude Code edits only a file it has read in the session.
  { calls: [{ name: 'Read', input: { file_path: README } }], usage: { input: 2000, output: 200 } },
  { calls: [{ name: 'Edit', input: { file_path: README, old_string: EDIT.before, new_string: EDIT.after } }], usage: { input: 3000, output: 300 } },
  { calls: [{ name: 'Bash', input: { command: PUSH, description: 'Commit and push' } }], usage: { input: 4000, output: 400 } },
  { text: 'The README is edited and pushed.', usage: { input: 5000, output: 500 } },
];

const DEADLINE_SECONDS = 30;
const AGENTS_MD_MARKER = 'kelos-agents-md-marker-7f3a';
const SKILL_BODY = 'Start every release note with kelos-skill-body-5c1e.';
const MCP_ANSWER = 'kelos-mcp-answer-91d2: the release is 1.2.3';

/** The CLI pointed at `model`, with its own switches for traffic besides the model API off (the pod reaches nothing else anyway). */
const cliEnv = (model: AnthropicEmulator) => [
  { name: 'ANTHROPIC_BASE_URL', value: model.url },
  { name: 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', value: '1' },
  { name: 'DISABLE_AUTOUPDATER', value: '1' },
  { name: 'DISABLE_TELEMETRY', value: '1' },
  { name: 'DISABLE_ERROR_REPORTING', value: '1' },
];

let c: RealNodeCluster;
let cp: ControlPlane;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let git: GitServer;
let api: AnthropicEmulator;
let failed = false;
const closers: Array<() => Promise<void>> = [];

const kelosObject = (kind: string, name: string, spec: object) => ({ apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace: ns }, spec });

describe.skipIf(skip)(`the real Claude Code CLI on the real node ${REAL_NODE_NAME}`, { timeout: 420_000 }, () => {
  let dropsBefore = 0;
  beforeAll(async () => {
    c = await startRealNodeCluster('real cli');
    ({ cp, core, custom } = c);
    const gateway = cp.realNode!.gateway;

    // The controller as kelos synth renders it, from its image on the node.
    for (const n of ['kelos-system', ns]) await c.createNamespace(n);
    await c.installController([ns], [ns]);

    dropsBefore = await c.droppedPackets();
    git = await startGitServer({ host: gateway, token });
    api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: TURNS, listen: { host: gateway } });

    const secret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    await secret('anthropic', { ANTHROPIC_API_KEY: API_KEY });
    await secret('github-token', { GITHUB_TOKEN: token });
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'workspaces',
      body: kelosObject('Workspace', 'app', {
        repo: git.createRepo('acme/app', { 'README.md': `${EDIT.before}\n`, 'src/index.js': 'console.log("app");\n' }),
        ref: 'main',
        secretRef: { name: 'github-token' },
      }),
    });
  }, 900_000);

  afterAll(async () => {
    await api?.close();
    for (const close of closers) await close();
    await git?.close();
    const r = await cp?.stop({ failed });
    if (r?.keptRunDir) console.error(`[real cli] logs kept in ${r.keptRunDir}/logs`);
  }, 120_000);

  it('runs a shell command, edits a file, commits and pushes the branch, and reports its tokens and cost', async ({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
    const created = Date.now();
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'tasks',
      body: kelosObject('Task', 'readme', {
        type: 'claude-code',
        prompt: 'Edit the README, then commit and push.',
        credentials: { type: 'api-key', secretRef: { name: 'anthropic' } },
        image: AGENT_IMAGE,
        model: MODEL,
        workspaceRef: { name: 'app' },
        branch: BRANCH,
        podOverrides: {
          env: cliEnv(api),
        },
      }),
    });
    const task = await c.finishedTask(ns, 'readme');
    const done = Date.now();
    const pod = await c.agentPod(ns, 'readme');
    const log = await c.agentLog(ns, 'readme');
    if (task.status?.phase !== 'Succeeded') console.error(`[real cli] the agent's log:\n${log}`);
    expect(task.status?.phase, task.status?.message).toBe('Succeeded');

    const agent = pod?.status?.containerStatuses?.find((c) => c.name === 'kelos-agent');
    expect(pod?.spec?.nodeName).toBe(REAL_NODE_NAME);
    expect(pod?.spec?.containers.find((c) => c.name === 'kelos-agent')?.image).toBe(AGENT_IMAGE);
    expect(agent?.state?.terminated?.exitCode).toBe(0);

    // The model API saw every scripted turn, and every tool call worked.
    expect(api.remaining).toBe(0);
    expect(api.toolExchanges().map((c) => [c.name, c.isError])).toEqual([
      ['Bash', false],
      ['Read', false],
      ['Edit', false],
      ['Bash', false],
    ]);
    // Every request was the agent's own, for the pinned model: the usage below is all there was.
    expect(api.requests.map((r) => [r.path, (r.body as { model?: string }).model, r.answer])).toEqual(TURNS.map((_, i) => ['/v1/messages', MODEL, i]));

    // The branch with the commit is on the git server, holding the command's mark and the edit.
    const head = git.revParse('acme/app', BRANCH);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(head).not.toBe(git.revParse('acme/app', 'main'));
    expect(git.show('acme/app', BRANCH, 'command-ran.txt')).toBe(BRANCH);
    expect(git.show('acme/app', BRANCH, 'README.md')).toBe(EDIT.after);
    expect(git.requests.some((r) => r.path === '/acme/app.git/git-receive-pack' && r.auth === 'ok')).toBe(true);

    const input = TURNS.reduce((s, t) => s + t.usage.input, 0);
    const output = TURNS.reduce((s, t) => s + t.usage.output, 0);
    const results = task.status?.results ?? {};
    expect(results).toMatchObject({ branch: BRANCH, commit: head, 'base-branch': 'main', 'input-tokens': String(input), 'output-tokens': String(output) });
    expect(Number(results['cost-usd'])).toBeCloseTo(input * PRICE.input + output * PRICE.output, 12);
    // ... and as the CLI reported them in its final result event.
    const result = log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type?: string; total_cost_usd?: number; usage?: { input_tokens?: number; output_tokens?: number } })
      .findLast((e) => e.type === 'result');
    expect([results['cost-usd'], results['input-tokens'], results['output-tokens']]).toEqual([
      String(result?.total_cost_usd),
      String(result?.usage?.input_tokens),
      String(result?.usage?.output_tokens),
    ]);

    const started = agent?.state?.terminated?.startedAt;
    const startMs = started ? new Date(started).getTime() - new Date(task.metadata.creationTimestamp!).getTime() : undefined;
    const inits = pod?.status?.initContainerStatuses?.map((c) => c.name).join(', ');
    console.error(`[real cli] Task creation to agent container start: ${startMs} ms (after ${inits}); to Succeeded seen: ${done - created} ms`);
  });
  // The failure paths and the AgentConfig below run their Tasks side by side, each against its own emulator.

  it.concurrent('retries a model API that answers 529 overloaded twice: the Task Succeeds with the answered turns counted once', async ({
    expect,
    onTestFailed,
  }) => {
    onTestFailed(() => {
      failed = true;
    });
    const model = await startModel([
      { calls: [{ name: 'Bash', input: { command: COMMAND, description: 'Print the branch' } }], usage: { input: 1000, output: 100 } },
      { text: 'The branch is recorded.', usage: { input: 2000, output: 200 } },
    ]);
    model.failNext(2);
    await createTask('overloaded-once', 'Record the branch.', model);
    const task = await finished('overloaded-once');
    if (task.status?.phase !== 'Succeeded') console.error(`[real cli] the agent's log:\n${await agentLog('overloaded-once')}`);

    expect(task.status?.phase, task.status?.message).toBe('Succeeded');
    expect(model.pendingFaults).toBe(0);
    expect(model.agentRequests().map((r) => r.answer)).toEqual(['fault', 'fault', 0, 1]);
    expect(task.status?.results).toMatchObject({ 'input-tokens': '3000', 'output-tokens': '300' });
  });

  it.concurrent('fails a Task whose model API stays overloaded past the CLI’s retries, its message saying the model API was overloaded', async ({
    expect,
    onTestFailed,
  }) => {
    onTestFailed(() => {
      failed = true;
    });
    const model = await startModel([{ text: 'Never reached.' }]);
    model.failNext(100);
    await createTask('overloaded', 'Edit the README.', model, { env: [{ name: 'CLAUDE_CODE_MAX_RETRIES', value: '1' }] });
    const task = await finished('overloaded');

    expect(task.status?.phase, task.status?.message).toBe('Failed');
    expect(task.status?.message).toMatch(
      /^Job failed: BackoffLimitExceeded: .*; the agent container said: the claude-code run did not complete normally \(subtype success, is_error true\): the model API was overloaded \(HTTP 529 overloaded_error\)/,
    );
    // Each of the Job's two Pods tried once and retried once; nothing was answered.
    expect(model.requests.map((r) => r.answer)).toEqual(['fault', 'fault', 'fault', 'fault']);
    expect(model.remaining).toBe(1);
    const log = await agentLog('overloaded');
    expect(log).toContain(
      'kelos capture: the claude-code run did not complete normally (subtype success, is_error true): the model API was overloaded (HTTP 529 overloaded_error)',
    );
    expect(log).toContain('the CLI gave up after its retries');
  });

  it.concurrent('fails a Task whose CLI is still waiting on the model at podOverrides.activeDeadlineSeconds, and its Pod is stopped', async ({
    expect,
    onTestFailed,
  }) => {
    onTestFailed(() => {
      failed = true;
    });
    const model = await startModel([{ text: 'Never reached.' }]);
    // The first model request hangs for ten minutes, past the deadline (Claude Code's own API timeout is as long).
    model.failNext(1, { ...OVERLOADED, delayMs: 600_000 });
    await createTask('deadline', 'Wait.', model, { activeDeadlineSeconds: DEADLINE_SECONDS });
    const task = await finished('deadline');

    expect(task.status?.phase, task.status?.message).toBe('Failed');
    expect(task.status?.message).toBe('Job failed: DeadlineExceeded: Job was active longer than specified deadline');
    // The CLI was waiting on its first model request when the deadline came.
    expect(model.requests.map((r) => r.answer)).toEqual(['fault']);
    expect(model.remaining).toBe(1);
    // The Job stops its Pod: gone, or ended and not running any more.
    await waitFor('the deadline Task’s Pod to be stopped', async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'kelos.dev/task=deadline' })).items;
      return pods.every((p) => p.metadata?.deletionTimestamp || p.status?.phase === 'Failed');
    });
  });

  it.concurrent('gives the real CLI the AgentConfig: its AGENTS.md, its plugin skill through the Skill tool and its MCP server’s tool', async ({
    expect,
    onTestFailed,
  }) => {
    onTestFailed(() => {
      failed = true;
    });
    const mcp = await McpServer.start({
      tools: [{ name: 'lookup', description: 'Looks a term up in the team docs.', answer: MCP_ANSWER }],
      listen: { host: cp.realNode!.gateway },
    });
    closers.push(() => mcp.close());
    const model = await startModel([
      { calls: [{ name: 'Skill', input: { skill: 'kelos-test:release-notes' } }] },
      { calls: [{ name: 'mcp__docs__lookup', input: { query: 'release' } }] },
      { text: 'The release notes are written.' },
    ]);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'agentconfigs',
      body: kelosObject('AgentConfig', 'team-docs', {
        agentsMD: `# Team rules\n\nSign every release note with ${AGENTS_MD_MARKER}.\n`,
        plugins: [
          {
            name: 'kelos-test',
            skills: [{ name: 'release-notes', content: `---\nname: release-notes\ndescription: How this team writes release notes.\n---\n\n${SKILL_BODY}\n` }],
          },
        ],
        mcpServers: [{ name: 'docs', type: 'http', url: mcp.url }],
      }),
    });
    // MCP tools offered to the model directly, not deferred behind ToolSearch.
    await createTask('agent-config', 'Write the release notes.', model, {
      env: [{ name: 'ENABLE_TOOL_SEARCH', value: 'false' }],
      agentConfigRef: { name: 'team-docs' },
    });
    const task = await finished('agent-config');
    if (task.status?.phase !== 'Succeeded') console.error(`[real cli] the agent's log:\n${await agentLog('agent-config')}`);

    expect(task.status?.phase, task.status?.message).toBe('Succeeded');
    expect(model.remaining).toBe(0);
    expect(model.requests.filter((r) => r.answer === 'error')).toEqual([]);
    // agentsMD is Claude Code's user memory (~/.claude/CLAUDE.md), given in the first user message.
    expect(model.userTexts().some((t) => /Contents of \S+\/\.claude\/CLAUDE\.md/.test(t) && t.includes(AGENTS_MD_MARKER))).toBe(true);
    // The Skill tool launched the plugin's skill, whose body followed as a user message.
    // (The CLI may add a reminder of its token budget after a result's first line.)
    expect(model.toolExchanges().map((c) => [c.name, c.isError, c.result.split('\n')[0]])).toEqual([
      ['Skill', false, 'Launching skill: kelos-test:release-notes'],
      ['mcp__docs__lookup', false, MCP_ANSWER],
    ]);
    expect(
      model.userTexts().some((t) => t.startsWith('Base directory for this skill: ') && t.endsWith(`/kelos-test/skills/release-notes\n\n${SKILL_BODY}\n`)),
    ).toBe(true);
    // The call arrived at the MCP server on the gateway.
    expect(mcp.methods).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
    expect(mcp.calls).toEqual([{ name: 'lookup', arguments: { query: 'release' } }]);
  });

  // After the runs above: no pod tried an address outside the test network (telemetry, update checks).
  it('no agent pod sent a packet beyond the pod network', async () => {
    expect(await c.droppedPackets()).toBe(dropsBefore);
  });
});

/** A scripted Anthropic API of a Task's own on the gateway, closed after the file. */
async function startModel(turns: readonly ScriptTurn[]): Promise<AnthropicEmulator> {
  const model = await AnthropicEmulator.start({ apiKey: API_KEY, turns, listen: { host: cp.realNode!.gateway } });
  closers.push(() => model.close());
  return model;
}

/** A claude-code Task on the workspace, its CLI pointed at `model`; `extra.env` adds to the environment. */
async function createTask(
  name: string,
  prompt: string,
  model: AnthropicEmulator,
  extra: { env?: Array<{ name: string; value: string }>; activeDeadlineSeconds?: number; agentConfigRef?: { name: string } } = {},
): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns,
    plural: 'tasks',
    body: kelosObject('Task', name, {
      type: 'claude-code',
      prompt,
      credentials: { type: 'api-key', secretRef: { name: 'anthropic' } },
      image: AGENT_IMAGE,
      model: MODEL,
      workspaceRef: { name: 'app' },
      branch: `agent/${name}`,
      ...(extra.agentConfigRef ? { agentConfigRef: extra.agentConfigRef } : {}),
      podOverrides: {
        env: [...cliEnv(model), ...(extra.env ?? [])],
        ...(extra.activeDeadlineSeconds ? { activeDeadlineSeconds: extra.activeDeadlineSeconds } : {}),
      },
    }),
  });
}

/** The Task once Succeeded or Failed. */
const finished = (name: string) => c.finishedTask(ns, name);

/** The agent container's logs of every Pod of a Task. */
const agentLog = (task: string) => c.agentLog(ns, task);
