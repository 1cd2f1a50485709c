// The real Codex, Gemini and OpenCode CLIs, each in its real agent image on
// the real node (containerd, runc, kubelet; test/cluster/node/), against the
// scripted model servers on the pod network's gateway: the OpenAI Responses
// API for Codex, the Gemini API for Gemini CLI, Anthropic Messages for
// OpenCode's anthropic provider. The three Tasks run at once, each on its
// own branch of one repository: the scripted model makes the CLI run a shell
// command, edit a file, commit and push, and open a pull request with `gh pr
// create` against the GitHub emulator; the Task's results must hold the
// branch, the commit, the PR kelos capture found, and the tokens (and
// OpenCode's cost) the CLI reported. gh reaches the emulator over TLS on the
// gateway's port 443, trusting the test's CA (test/e2e/_github-tls.ts).
//
// Each CLI reaches its emulator only through what a kelos user writes: the
// credentials Secret, podOverrides.env, and a ConfigMap mounted with
// podOverrides.volumes where the CLI needs a config file kelos does not write
// (Codex's system config.toml, Gemini's system settings.json). Each Task's
// AgentConfig carries an AGENTS.md marker that must reach the model.
//
// Skipped, with the reason, where the machine cannot run a real node (not
// root, packages or images missing); KELOS_TEST_REQUIRE_REAL_NODE=1 (CI) turns
// that into a failure.
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDefinition } from '../../lib/agents/registry.js';
import { agentImage } from '../../scripts/images.js';
import type { ControlPlane } from '../cluster/launcher.js';
import { REAL_NODE_NAME } from '../cluster/node/real-node.js';
import { DEFAULT_USAGE, type RecordedRequest, type ScriptTurn } from '../emulators/_model-script.js';
import { AnthropicEmulator } from '../emulators/anthropic.js';
import { GeminiEmulator } from '../emulators/gemini.js';
import { type GitServer, startGitServer } from '../emulators/git-http.js';
import { GitHubEmulator } from '../emulators/github.js';
import { OpenAIResponsesEmulator } from '../emulators/openai-responses.js';
import { GITHUB_CA_FILE, GITHUB_CA_PATH, tlsFor } from './_github-tls.js';
import { GROUP, type RealNodeCluster, skipRealNode, startRealNodeCluster, type TaskObject, VERSION } from './_real-node.js';

const TAG = 'real cli types';
const TYPES = ['codex', 'gemini', 'opencode'] as const;
type AgentType = (typeof TYPES)[number];
const branchOf = (t: AgentType) => `agent/${t}`;
const IMAGES = Object.fromEntries(TYPES.map((t) => [t, agentImage(t)])) as Record<AgentType, string>;
// Every image is checked, so that the reason names all that are missing.
const skip = TYPES.map((t) => skipRealNode(IMAGES[t], TAG, `the real ${t} test on the real node`)).some(Boolean);

const ns = 'types';
const REPO = 'acme/app';
const token = `ghp_${randomBytes(12).toString('hex')}`;
const COMMAND = 'git rev-parse --abbrev-ref HEAD > command-ran.txt';
const EDIT = { file: 'README.md', before: '# app', after: '# app, edited by the scripted model' };
// Only the agent's files: the CA the Workspace put in the clone stays out of the commit.
const PUSH =
  'git add README.md command-ran.txt && git -c user.name="kelos test agent" -c user.email=agent@kelos.test commit -q -m "Edit the README" && git push -q origin HEAD';
const PR_TITLE = 'Edit the README';
const openPr = (branch: string) => `gh pr create --title "${PR_TITLE}" --body "Edited by the scripted model." --head ${branch} --base main`;
// Distinct usage per turn, so that a sum shows which turns it holds.
const USAGE = [
  { input: 1000, output: 100 },
  { input: 2000, output: 200 },
  { input: 3000, output: 300 },
  { input: 4000, output: 400 },
  { input: 5000, output: 500 },
];
const DONE = 'The README is edited, pushed and its pull request open.';

