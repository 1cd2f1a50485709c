// The real Gemini CLI, at the version images/agents/gemini.sh pins, run
// through the real entrypoint core against the Gemini API emulator on
// loopback: a scripted session that runs a shell command and edits a file.
// The CLI comes from npm into a cache directory (scripts/install-agent-cli.sh,
// which .ci/run calls); without it these tests are skipped and say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { agentDefinition } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import { TASK_BRANCH, type TestWorkspace } from '../capture/_workspace.js';
import { DEFAULT_USAGE, type RecordedRequest } from '../emulators/_model-script.js';
import { EgressGuard } from '../emulators/egress-guard.js';
import { GeminiEmulator } from '../emulators/gemini.js';
import { McpServer } from '../emulators/mcp.js';
import { AGENT_CONFIG, agentConfigEnv, COMMAND, EDITED, installedCli, sessionEffects, TURN_USAGE } from './_agent-cli.js';
import { declarationOf, type EntrypointRun, runImageEntrypoint } from './_entrypoint.js';

const cli = installedCli('gemini', 'Gemini CLI');
const API_KEY = 'gemini-emulator-key';
// Generous: the CLIs start slowly on a busy machine.
const TIMEOUT_MS = 240_000;

/**
 * ~/.gemini/settings.json: usage statistics (Clearcut), telemetry and the
 * update check off. The auth type is set because with GOOGLE_GEMINI_BASE_URL
 * in the environment 0.61.0 guesses the "gateway" auth type, which its
 * headless check then rejects ("Invalid auth method selected", exit 41).
 */
