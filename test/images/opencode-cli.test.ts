// The real OpenCode CLI, at the version images/agents/opencode.sh pins, run
// through the real entrypoint core against the Anthropic Messages API
// emulator on loopback (OpenCode's anthropic provider, its base URL set in
// opencode.json): a scripted session that runs a shell command and edits a
// file. The CLI comes from npm into a cache directory
// (scripts/install-agent-cli.sh, which .ci/run calls); without it these tests
// are skipped and say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { agentDefinition } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import { TASK_BRANCH, type TestWorkspace } from '../capture/_workspace.js';
import { AnthropicEmulator, OVERLOADED } from '../emulators/anthropic.js';
import { EgressGuard } from '../emulators/egress-guard.js';
import { McpServer } from '../emulators/mcp.js';
import { AGENT_CONFIG, agentConfigEnv, COMMAND, EDITED, installedCli, sessionEffects, TURN_USAGE } from './_agent-cli.js';
import { declarationOf, type EntrypointRun, runImageEntrypoint } from './_entrypoint.js';

const cli = installedCli('opencode', 'OpenCode');
const API_KEY = 'sk-ant-emulator';
// Generous: the CLIs start slowly on a busy machine.
const TIMEOUT_MS = 240_000;

/** The Messages API's 529, with a `retry-after` of 0 s to keep the CLI's backoff out of the test. */
const OVERLOADED_RETRY_NOW = { ...OVERLOADED, headers: { 'retry-after': '0' } };

/** OpenCode's anthropic provider at the emulator; update check and sharing off. */
function writeConfig(ws: TestWorkspace, api: AnthropicEmulator): void {
  const dir = join(ws.home, '.config', 'opencode');
  mkdirSync(dir, { recursive: true });
  const config = { autoupdate: false, share: 'disabled', provider: { anthropic: { options: { baseURL: `${api.url}/v1` } } } };
  writeFileSync(join(dir, 'opencode.json'), JSON.stringify(config));
}

