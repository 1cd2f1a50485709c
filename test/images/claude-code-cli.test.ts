// The real Claude Code CLI, at the version images/agents/claude-code.sh pins,
// run through the real entrypoint core against the Anthropic Messages API
// emulator on loopback. The CLI comes from npm into a cache directory
// (scripts/install-agent-cli.sh, which .ci/run calls); without it these
// tests are skipped and say so.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { imageDeclaration } from '../../lib/agents/image.js';
import { agentDefinition } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import { makeWorkspace, runProcess, TASK_BRANCH, type TestWorkspace } from '../capture/_workspace.js';
import { AnthropicEmulator } from '../emulators/anthropic.js';
import { EgressGuard } from '../emulators/egress-guard.js';
import { McpServer } from '../emulators/mcp.js';
import { COMMAND, EDITED, sessionEffects, TURN_USAGE } from './_agent-cli.js';
import { declarationOf, runImageEntrypoint } from './_entrypoint.js';

const declaration = imageDeclaration('claude-code');
const cache = process.env.KELOS_AGENT_CLI_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kelos-agent-clis');
const installDir = join(cache, `${declaration.npmPackage}@${declaration.version}`);
const bin = join(installDir, 'node_modules', '.bin');
const notInstalled = `Claude Code ${declaration.version} is not installed in ${installDir}: run scripts/install-agent-cli.sh claude-code`;
// Said once at collection too: the default reporter shows only a count of skipped tests.
if (!existsSync(join(bin, declaration.cli))) console.warn(`skipped: ${notInstalled}`);

const API_KEY = 'sk-ant-emulator';
const TIMEOUT_MS = 240_000;

/** The issue title of the probe: a --settings option whose SessionStart hook writes `marker`. */
const hostileTitle = (marker: string) => `--settings={"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"id > ${marker}"}]}]}}`;

/**
 * What the pod would give the CLI, pointed at the emulator: the credential
 * variable of the type, and the CLI's own switches for telemetry, error
 * reports, auto-update and other traffic turned off so that it talks to
 * nothing but the emulator. The image runs as UID 61100; a test running as
 * root says it is a sandbox, else the CLI refuses --dangerously-skip-permissions.
 */