/** Each CLI's tool vocabulary for the same session: the command, the edit, the push, the pull request, then a reply. */
const SCRIPTS: Record<AgentType, { turns: ScriptTurn[]; tools: string[] }> = {
  codex: {
    turns: [
      { text: 'Looking at the branch first.', calls: [{ name: 'exec_command', input: { cmd: COMMAND } }], usage: USAGE[0] },
      {
        calls: [{ name: 'apply_patch', input: `*** Begin Patch\n*** Update File: ${EDIT.file}\n-${EDIT.before}\n+${EDIT.after}\n*** End Patch\n` }],
        usage: USAGE[1],
      },
      { calls: [{ name: 'exec_command', input: { cmd: PUSH } }], usage: USAGE[2] },
      { calls: [{ name: 'exec_command', input: { cmd: openPr(branchOf('codex')) } }], usage: USAGE[3] },
      { text: DONE, usage: USAGE[4] },
    ],
    tools: ['exec_command', 'apply_patch', 'exec_command', 'exec_command'],
  },
  gemini: {
    turns: [
      { text: 'Looking at the branch first.', calls: [{ name: 'run_shell_command', input: { command: COMMAND } }], usage: USAGE[0] },
      {
        calls: [{ name: 'replace', input: { file_path: EDIT.file, old_string: EDIT.before, new_string: EDIT.after, instruction: 'Edit the README heading.' } }],
        usage: USAGE[1],
      },
      { calls: [{ name: 'run_shell_command', input: { command: PUSH } }], usage: USAGE[2] },
      { calls: [{ name: 'run_shell_command', input: { command: openPr(branchOf('gemini')) } }], usage: USAGE[3] },
      { text: DONE, usage: USAGE[4] },
    ],
    tools: ['run_shell_command', 'replace', 'run_shell_command', 'run_shell_command'],
  },
  opencode: {
    turns: [
      { text: 'Looking at the branch first.', calls: [{ name: 'bash', input: { command: COMMAND, description: 'Print the branch' } }], usage: USAGE[0] },
      { calls: [{ name: 'edit', input: { filePath: EDIT.file, oldString: EDIT.before, newString: EDIT.after } }], usage: USAGE[1] },
      { calls: [{ name: 'bash', input: { command: PUSH, description: 'Commit and push' } }], usage: USAGE[2] },
      { calls: [{ name: 'bash', input: { command: openPr(branchOf('opencode')), description: 'Open the pull request' } }], usage: USAGE[3] },
      { text: DONE, usage: USAGE[4] },
    ],
    tools: ['bash', 'edit', 'bash', 'bash'],
  },
};

const KEYS: Record<AgentType, string> = {
  codex: `sk-codex-${randomBytes(8).toString('hex')}`,
  gemini: `gemini-${randomBytes(8).toString('hex')}`,
  opencode: `sk-ant-${randomBytes(8).toString('hex')}`,
};
const MARKERS = Object.fromEntries(TYPES.map((t) => [t, `agents-md-${t}-${randomBytes(6).toString('hex')}`])) as Record<AgentType, string>;
const MODELS: Record<AgentType, string | undefined> = {
  codex: 'gpt-5.5',
  // The CLI's own default model, with its routing side requests.
  gemini: undefined,
  opencode: 'anthropic/claude-sonnet-4-5',
};

/**
 * Codex's system config (`/etc/codex/config.toml`, under the user's): a model
 * provider with the emulator's base URL over plain HTTP streaming (no
 * Responses WebSocket), the key from the variable kelos sets from the
 * credentials Secret, and the traffic besides the model call off (analytics,
 * the curated plugin sync, the update check).
 */
