// The real Codex CLI, at the version images/agents/codex.sh pins, run through
// the real entrypoint core against the OpenAI Responses API emulator on
// loopback: a scripted session that runs a shell command and edits a file.
// The CLI comes from npm into a cache directory (scripts/install-agent-cli.sh,
// which .ci/run calls); without it these tests are skipped and say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { agentDefinition } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import { TASK_BRANCH, type TestWorkspace } from '../capture/_workspace.js';
import type { RecordedRequest } from '../emulators/_model-script.js';
import { EgressGuard } from '../emulators/egress-guard.js';
import { McpServer } from '../emulators/mcp.js';
import { namespaced, OpenAIResponsesEmulator } from '../emulators/openai-responses.js';
import { AGENT_CONFIG, agentConfigEnv, COMMAND, EDITED, installedCli, sessionEffects, TURN_USAGE } from './_agent-cli.js';
import { declarationOf, type EntrypointRun, runImageEntrypoint } from './_entrypoint.js';

const cli = installedCli('codex', 'Codex');
const API_KEY = 'sk-emulator';
// Generous: the CLIs start slowly on a busy machine.
const TIMEOUT_MS = 240_000;

/**
 * Codex's own configuration, pointed at the emulator: a model provider with
 * the emulator's base URL over plain HTTP streaming (no Responses WebSocket),
 * the key from the credential variable kelos sets, and the traffic Codex makes
 * besides the model call switched off — OTLP metrics to ab.chatgpt.com
 * (analytics), the curated plugin sync from github.com and chatgpt.com
 * (plugins) and the update check.
 */
function codexConfig(api: OpenAIResponsesEmulator, providerExtra = ''): string {
  return `model = "gpt-5.5"
model_provider = "emulator"
check_for_update_on_startup = false

[model_providers.emulator]
name = "Responses API emulator"
base_url = "${api.baseUrl}"
env_key = "${agentDefinition('codex').credentials['api-key']}"
wire_api = "responses"
supports_websockets = false
${providerExtra}

[analytics]
enabled = false

[features]
plugins = false
`;
}