function openCodeEnv(ws: TestWorkspace): Record<string, string> {
  return {
    PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    // As a Task gives it: the declaration hands the key to the model's provider.
    KELOS_MODEL: 'anthropic/claude-sonnet-4-5',
    [agentDefinition('opencode').credentials['api-key']]: API_KEY,
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    // The model list from models.opencode.ai: the one built in does.
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    // Each start installs @opencode-ai/plugin into every config folder
    // from the npm registry, with no switch to turn it off; npm's own
    // registry setting sends it to a loopback port that refuses.
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_fetch_retries: '0',
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`OpenCode ${cli.declaration.version} through the entrypoint`, () => {
  it(
    'runs a scripted session: a shell command and an edit, its tokens in the outputs, nothing outside loopback',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [
          {
            text: 'Looking at the branch first.',
            calls: [{ name: 'bash', input: { command: COMMAND, description: 'Print the branch' } }],
            usage: TURN_USAGE[0],
          },
          { calls: [{ name: 'edit', input: { filePath: EDITED.file, oldString: EDITED.before, newString: EDITED.after } }], usage: TURN_USAGE[1] },
          { text: 'The README is edited.', usage: TURN_USAGE[2] },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('opencode'),
        args: ['Edit the README.'],
        prepare: (ws: TestWorkspace) => writeConfig(ws, api),
        env: (ws) => ({ ...openCodeEnv(ws), ...guard.env() }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      // The model calls came through the proxy: the CLI honours it, so nothing bypassed it.
      expect(guard.forwarded.length).toBeGreaterThan(0);
      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: opencode exited');
      expect(run.code).toBe(0);
      expect(api.remaining).toBe(0);
      expect(sessionEffects(run.ws)).toEqual({ commandRan: TASK_BRANCH, edited: `${EDITED.after}\n` });
      expect(api.userTexts()).toContain('Edit the README.');
      expect(api.toolExchanges().map((c) => c.name)).toEqual(['bash', 'edit']);
      // One step_finish per model step, each with its cost; the title request
      // on the side is not in the stream.
      const steps = run.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type?: string; part?: { cost?: number } })
        .filter((e) => e.type === 'step_finish');
      expect(steps).toHaveLength(3);
      const cost = steps.reduce((a, e) => a + (e.part?.cost ?? Number.NaN), 0);
      expect(cost).toBeGreaterThan(0);
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ branch: TASK_BRANCH, 'input-tokens': '6000', 'output-tokens': '600' });
      expect(Number(outputs?.results['cost-usd'])).toBeCloseTo(cost, 9);
    },
    TIMEOUT_MS,
  );
  it(
    'retries a model API that answers 529 overloaded twice, then finishes the session with its tokens counted once',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'bash', input: { command: COMMAND, description: 'Print the branch' } }], usage: TURN_USAGE[0] },
          { text: 'The branch is recorded.', usage: TURN_USAGE[1] },
        ],
      });
      cleanups.push(() => api.close());
      api.failNext(2, OVERLOADED_RETRY_NOW);
      const run = await runOpenCode(api, 'Record the branch.');

      expect(run.stderr).not.toContain('kelos: opencode exited');
      expect(run.code).toBe(0);
      expect(api.pendingFaults).toBe(0);
      expect(api.remaining).toBe(0);
      // The faults may meet the title request on the side too: it runs alongside the first turn.
      expect(api.requests.filter((r) => r.answer !== 'aux').map((r) => r.answer)).toEqual(['fault', 'fault', 0, 1]);
      expect(sessionEffects(run.ws).commandRan).toBe(TASK_BRANCH);
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ 'input-tokens': '3000', 'output-tokens': '300' });
    },
    TIMEOUT_MS,
  );

  it(
    'retries, then fails a run whose model API stays overloaded, the 529 in its stream',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      api.failNext(1000, OVERLOADED_RETRY_NOW);
      const run = await runOpenCode(api, 'Edit the README.');

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('kelos: opencode exited with code 1');
      expect(api.requests.every((r) => r.answer === 'fault')).toBe(true);
      // The agent's request was tried more than once before the CLI gave up.
      expect(api.requests.filter((r) => Array.isArray((r.body as { tools?: unknown })?.tools)).length).toBeGreaterThan(1);
      const error = run.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type?: string; error?: { name?: string; data?: { message?: string; statusCode?: number } } })
        .findLast((e) => e.type === 'error');
      expect(error?.error).toMatchObject({ name: 'APIError', data: { message: 'Overloaded', statusCode: 529 } });
      expect(run.stderr).toContain('kelos capture: the opencode run ended in an error (APIError, HTTP 529): "Overloaded"');
      expect(api.remaining).toBe(1);
    },
    TIMEOUT_MS,
  );
  it(
    'sees the AgentConfig: its AGENTS.md as global rules, its plugin skill offered to the skill tool, its MCP server through a tool call',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const mcp = await McpServer.start({ tools: [AGENT_CONFIG.mcpTool] });
      cleanups.push(() => mcp.close());
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [
          // No call of the skill tool: it lists the skill's files with ripgrep, which the image does not
          // ship, so OpenCode fetches rg from github.com (refused here, unreachable in a cluster).
          { calls: [{ name: 'docs_lookup', input: { query: 'release' } }] },
          { text: 'The release notes are written.' },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('opencode'),
        args: ['Write the release notes.'],
        prepare: (ws: TestWorkspace) => writeConfig(ws, api),
        env: (ws) => ({ ...openCodeEnv(ws), ...agentConfigEnv(ws, mcp.url), ...guard.env() }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: opencode exited');
      expect(run.code).toBe(0);
      expect(api.requests.filter((r) => r.answer === 'error')).toEqual([]);
      expect(api.remaining).toBe(0);
      const config = join(run.ws.home, '.config', 'opencode');
      // The global rules ~/.config/opencode/AGENTS.md, from agentsMD, are in the system prompt.
      expect(api.systemPrompt()).toContain(`Instructions from: ${join(config, 'AGENTS.md')}\n${AGENT_CONFIG.agentsMd}`);
      // The plugin's skill is offered to the skill tool from where kelos installed it.
      expect(api.systemPrompt()).toContain(
        `<name>${AGENT_CONFIG.skill}</name>\n    <description>How this team writes release notes.</description>\n    <location>${join(config, 'skills', AGENT_CONFIG.skill, 'SKILL.md')}</location>`,
      );
      expect(api.toolExchanges().map((c) => [c.name, c.isError, c.result])).toEqual([['docs_lookup', false, AGENT_CONFIG.mcpTool.answer]]);
      // The call arrived at the MCP server over the Streamable HTTP transport.
      expect(mcp.methods).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
      expect(mcp.calls).toEqual([{ name: AGENT_CONFIG.mcpTool.name, arguments: { query: 'release' } }]);
    },
    TIMEOUT_MS,
  );
});

/** OpenCode through the entrypoint with its anthropic provider at `api`, in a fresh workspace. */
async function runOpenCode(api: AnthropicEmulator, prompt: string): Promise<EntrypointRun> {
  const run = await runImageEntrypoint({
    declaration: declarationOf('opencode'),
    args: [prompt],
    prepare: (ws: TestWorkspace) => writeConfig(ws, api),
    env: (ws) => openCodeEnv(ws),
    timeoutMs: TIMEOUT_MS,
  });
  cleanups.push(() => run.ws.cleanup());
  return run;
}