function cliEnv(api: AnthropicEmulator, ws: TestWorkspace): Record<string, string> {
  return {
    // The workspace's fakes (kelos from this checkout, gh) first, then the CLI.
    PATH: `${ws.bin}:${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    ANTHROPIC_BASE_URL: api.url,
    [agentDefinition('claude-code').credentials['api-key']]: API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
  };
}

const AGENTS_MD_MARKER = 'kelos-agents-md-marker-7f3a';
const AGENTS_MD = `# Team rules\n\nSign every release note with ${AGENTS_MD_MARKER}.\n`;
const SKILL_BODY = 'Start every release note with kelos-skill-body-5c1e.';
const MCP_ANSWER = 'kelos-mcp-answer-91d2: the release is 1.2.3';
/** The session that uses the AgentConfig: the plugin's skill, then the MCP server's tool. */
const AGENT_CONFIG_TURNS = [
  { calls: [{ name: 'Skill', input: { skill: 'kelos-test:release-notes' } }] },
  { calls: [{ name: 'mcp__docs__lookup', input: { query: 'release' } }] },
  { text: 'The release notes are written.' },
];

/** A plugin as the controller materialises an AgentConfig's: `<plugin>/skills/<skill>/SKILL.md`. */
function writePlugin(root: string): void {
  const dir = join(root, 'kelos-test', 'skills', 'release-notes');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), `---\nname: release-notes\ndescription: How this team writes release notes.\n---\n\n${SKILL_BODY}\n`);
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`Claude Code ${declaration.version} through the entrypoint`, () => {
  it(
    'takes a hostile issue title as the user message: the hook it carries never runs',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [{ content: [{ type: 'text', text: 'There is nothing to change.' }], usage: { input_tokens: 42, output_tokens: 7 } }],
      });
      cleanups.push(() => api.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: (ws) => [hostileTitle(join(ws.root, 'hook-ran'))],
        env: (ws) => cliEnv(api, ws),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());
      const marker = join(run.ws.root, 'hook-ran');
      const title = hostileTitle(marker);

      expect(run.stderr).not.toContain('kelos: claude exited');
      expect(run.code).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(api.userTexts()).toContain(title);
      expect(api.remaining).toBe(0);
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ branch: TASK_BRANCH, 'input-tokens': '42', 'output-tokens': '7' });
      expect(outputs?.results['cost-usd']).toMatch(/^\d+(\.\d+)?(e-\d+)?$/);
    },
    TIMEOUT_MS,
  );

  it(
    'runs a scripted session: a shell command and an edit, its tokens and cost in the outputs, nothing outside loopback',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [
          {
            text: 'Looking at the branch first.',
            calls: [{ name: 'Bash', input: { command: COMMAND, description: 'Print the branch' } }],
            usage: TURN_USAGE[0],
          },
          // Claude Code edits only a file it has read in the session.
          { calls: [{ name: 'Read', input: { file_path: EDITED.file } }], usage: TURN_USAGE[1] },
          { calls: [{ name: 'Edit', input: { file_path: EDITED.file, old_string: EDITED.before, new_string: EDITED.after } }], usage: TURN_USAGE[2] },
          { text: 'The README is edited.', usage: { input: 4000, output: 400 } },
        ],
      });
      cleanups.push(() => api.close());
      const guard = await EgressGuard.start();
      cleanups.push(() => guard.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: ['Edit the README.'],
        env: (ws) => ({ ...cliEnv(api, ws), ...guard.env() }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      // The model calls came through the proxy: the CLI honours it, so nothing bypassed it.
      expect(guard.forwarded.length).toBeGreaterThan(0);
      expect(guard.refused).toEqual([]);
      expect(run.stderr).not.toContain('kelos: claude exited');
      expect(run.code).toBe(0);
      expect(api.remaining).toBe(0);
      expect(sessionEffects(run.ws)).toEqual({ commandRan: TASK_BRANCH, edited: `${EDITED.after}\n` });
      expect(api.toolExchanges().map((c) => [c.name, c.isError])).toEqual([
        ['Bash', false],
        ['Read', false],
        ['Edit', false],
      ]);
      // The result event carries the session's totals and its cost.
      const result = run.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type?: string; total_cost_usd?: number; usage?: { input_tokens: number; output_tokens: number } })
        .findLast((e) => e.type === 'result');
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({
        branch: TASK_BRANCH,
        'input-tokens': String(result?.usage?.input_tokens),
        'output-tokens': String(result?.usage?.output_tokens),
        'cost-usd': String(result?.total_cost_usd),
      });
      expect(Number(outputs?.results['output-tokens'])).toBeGreaterThanOrEqual(400);
    },
    TIMEOUT_MS,
  );

  it(
    'fails a run whose API key the model API refuses, saying the credentials are wrong',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: ['Edit the README.'],
        // 2.1.328 retries a 401 ten times over about three minutes by default.
        env: (ws) => ({ ...cliEnv(api, ws), [agentDefinition('claude-code').credentials['api-key']]: 'sk-ant-wrong', CLAUDE_CODE_MAX_RETRIES: '0' }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('the model API refused the credentials (HTTP 401 authentication_error)');
      expect(run.stderr).toContain("check the API key or OAuth token of the Task's credentials");
      expect(run.stderr).not.toContain('sk-ant-wrong');
      expect(api.requests.length).toBeGreaterThan(0);
      expect(api.requests.every((r) => r.answer === 'error')).toBe(true);
      expect(api.remaining).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    'retries a model API that answers 529 overloaded twice, then finishes the session with its tokens counted once',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({
        apiKey: API_KEY,
        turns: [
          { calls: [{ name: 'Bash', input: { command: COMMAND, description: 'Print the branch' } }], usage: TURN_USAGE[0] },
          { text: 'The branch is recorded.', usage: TURN_USAGE[1] },
        ],
      });
      cleanups.push(() => api.close());
      api.failNext(2);
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: ['Record the branch.'],
        env: (ws) => cliEnv(api, ws),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(run.stderr).not.toContain('kelos: claude exited');
      expect(run.code).toBe(0);
      expect(api.pendingFaults).toBe(0);
      expect(api.remaining).toBe(0);
      // The two 529s went to the first agent turn, which the CLI asked again.
      expect(api.agentRequests().map((r) => r.answer)).toEqual(['fault', 'fault', 0, 1]);
      expect(sessionEffects(run.ws).commandRan).toBe(TASK_BRANCH);
      // The refused requests carried no usage: only the two answered turns count.
      const outputs = parseOutputs(run.stdout.toString('utf8'));
      expect(outputs?.results).toMatchObject({ 'input-tokens': '3000', 'output-tokens': '300' });
    },
    TIMEOUT_MS,
  );

  it(
    'fails a run whose model API stays overloaded past the retries, saying the model API was overloaded',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: [{ text: 'Never reached.' }] });
      cleanups.push(() => api.close());
      api.failNext(100);
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: ['Edit the README.'],
        env: (ws) => ({ ...cliEnv(api, ws), CLAUDE_CODE_MAX_RETRIES: '1' }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());

      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('the model API was overloaded (HTTP 529 overloaded_error)');
      expect(run.stderr).toContain('the CLI gave up after its retries');
      // The first try and the one retry allowed, both refused.
      expect(api.requests.map((r) => r.answer)).toEqual(['fault', 'fault']);
      expect(api.remaining).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    'sees the AgentConfig: its AGENTS.md as user memory, its plugin skill through the Skill tool, its MCP server through an mcp__ tool',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const mcp = await McpServer.start({ tools: [{ name: 'lookup', description: 'Looks a term up in the team docs.', answer: MCP_ANSWER }] });
      cleanups.push(() => mcp.close());
      const api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: AGENT_CONFIG_TURNS });
      cleanups.push(() => api.close());
      const run = await runImageEntrypoint({
        declaration: declarationOf('claude-code'),
        args: ['Write the release notes.'],
        prepare: (ws) => writePlugin(join(ws.root, 'plugins')),
        env: (ws) => ({
          ...cliEnv(api, ws),
          KELOS_AGENTS_MD: AGENTS_MD,
          KELOS_PLUGIN_DIR: join(ws.root, 'plugins'),
          KELOS_MCP_SERVERS: JSON.stringify({ mcpServers: { docs: { type: 'http', url: mcp.url } } }),
          // MCP tools offered to the model directly, not deferred behind ToolSearch.
          ENABLE_TOOL_SEARCH: 'false',
        }),
        timeoutMs: TIMEOUT_MS,
      });
      cleanups.push(() => run.ws.cleanup());
      expect(run.stderr).not.toContain('kelos: claude exited');
      expect(run.code).toBe(0);
      expect(api.remaining).toBe(0);
      expect(api.requests.filter((r) => r.answer === 'error')).toEqual([]);
      // Claude Code gives the user memory (CLAUDE.md, from agentsMD) in the first user message, not in the system prompt.
      const memory = `Contents of ${join(run.ws.home, '.claude', 'CLAUDE.md')}`;
      expect(api.userTexts().some((t) => t.includes(memory) && t.includes(AGENTS_MD_MARKER))).toBe(true);
      // The Skill tool answers that it launched the plugin's skill; the skill's body follows as a user message.
      const exchanges = api.toolExchanges();
      expect(exchanges.map((c) => [c.name, c.isError, c.result])).toEqual([
        ['Skill', false, 'Launching skill: kelos-test:release-notes'],
        ['mcp__docs__lookup', false, MCP_ANSWER],
      ]);
      const skillDir = join(run.ws.root, 'plugins', 'kelos-test', 'skills', 'release-notes');
      expect(api.userTexts()).toContain(`Base directory for this skill: ${skillDir}\n\n${SKILL_BODY}\n`);
      // The call arrived at the MCP server over the Streamable HTTP transport.
      expect(mcp.methods).toEqual(expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/list', 'tools/call']));
      expect(mcp.calls).toEqual([{ name: 'lookup', arguments: { query: 'release' } }]);
    },
    TIMEOUT_MS,
  );

  it(
    'runs the hook when the same title follows -p as a bare argument, which is why the entrypoint passes it after --',
    async ({ expect, skip }) => {
      skip(!existsSync(join(bin, declaration.cli)), notInstalled);
      const api = await AnthropicEmulator.start({ apiKey: API_KEY, turns: [] });
      cleanups.push(() => api.close());
      const ws: TestWorkspace = makeWorkspace();
      cleanups.push(() => ws.cleanup());
      const marker = join(ws.root, 'hook-ran');
      await runProcess(declaration.cli, ['-p', hostileTitle(marker), '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'], {
        cwd: ws.repo,
        env: ws.env(cliEnv(api, ws)),
        timeoutMs: TIMEOUT_MS,
      });
      expect(existsSync(marker)).toBe(true);
    },
    TIMEOUT_MS,
  );
});