function codexConfig(baseUrl: string): string {
  return `model_provider = "emulator"
check_for_update_on_startup = false

[model_providers.emulator]
name = "Responses API emulator"
base_url = "${baseUrl}"
env_key = "${agentDefinition('codex').credentials['api-key']}"
wire_api = "responses"
supports_websockets = false

[analytics]
enabled = false

[features]
plugins = false
`;
}

/**
 * Gemini CLI's system settings (`/etc/gemini-cli/settings.json`): the API-key
 * auth type (with GOOGLE_GEMINI_BASE_URL set, 0.61.0 otherwise guesses
 * "gateway", which headless runs refuse), usage statistics, telemetry and the
 * update check off.
 */
const GEMINI_SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  // 0.61.0's names: the older disableAutoUpdate/disableUpdateNag, read-only here, would be warned about.
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
};

let c: RealNodeCluster;
let cp: ControlPlane;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let git: GitServer;
let github: GitHubEmulator;
let codexApi: OpenAIResponsesEmulator;
let geminiApi: GeminiEmulator;
let opencodeApi: AnthropicEmulator;
let failed = false;
const created: Partial<Record<AgentType, number>> = {};

const kelosObject = (kind: string, name: string, spec: object) => ({ apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace: ns }, spec });
const createKelos = (plural: string, body: object) => custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural, body });

/**
 * A ConfigMap holding one file, mounted read-only at `path` in the agent
 * container by itself (subPath): its folder is then the runtime's, root's and
 * not group-writable, as Gemini CLI demands of a system settings file.
 */
function configFile(name: string, path: string, content: string) {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return {
    configMap: { metadata: { name }, data: { [file]: content } },
    volume: { name, configMap: { name, defaultMode: 0o444 } },
    mount: { name, mountPath: path, subPath: file, readOnly: true },
  };
}

/**
 * gh speaks HTTPS to the GitHub Enterprise host; Go reads its trusted CAs from
 * here. Its token is GH_ENTERPRISE_TOKEN, which each CLI's shell tool passes
 * on as pinned: Codex 0.169.0's shell_environment_policy keeps *TOKEN* names
 * by default (ignore_default_excludes); Gemini CLI 0.61.0 redacts its shell's
 * environment only with security.environmentVariableRedaction.enabled, or when
 * GITHUB_SHA or SURFACE=Github is set (none of which these pods have);
 * OpenCode's bash tool inherits the whole environment.
 */
const GH_CA_ENV = { name: 'SSL_CERT_FILE', value: GITHUB_CA_PATH };

/** What each CLI needs beyond the credentials Secret to reach its emulator and keep quiet. */
function podSetup(t: AgentType) {
  switch (t) {
    case 'codex': {
      const f = configFile('codex-config', '/etc/codex/config.toml', codexConfig(codexApi.baseUrl));
      return { configMap: f.configMap, podOverrides: { env: [GH_CA_ENV], volumes: [f.volume], volumeMounts: [f.mount] } };
    }
    case 'gemini': {
      const f = configFile('gemini-settings', '/etc/gemini-cli/settings.json', JSON.stringify(GEMINI_SETTINGS));
      return {
        configMap: f.configMap,
        podOverrides: { env: [{ name: 'GOOGLE_GEMINI_BASE_URL', value: geminiApi.url }, GH_CA_ENV], volumes: [f.volume], volumeMounts: [f.mount] },
      };
    }
    case 'opencode': {
      // OpenCode takes a whole config from the environment; update check and sharing off.
      const config = { autoupdate: false, share: 'disabled', provider: { anthropic: { options: { baseURL: `${opencodeApi.url}/v1` } } } };
      return {
        configMap: undefined,
        podOverrides: {
          env: [
            GH_CA_ENV,
            { name: 'OPENCODE_CONFIG_CONTENT', value: JSON.stringify(config) },
            { name: 'OPENCODE_DISABLE_AUTOUPDATE', value: '1' },
            // The model list from models.opencode.ai: the one built in does.
            { name: 'OPENCODE_DISABLE_MODELS_FETCH', value: '1' },
            // Each start installs @opencode-ai/plugin from the npm registry, with no
            // switch to turn it off; npm's own setting sends it to a port that refuses.
            { name: 'npm_config_registry', value: 'http://127.0.0.1:9/' },
            { name: 'npm_config_fetch_retries', value: '0' },
          ],
        },
      };
    }
  }
}