/** The 429 the API answers a client over its rate limit. */
const RATE_LIMITED = {
  status: 429,
  body: { error: { message: 'Rate limit reached for requests per min. Please try again in 1ms.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`Codex ${cli.declaration.version} through the entrypoint`, () => {
  it(
    'runs a scripted session: a shell command and a patch, its tokens in the outputs, nothing outside loopback',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await OpenAIResponsesEmulator.start({
        apiKey: API_KEY,
        turns: [
          { text: 'Looking at the branch first.', calls: [{ name: 'exec_command', input: { cmd: COMMAND } }], usage: TURN_USAGE[0] },
          {
            calls: [{ name: 'apply_patch', input: `*** Begin Patch\n*** Update File: ${EDITED.file}\n-${EDITED.before}\n+${EDITED.after}\n*** End Patch\n` }],
            usage: TURN_USAGE[1],
          },
          { text: 'The README is edited.', usage: TURN_USAGE[2] },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('codex'),
        args: ['Edit the README.'],
        prepare: (ws: TestWorkspace) => {
          mkdirSync(join(ws.home, '.codex'));
          writeFileSync(join(ws.home, '.codex', 'config.toml'), codexConfig(api));
        },
        env: (ws) => ({
          PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          [agentDefinition('codex').credentials['api-key']]: API_KEY,
          ...guard.env(),
        }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      // The model calls came through the proxy: the CLI honours it, so nothing bypassed it.
      expect(guard.forwarded.length).toBeGreaterThan(0);
      expect(guard.refused).toEqual([]);
      // A setting the pinned version no longer knows is ignored with a warning in the stream.
      expect(run.stdout.toString('utf8')).not.toContain('unrecognized configuration');
      expect(run.stderr).not.toContain('kelos: codex exited');
      expect(run.code).toBe(0);
      expect(api.remaining).toBe(0);
      expect(sessionEffects(run.ws)).toEqual({ commandRan: TASK_BRANCH, edited: `${EDITED.after}\n` });
      expect(api.inputTexts('user')).toContain('Edit the README.');
      expect(api.callExchanges().map((c) => c.name)).toEqual(['exec_command', 'apply_patch']);
      // Codex reports each turn's tokens and no cost.
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ branch: TASK_BRANCH, 'input-tokens': '6000', 'output-tokens': '600' });
      expect(outputs?.results).not.toHaveProperty('cost-usd');
    },
    TIMEOUT_MS,
  );
  it(
    'retries a model API that answers 503 overloaded twice, then finishes the session with its tokens counted once',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await OpenAIResponsesEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'exec_command', input: { cmd: COMMAND } }], usage: TURN_USAGE[0] },
          { text: 'The branch is recorded.', usage: TURN_USAGE[1] },
        ],
      });
      cleanups.push(() => api.close());
      api.failNext(2);
      const run = await runCodex(api, 'Record the branch.');

      expect(run.stderr).not.toContain('kelos: codex exited');
      expect(run.code).toBe(0);
      expect(api.pendingFaults).toBe(0);
      expect(api.remaining).toBe(0);
      expect(modelAnswers(api)).toEqual(['fault', 'fault', 0, 1]);
      expect(sessionEffects(run.ws).commandRan).toBe(TASK_BRANCH);
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ 'input-tokens': '3000', 'output-tokens': '300' });
    },
    TIMEOUT_MS,
  );

  it(
    'fails a run whose model API stays overloaded past its retries, the 503 in its stream',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await OpenAIResponsesEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      api.failNext(100);
      const run = await runCodex(api, 'Edit the README.', 'request_max_retries = 1\nstream_max_retries = 0');

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('kelos: codex exited with code 1');
      // The first try and the one retry allowed; Codex's last event names the 503 and the API's words.
      expect(modelAnswers(api)).toEqual(['fault', 'fault']);
      const failed = events(run).findLast((e) => e.type === 'turn.failed') as { error?: { message?: string } } | undefined;
      expect(failed?.error?.message).toMatch(/^unexpected status 503 Service Unavailable: The server is overloaded or not ready yet\./);
      // ... which is why kelos says the run failed.
      expect(run.stderr).toContain(
        'kelos capture: the codex turn failed: "unexpected status 503 Service Unavailable: The server is overloaded or not ready yet.',
      );
      expect(api.remaining).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    'gives up at the first 429 rate limited: no retry, the status in its stream',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await OpenAIResponsesEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      api.failNext(1, RATE_LIMITED);
      const run = await runCodex(api, 'Edit the README.');

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('kelos: codex exited with code 1');
      expect(modelAnswers(api)).toEqual(['fault']);
      const failed = events(run).findLast((e) => e.type === 'turn.failed') as { error?: { message?: string } } | undefined;
      expect(failed?.error?.message).toBe('exceeded retry limit, last status: 429 Too Many Requests');
      expect(run.stderr).toContain('kelos capture: the codex turn failed: "exceeded retry limit, last status: 429 Too Many Requests"');
    },
    TIMEOUT_MS,
  );
  it(
    'sees the AgentConfig: its AGENTS.md in the instructions, its plugin skill listed and read, its MCP server through a tool call',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const mcp = await McpServer.start({ tools: [AGENT_CONFIG.mcpTool] });
      cleanups.push(() => mcp.close());
      // Codex lists skills with their SKILL.md path; the model reads the one it uses with a shell command.
      const skillFile = `.agents/skills/${AGENT_CONFIG.skill}/SKILL.md`;
      const api = await OpenAIResponsesEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'exec_command', input: { cmd: `cat "$HOME/${skillFile}"` } }] },
          { calls: [{ name: namespaced(`mcp__${AGENT_CONFIG.mcpServer}`, AGENT_CONFIG.mcpTool.name), input: { query: 'release' } }] },
          { text: 'The release notes are written.' },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('codex'),
        args: ['Write the release notes.'],
        prepare: (ws: TestWorkspace) => {
          mkdirSync(join(ws.home, '.codex'));
          // A model Codex's catalog does not know gets no tool_search: the MCP server's tools are offered
          // directly, as namespace mcp__<server>, not deferred behind a search.
          writeFileSync(join(ws.home, '.codex', 'config.toml'), codexConfig(api).replace(`model = "gpt-5.5"`, `model = "kelos-emulator"`));
        },
        env: (ws) => ({
          PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          [agentDefinition('codex').credentials['api-key']]: API_KEY,
          ...agentConfigEnv(ws, mcp.url),
          ...guard.env(),
        }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: codex exited');
      expect(run.code).toBe(0);
      expect(api.requests.filter((r) => r.answer === 'error')).toEqual([]);
      expect(api.remaining).toBe(0);
      const texts = api.inputTexts();
      // ~/.codex/AGENTS.md, from agentsMD, reaches the model.
      expect(texts.some((t) => t.includes(AGENT_CONFIG.marker))).toBe(true);
      // The plugin's skill is listed to the model under the skills root kelos installed it in.
      const skills = texts.find((t) => t.includes('<skills_instructions>')) ?? '';
      const root = /^- `(r\d+)` = `(.*)`$/gm;
      const roots = new Map([...skills.matchAll(root)].map((m) => [m[2], m[1]]));
      const installed = roots.get(join(run.ws.home, '.agents', 'skills'));
      expect(installed).toBeDefined();
      expect(skills).toContain(`- ${AGENT_CONFIG.skill}: How this team writes release notes. (file: ${installed}/${AGENT_CONFIG.skill}/SKILL.md)`);
      const exchanges = api.callExchanges();
      expect(exchanges.map((c) => c.name)).toEqual(['exec_command', namespaced(`mcp__${AGENT_CONFIG.mcpServer}`, AGENT_CONFIG.mcpTool.name)]);
      expect(exchanges[0]?.output).toContain(AGENT_CONFIG.skillBody);
      expect(exchanges[1]?.output).toContain(AGENT_CONFIG.mcpTool.answer);
      // The call arrived at the MCP server over the Streamable HTTP transport.
      expect(mcp.methods).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
      expect(mcp.calls).toEqual([{ name: AGENT_CONFIG.mcpTool.name, arguments: { query: 'release' } }]);
    },
    TIMEOUT_MS,
  );
});

/** The JSON events of a run's stream. */
function events(run: EntrypointRun): Array<{ type?: string }> {
  return run.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type?: string });
}

/** The answers to the Responses requests, in order. */
function modelAnswers(api: OpenAIResponsesEmulator): RecordedRequest['answer'][] {
  return api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/responses')).map((r) => r.answer);
}

/** Codex through the entrypoint, configured for `api` (and `providerExtra` in its provider), in a fresh workspace. */
async function runCodex(api: OpenAIResponsesEmulator, prompt: string, providerExtra = ''): Promise<EntrypointRun> {
  const run = await runImageEntrypoint({
    declaration: declarationOf('codex'),
    args: [prompt],
    prepare: (ws: TestWorkspace) => {
      mkdirSync(join(ws.home, '.codex'));
      writeFileSync(join(ws.home, '.codex', 'config.toml'), codexConfig(api, providerExtra));
    },
    env: (ws) => ({
      PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      [agentDefinition('codex').credentials['api-key']]: API_KEY,
    }),
    timeoutMs: TIMEOUT_MS,
  });
  cleanups.push(() => run.ws.cleanup());
  return run;
}