const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { disableAutoUpdate: true, disableUpdateNag: true },
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`Gemini CLI ${cli.declaration.version} through the entrypoint`, () => {
  it(
    'runs a scripted session: a shell command and a replace, its tokens in the outputs, nothing outside loopback',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await GeminiEmulator.start({
        apiKey: API_KEY,
        turns: [
          { text: 'Looking at the branch first.', calls: [{ name: 'run_shell_command', input: { command: COMMAND } }], usage: TURN_USAGE[0] },
          {
            calls: [
              {
                name: 'replace',
                input: { file_path: EDITED.file, old_string: EDITED.before, new_string: EDITED.after, instruction: 'Edit the README heading.' },
              },
            ],
            usage: TURN_USAGE[1],
          },
          { text: 'The README is edited.', usage: TURN_USAGE[2] },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('gemini'),
        args: ['Edit the README.'],
        prepare: (ws: TestWorkspace) => {
          mkdirSync(join(ws.home, '.gemini'));
          writeFileSync(join(ws.home, '.gemini', 'settings.json'), JSON.stringify(SETTINGS));
        },
        env: (ws) => ({
          PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          GOOGLE_GEMINI_BASE_URL: api.url,
          [agentDefinition('gemini').credentials['api-key']]: API_KEY,
          ...guard.env(),
        }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      // The model calls came through the proxy: the CLI honours it, so nothing bypassed it.
      expect(guard.forwarded.length).toBeGreaterThan(0);
      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: gemini exited');
      expect(run.code).toBe(0);
      expect(api.remaining).toBe(0);
      expect(sessionEffects(run.ws)).toEqual({ commandRan: TASK_BRANCH, edited: `${EDITED.after}\n` });
      expect(api.userTexts()).toContain('Edit the README.');
      expect(api.functionExchanges().map((c) => c.name)).toEqual(['run_shell_command', 'replace']);
      // The CLI's result counts every model call, its side requests (routing,
      // next speaker) included, and reports no cost.
      const side = api.requests.filter((r) => r.answer === 'aux' && r.path.endsWith(':generateContent')).length;
      const sum = (k: 'input' | 'output') => TURN_USAGE.reduce((a, u) => a + u[k], 0) + side * DEFAULT_USAGE[k];
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ branch: TASK_BRANCH, 'input-tokens': String(sum('input')), 'output-tokens': String(sum('output')) });
      expect(outputs?.results).not.toHaveProperty('cost-usd');
    },
    TIMEOUT_MS,
  );
  it(
    'retries a model API that answers 503 UNAVAILABLE and 429 RESOURCE_EXHAUSTED, then finishes the session with its tokens counted once',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await GeminiEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'run_shell_command', input: { command: COMMAND } }], usage: TURN_USAGE[0] },
          { text: 'The branch is recorded.', usage: TURN_USAGE[1] },
        ],
      });
      cleanups.push(() => api.close());
      api.failNext(1);
      api.failNext(1, RESOURCE_EXHAUSTED);
      const run = await runGemini(api, 'Record the branch.');

      expect(run.stderr).not.toContain('kelos: gemini exited');
      expect(run.code).toBe(0);
      expect(api.pendingFaults).toBe(0);
      expect(api.remaining).toBe(0);
      expect(streamAnswers(api)).toEqual(['fault', 'fault', 0, 1]);
      expect(sessionEffects(run.ws).commandRan).toBe(TASK_BRANCH);
      // The refused requests carried no usage; the side requests count as in a plain session.
      const side = api.requests.filter((r) => r.answer === 'aux' && r.path.endsWith(':generateContent')).length;
      const sum = (k: 'input' | 'output') => TURN_USAGE[0][k] + TURN_USAGE[1][k] + side * DEFAULT_USAGE[k];
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ 'input-tokens': String(sum('input')), 'output-tokens': String(sum('output')) });
    },
    TIMEOUT_MS,
  );

  it(
    'fails a run whose model API stays overloaded past its attempts, the 503 in its stream',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const api = await GeminiEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      api.failNext(100);
      const run = await runGemini(api, 'Edit the README.', { maxAttempts: 2 });

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('kelos: gemini exited');
      // The two attempts allowed; the CLI's result event carries the API's words.
      expect(streamAnswers(api)).toEqual(['fault', 'fault']);
      const result = run.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type?: string; status?: string; error?: { message?: string } })
        .findLast((e) => e.type === 'result');
      expect(result).toMatchObject({ status: 'error', error: { message: '[API Error: The model is overloaded. Please try again later.]' } });
      expect(run.stderr).toContain('kelos capture: the gemini run ended in an error: "[API Error: The model is overloaded. Please try again later.]"');
      expect(api.remaining).toBe(1);
    },
    TIMEOUT_MS,
  );
  it(
    'sees the AgentConfig: its AGENTS.md as GEMINI.md, its plugin skill through activate_skill, its MCP server through a tool call',
    async ({ expect, skip }) => {
      skip(!cli.installed, cli.notInstalled);
      const mcp = await McpServer.start({ tools: [AGENT_CONFIG.mcpTool] });
      cleanups.push(() => mcp.close());
      const api = await GeminiEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'activate_skill', input: { name: AGENT_CONFIG.skill } }] },
          { calls: [{ name: 'mcp_docs_lookup', input: { query: 'release' } }] },
          { text: 'The release notes are written.' },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('gemini'),
        args: ['Write the release notes.'],
        prepare: (ws: TestWorkspace) => {
          mkdirSync(join(ws.home, '.gemini'));
          writeFileSync(join(ws.home, '.gemini', 'settings.json'), JSON.stringify(SETTINGS));
        },
        env: (ws) => ({
          PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          GOOGLE_GEMINI_BASE_URL: api.url,
          [agentDefinition('gemini').credentials['api-key']]: API_KEY,
          ...agentConfigEnv(ws, mcp.url),
          ...guard.env(),
        }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: gemini exited');
      expect(run.code).toBe(0);
      expect(api.requests.filter((r) => r.answer === 'error')).toEqual([]);
      expect(api.remaining).toBe(0);
      // ~/.gemini/GEMINI.md, from agentsMD, is loaded into the system instruction.
      expect(api.systemInstruction()).toContain(`--- Context from: ${join(run.ws.home, '.gemini', 'GEMINI.md')} ---\n${AGENT_CONFIG.agentsMd}`);
      const exchanges = api.functionExchanges();
      expect(exchanges.map((c) => c.name)).toEqual(['activate_skill', 'mcp_docs_lookup']);
      expect(exchanges[0]?.response).toContain(AGENT_CONFIG.skillBody);
      expect(exchanges[1]?.response).toContain(AGENT_CONFIG.mcpTool.answer);
      // The call arrived at the MCP server over the Streamable HTTP transport.
      expect(mcp.methods).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
      expect(mcp.calls).toEqual([{ name: AGENT_CONFIG.mcpTool.name, arguments: { query: 'release' } }]);
    },
    TIMEOUT_MS,
  );
});

/** The 429 the Gemini API answers a client over its quota or rate limit. */
const RESOURCE_EXHAUSTED = {
  status: 429,
  body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } },
};

/** The answers to the agent's streamed model requests, in order. */
function streamAnswers(api: GeminiEmulator): RecordedRequest['answer'][] {
  return api.requests.filter((r) => r.path.endsWith(':streamGenerateContent')).map((r) => r.answer);
}

/** The Gemini CLI through the entrypoint, configured for `api` (and `general` settings), in a fresh workspace. */
async function runGemini(api: GeminiEmulator, prompt: string, general: Record<string, unknown> = {}): Promise<EntrypointRun> {
  const run = await runImageEntrypoint({
    declaration: declarationOf('gemini'),
    args: [prompt],
    prepare: (ws: TestWorkspace) => {
      mkdirSync(join(ws.home, '.gemini'));
      writeFileSync(join(ws.home, '.gemini', 'settings.json'), JSON.stringify({ ...SETTINGS, general: { ...SETTINGS.general, ...general } }));
    },
    env: (ws) => ({
      PATH: `${ws.bin}:${cli.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      GOOGLE_GEMINI_BASE_URL: api.url,
      [agentDefinition('gemini').credentials['api-key']]: API_KEY,
    }),
    timeoutMs: TIMEOUT_MS,
  });
  cleanups.push(() => run.ws.cleanup());
  return run;
}