type Finished = Awaited<ReturnType<typeof finished>>;

async function finished(t: AgentType): Promise<{ task: TaskObject; pod?: k8s.V1Pod; log: string; done: number }> {
  const task = await c.finishedTask(ns, t);
  const done = Date.now();
  const pod = await c.agentPod(ns, t);
  const log = await c.agentLog(ns, t);
  return { task, pod, log, done };
}

/** The JSON events of the CLI's own stream, as the agent container logged them. */
function events(log: string): Array<Record<string, unknown>> {
  return log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

interface Usage {
  input: number;
  output: number;
}

function total(usages: readonly Usage[]): Usage {
  return usages.reduce((s, u) => ({ input: s.input + u.input, output: s.output + u.output }), { input: 0, output: 0 });
}

/** The usage of every scripted answer served; a retried request counts again, as it did for the CLI. */
function scriptedUsage(requests: readonly RecordedRequest[], t: AgentType): Usage {
  return total(requests.flatMap((r) => (typeof r.answer === 'number' ? [SCRIPTS[t].turns[r.answer]!.usage!] : [])));
}

/** The URL of the pull request gh opened for the type's branch. */
function prUrl(t: AgentType): string {
  const pr = github
    .repo(REPO)
    .pulls()
    .find((p) => p.head === branchOf(t));
  return `${github.url}/${REPO}/pull/${pr?.number}`;
}

/** The checks every type shares: the Task, its pod on the real node, and the branch on the git server. */
function expectPushedBranch(t: AgentType, r: Finished): void {
  expect(r.task.status?.phase, r.task.status?.message).toBe('Succeeded');
  const agent = r.pod?.status?.containerStatuses?.find((s) => s.name === 'kelos-agent');
  expect(r.pod?.spec?.nodeName).toBe(REAL_NODE_NAME);
  expect(r.pod?.spec?.containers.find((s) => s.name === 'kelos-agent')?.image).toBe(IMAGES[t]);
  expect(agent?.state?.terminated?.exitCode).toBe(0);

  const head = git.revParse(REPO, branchOf(t));
  expect(head).toMatch(/^[0-9a-f]{40}$/);
  expect(head).not.toBe(git.revParse(REPO, 'main'));
  expect(git.show(REPO, branchOf(t), 'command-ran.txt')).toBe(branchOf(t));
  expect(git.show(REPO, branchOf(t), EDIT.file)).toBe(EDIT.after);
  expect(() => git.show(REPO, branchOf(t), GITHUB_CA_FILE)).toThrow();
  expect(r.task.status?.results).toMatchObject({ branch: branchOf(t), commit: head, 'base-branch': 'main' });

  // gh opened exactly one pull request from the Task's branch onto the Workspace's ref, as the token's user; kelos capture found it.
  const pulls = github
    .repo(REPO)
    .pulls()
    .filter((p) => p.head === branchOf(t));
  expect(pulls.map((p) => ({ head: p.head, base: p.base, title: p.title, user: p.user, state: p.state }))).toEqual([
    { head: branchOf(t), base: 'main', title: PR_TITLE, user: 'kelos-bot', state: 'open' },
  ]);
  expect(r.task.status?.results?.pr).toBe(prUrl(t));

  const started = agent?.state?.terminated?.startedAt;
  const startMs = started ? new Date(started).getTime() - new Date(r.task.metadata.creationTimestamp!).getTime() : undefined;
  const inits = r.pod?.status?.initContainerStatuses?.map((s) => s.name).join(', ');
  console.error(`[${TAG}] ${t}: Task creation to agent container start: ${startMs} ms (after ${inits}); to Succeeded seen: ${r.done - created[t]!} ms`);
}

describe.skipIf(skip)(`the real Codex, Gemini and OpenCode CLIs on the real node ${REAL_NODE_NAME}`, { timeout: 420_000 }, () => {
  const runs = {} as Record<AgentType, Promise<Finished>>;
  let dropsBefore = 0;

  beforeAll(async () => {
    c = await startRealNodeCluster(TAG);
    ({ cp, core, custom } = c);
    const gateway = cp.realNode!.gateway;

    // The controller as kelos synth renders it, from its image on the node.
    for (const n of ['kelos-system', ns]) await c.createNamespace(n);
    await c.installController([ns], [ns]);

    const listen = { host: gateway };
    git = await startGitServer({ host: gateway, token });
    const tls = await tlsFor(gateway);
    github = await GitHubEmulator.start({ requireAuth: true, listen: { host: gateway, port: 443, tls: { key: tls.key, cert: tls.cert } } });
    github.addToken(token);
    // The repository exists on the emulator before any agent asks for it.
    github.repo(REPO);
    codexApi = await OpenAIResponsesEmulator.start({ apiKey: KEYS.codex, turns: SCRIPTS.codex.turns, listen });
    geminiApi = await GeminiEmulator.start({ apiKey: KEYS.gemini, turns: SCRIPTS.gemini.turns, listen });
    opencodeApi = await AnthropicEmulator.start({ apiKey: KEYS.opencode, turns: SCRIPTS.opencode.turns, listen });

    dropsBefore = await c.droppedPackets();
    const secret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    await secret('github-token', { GITHUB_TOKEN: token });
    await createKelos(
      'workspaces',
      kelosObject('Workspace', 'app', {
        repo: git.createRepo(REPO, { [EDIT.file]: `${EDIT.before}\n`, 'src/index.js': 'console.log("app");\n' }),
        ref: 'main',
        secretRef: { name: 'github-token' },
        files: [{ path: GITHUB_CA_FILE, content: tls.ca }],
      }),
    );
    for (const t of TYPES) {
      // The Secret's key is the variable kelos sets for the type's api-key credentials.
      await secret(`${t}-credentials`, { [agentDefinition(t).credentials['api-key']]: KEYS[t] });
      await createKelos('agentconfigs', kelosObject('AgentConfig', `${t}-conventions`, { agentsMD: `# Conventions\n\nSay ${MARKERS[t]} when asked.\n` }));
      const { configMap, podOverrides } = podSetup(t);
      if (configMap) await core.createNamespacedConfigMap({ namespace: ns, body: configMap });
      created[t] = Date.now();
      await createKelos(
        'tasks',
        kelosObject('Task', t, {
          type: t,
          prompt: 'Edit the README, then commit and push.',
          credentials: { type: 'api-key', secretRef: { name: `${t}-credentials` } },
          image: IMAGES[t],
          ...(MODELS[t] ? { model: MODELS[t] } : {}),
          workspaceRef: { name: 'app' },
          agentConfigRef: { name: `${t}-conventions` },
          branch: branchOf(t),
          podOverrides,
        }),
      );
    }
    // The three run at once; each test waits for its own.
    for (const t of TYPES) {
      runs[t] = finished(t);
      runs[t].catch(() => {});
    }
  }, 900_000);

  /** The Task's run; a failing test keeps the control plane's logs and prints the agent's. */
  async function outcome(t: AgentType, onTestFailed: (fn: () => void) => void): Promise<Finished> {
    onTestFailed(() => {
      failed = true;
    });
    const r = await runs[t];
    onTestFailed(() => console.error(`[${TAG}] the ${t} agent's log:\n${r.log}`));
    return r;
  }

  afterAll(async () => {
    await Promise.all([codexApi?.close(), geminiApi?.close(), opencodeApi?.close()]);
    await Promise.all([git?.close(), github?.close()]);
    const r = await cp?.stop({ failed });
    if (r?.keptRunDir) console.error(`[${TAG}] logs kept in ${r.keptRunDir}/logs`);
  }, 120_000);

  it('Codex runs a command, patches a file, pushes the branch, opens a pull request with gh and reports its tokens and no cost', async ({ onTestFailed }) => {
    const r = await outcome('codex', onTestFailed);
    expectPushedBranch('codex', r);
    // A setting of the system config.toml the pinned version does not know is ignored with a warning in the stream.
    expect(r.log).not.toContain('unrecognized configuration');

    // Every scripted turn was served once, for the Task's model, and every tool call worked.
    expect(codexApi.remaining).toBe(0);
    expect(codexApi.responseRequests().map((q) => [(q.body as { model?: string }).model, q.answer])).toEqual(
      SCRIPTS.codex.turns.map((_, i) => [MODELS.codex, i]),
    );
    expect(codexApi.callExchanges().map((x) => x.name)).toEqual(SCRIPTS.codex.tools);
    const commands = events(r.log).filter((e) => e.type === 'item.completed' && (e.item as { type?: string }).type === 'command_execution');
    expect(commands.map((e) => (e.item as { exit_code?: number }).exit_code)).toEqual([0, 0, 0]);
    const patches = events(r.log).filter((e) => e.type === 'item.completed' && (e.item as { type?: string }).type === 'file_change');
    expect(patches.map((e) => (e.item as { status?: string }).status)).toEqual(['completed']);
    // AGENTS.md reached the model.
    expect(JSON.stringify(codexApi.inputTexts())).toContain(MARKERS.codex);

    // The tokens: the emulator's usage, and the sum of the CLI's turn.completed events; Codex reports no cost.
    const usage = scriptedUsage(codexApi.requests, 'codex');
    const turns = events(r.log)
      .filter((e) => e.type === 'turn.completed')
      .map((e) => e.usage as { input_tokens: number; output_tokens: number });
    expect(total(turns.map((u) => ({ input: u.input_tokens, output: u.output_tokens })))).toEqual(usage);
    const results = r.task.status?.results ?? {};
    expect([results['input-tokens'], results['output-tokens']]).toEqual([String(usage.input), String(usage.output)]);
    expect(results).not.toHaveProperty('cost-usd');
  });

  it('Gemini CLI runs a command, replaces text, pushes the branch, opens a pull request and reports its tokens and no cost', async ({ onTestFailed }) => {
    const r = await outcome('gemini', onTestFailed);
    expectPushedBranch('gemini', r);
    // The system settings were read (without them the auth type is refused) and hold no setting of an older name.
    expect(r.log).not.toContain('deprecated settings');

    expect(geminiApi.remaining).toBe(0);
    expect(geminiApi.agentRequests().map((q) => q.answer)).toEqual(SCRIPTS.gemini.turns.map((_, i) => i));
    expect(geminiApi.requests.filter((q) => q.answer === 'error' || q.answer === 'fault')).toEqual([]);
    // The shell tool says "success" for a command that failed too: what
    // proves these worked is their output, empty (git prints to stderr, which
    // the tool returns, when it fails).
    const exchanges = geminiApi.functionExchanges();
    expect(exchanges.map((x) => x.name)).toEqual(SCRIPTS.gemini.tools);
    expect(exchanges.slice(0, 3).map((x) => (x.name === 'replace' ? /Successfully modified file/ : /Output: \(empty\)/).test(x.response))).toEqual([
      true,
      true,
      true,
    ]);
    // gh printed the pull request's URL.
    expect(exchanges[3]?.response).toContain(prUrl('gemini'));
    expect(
      events(r.log)
        .filter((e) => e.type === 'tool_result')
        .map((e) => e.status),
    ).toEqual(['success', 'success', 'success', 'success']);
    // GEMINI.md (the AgentConfig's AGENTS.md) reached the model.
    expect(JSON.stringify([geminiApi.systemInstruction(), geminiApi.userTexts()])).toContain(MARKERS.gemini);

    // The CLI's result counts every model call, its side requests (routing,
    // next speaker) included, and reports no cost.
    const side = geminiApi.requests.filter((q) => q.answer === 'aux' && q.path.endsWith(':generateContent')).length;
    const scripted = scriptedUsage(geminiApi.requests, 'gemini');
    const usage = { input: scripted.input + side * DEFAULT_USAGE.input, output: scripted.output + side * DEFAULT_USAGE.output };
    const result = events(r.log).findLast((e) => e.type === 'result') as { stats?: { input_tokens?: number; output_tokens?: number } } | undefined;
    expect({ input: result?.stats?.input_tokens, output: result?.stats?.output_tokens }).toEqual(usage);
    const results = r.task.status?.results ?? {};
    expect([results['input-tokens'], results['output-tokens']]).toEqual([String(usage.input), String(usage.output)]);
    expect(results).not.toHaveProperty('cost-usd');
  });

  it('OpenCode runs a command, edits a file, pushes the branch, opens a pull request with gh and reports its tokens and cost', async ({ onTestFailed }) => {
    const r = await outcome('opencode', onTestFailed);
    expectPushedBranch('opencode', r);

    expect(opencodeApi.remaining).toBe(0);
    const model = MODELS.opencode!.split('/')[1];
    expect(opencodeApi.agentRequests().map((q) => [(q.body as { model?: string }).model, q.answer])).toEqual(SCRIPTS.opencode.turns.map((_, i) => [model, i]));
    expect(opencodeApi.toolExchanges().map((x) => [x.name, x.isError])).toEqual(SCRIPTS.opencode.tools.map((n) => [n, false]));
    const tools = events(r.log)
      .filter((e) => e.type === 'tool_use')
      .map((e) => (e.part as { tool?: string; state?: { status?: string; metadata?: { exit?: number } } }) ?? {});
    expect(tools.map((p) => [p.tool, p.state?.status, p.state?.metadata?.exit])).toEqual([
      ['bash', 'completed', 0],
      ['edit', 'completed', undefined],
      ['bash', 'completed', 0],
      ['bash', 'completed', 0],
    ]);
    // The global AGENTS.md is part of OpenCode's system prompt.
    expect(opencodeApi.systemPrompt()).toContain(MARKERS.opencode);

    // One step_finish per model step with its tokens and cost; the title request on the side is not in the stream.
    const steps = events(r.log)
      .filter((e) => e.type === 'step_finish')
      .map((e) => e.part as { cost?: number; tokens?: { input?: number; output?: number } });
    expect(steps).toHaveLength(SCRIPTS.opencode.turns.length);
    const usage = scriptedUsage(opencodeApi.requests, 'opencode');
    expect(total(steps.map((p) => ({ input: p.tokens?.input ?? Number.NaN, output: p.tokens?.output ?? Number.NaN })))).toEqual(usage);
    const cost = steps.reduce((s, p) => s + (p.cost ?? Number.NaN), 0);
    expect(cost).toBeGreaterThan(0);
    const results = r.task.status?.results ?? {};
    expect([results['input-tokens'], results['output-tokens']]).toEqual([String(usage.input), String(usage.output)]);
    expect(Number(results['cost-usd'])).toBeCloseTo(cost, 9);
    // ... which is OpenCode's list price for claude-sonnet-4-5: $3 per million input tokens, $15 per million output.
    expect(cost).toBeCloseTo(usage.input * 3e-6 + usage.output * 15e-6, 9);
  });

  // After the three runs: no pod tried an address outside the test network (telemetry, update checks, model catalogues).
  it('no agent pod sent a packet beyond the pod network', async () => {
    await Promise.allSettled(TYPES.map((t) => runs[t]));
    expect(await c.droppedPackets()).toBe(dropsBefore);
  });
});
