// A sixth agent type, added the way the registry's doc says: its module
// (custom-agent.ts), its image declaration (custom-agent.sh) and these tests.
// Every reader of the registry then handles it, in process and through the
// `kelos` CLI the entrypoint core calls.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgentLog } from '../../cli/ops/log-format.js';
import { readImageDeclaration } from '../../lib/agents/image.js';
import { AGENT_TYPES, agentDefinition, isAgentType, knownAgentTypes, registerAgent } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import type { Task, TaskSpec } from '../../lib/api/task.js';
import { configureAgent } from '../../lib/capture/agent-config.js';
import { runCapture } from '../../lib/capture/capture.js';
import { taskJob } from '../../lib/render/job.js';
import { makeWorkspace, ROOT, STREAMS, TASK_BRANCH, type TestWorkspace } from '../capture/_workspace.js';
import { runImageEntrypoint } from '../images/_entrypoint.js';
import { installCli } from '../images/_install-cli.js';
import { custom } from './custom-agent.js';

const DECLARATION = join(import.meta.dirname, 'custom-agent.sh');
const STREAM = join(STREAMS, 'custom.jsonl');
/** `kelos` with the custom type registered, for the entrypoint core to call. */
const KELOS = `#!/bin/sh\nexec node ${JSON.stringify(join(ROOT, 'test', 'agents', 'kelos-with-custom.mjs'))} "$@"\n`;

beforeAll(() => registerAgent(custom));

describe('the registry, with the custom type registered', () => {
  it('knows it beside the built-in types, while the API enum stays as it is', () => {
    expect(agentDefinition('custom')).toBe(custom);
    expect(knownAgentTypes()).toEqual([...AGENT_TYPES, 'custom']);
    expect(isAgentType('custom')).toBe(false);
  });

  it('fails when a type is registered twice or has a name the API could not hold', () => {
    expect(() => registerAgent(custom)).toThrow('agent type "custom" is already defined');
    expect(() => registerAgent({ ...custom, type: 'Custom Agent' })).toThrow(
      `agent type "Custom Agent" must be lowercase letters, digits and '-', starting with a letter`,
    );
  });
});

describe('the custom type through each reader of the registry', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = makeWorkspace();
  });
  afterAll(() => ws.cleanup());

  it('kelos capture reads its token usage and fails a stream without its final event', async () => {
    const run = async (stream: string) => {
      const output = new PassThrough();
      const chunks: Buffer[] = [];
      output.on('data', (b: Buffer) => chunks.push(b));
      const errors = new PassThrough();
      let err = '';
      errors.on('data', (b: Buffer) => (err += b.toString('utf8')));
      const code = await runCapture({
        input: PassThrough.from([stream]),
        output,
        errors,
        agentType: 'custom',
        cwd: ws.repo,
        env: ws.env(),
      });
      return { code, out: Buffer.concat(chunks).toString('utf8'), err };
    };
    const done = await run(readFileSync(STREAM, 'utf8'));
    expect(done.code).toBe(0);
    expect(parseOutputs(done.out)?.results).toMatchObject({ branch: TASK_BRANCH, 'input-tokens': '321', 'output-tokens': '45' });
    const cut = await run('{"type":"message","text":"Looking."}\n');
    expect(cut.code).toBe(1);
    expect(cut.err).toContain('the custom-agent stream ended without a done event');
  });

  it('kelos logs formats its stream', () => {
    const printed = formatAgentLog('custom', readFileSync(STREAM, 'utf8'));
    expect(printed).toEqual([
      { stream: 'stdout', text: 'Looking at the failing test.' },
      { stream: 'stderr', text: '[tool] bash: npm test' },
      { stream: 'stdout', text: 'Fixed the date check.' },
      { stream: 'stderr', text: '[result] completed' },
    ]);
  });

  it('kelos agent-config writes instructions, skills and MCP servers where its layout says', () => {
    const home = join(ws.root, 'config-home');
    const plugins = join(ws.root, 'config-plugins');
    mkdirSync(join(plugins, 'ops', 'skills', 'deploy'), { recursive: true });
    writeFileSync(join(plugins, 'ops', 'skills', 'deploy', 'SKILL.md'), '---\nname: deploy\n---\nRun make deploy.\n');
    const written = configureAgent({
      agent: custom,
      env: {
        KELOS_AGENTS_MD: '# Rules\n',
        KELOS_PLUGIN_DIR: plugins,
        KELOS_MCP_SERVERS: '{"mcpServers":{"gh":{"command":"github-mcp","args":["stdio"]}}}',
      },
      home,
      cwd: ws.repo,
      log: () => {},
      warn: () => {},
    });
    const dir = join(home, '.custom-agent');
    expect(written).toEqual([join(dir, 'INSTRUCTIONS.md'), join(dir, 'skills', 'deploy'), join(dir, 'mcp.json')]);
    expect(readFileSync(join(dir, 'INSTRUCTIONS.md'), 'utf8')).toBe('# Rules\n');
    expect(JSON.parse(readFileSync(join(dir, 'mcp.json'), 'utf8'))).toEqual({ servers: { gh: { run: ['github-mcp', 'stdio'] } } });
  });

  it("the renderer gives its Job the type's credential variable and default image", () => {
    const task: Task = {
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'fix-bug', namespace: 'team-a', uid: 'uid-1' },
      // The API would refuse the type until it joins the registry's list; the renderer does not care.
      spec: { type: 'custom', prompt: 'Fix the bug', credentials: { type: 'api-key', secretRef: { name: 'creds' } } } as unknown as TaskSpec,
    };
    const agent = taskJob({ task }).spec!.template.spec!.containers[0];
    expect(agent.image).toBe('ghcr.io/kelos-test/custom-agent:1.2.3');
    expect(agent.env).toContainEqual({ name: 'KELOS_AGENT_TYPE', value: 'custom' });
    expect(agent.env).toContainEqual({ name: 'CUSTOM_AGENT_API_KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'CUSTOM_AGENT_API_KEY' } } });
  });
});

describe('the custom image declaration', () => {
  it('agrees with the module and installs the pinned CLI through the image build step', async () => {
    const declaration = readImageDeclaration(DECLARATION);
    expect(declaration).toMatchObject({ type: 'custom', cli: 'custom-agent', npmPackage: '@kelos-test/custom-agent', version: '1.2.3' });
    expect(declaration.cli).toBe(custom.cli.command);
    expect(declaration.npmPackage).toBe(custom.cli.npmPackage);
    const install = await installCli(DECLARATION);
    expect(install.code, install.stderr).toBe(0);
    expect(install.calls[0]).toEqual(['npm', 'install', '-g', '@kelos-test/custom-agent@1.2.3']);
  });

  it('runs under the entrypoint core: flags, the prompt as the value of --task=, configuration and outputs', async () => {
    const prompt = '--settings={"hooks":{}}\n$(id)';
    const run = await runImageEntrypoint({
      declaration: DECLARATION,
      cli: 'custom-agent',
      stream: STREAM,
      args: [prompt],
      kelos: { script: KELOS },
      env: { KELOS_MODEL: 'big', KELOS_EFFORT: 'high', KELOS_AGENTS_MD: '# Rules\n' },
    });
    try {
      expect(run.stderr).not.toMatch(/Error|warning/);
      expect(run.code).toBe(0);
      expect(run.argv).toEqual(['run', '--jsonl', '--no-confirm', '--model', 'big', '--reasoning', 'high', `--task=${prompt}`]);
      expect(run.stdin).toBe('');
      expect(run.agentEnv.KELOS_AGENT_TYPE).toBe('custom');
      expect(readFileSync(run.home('.custom-agent', 'INSTRUCTIONS.md'), 'utf8')).toBe('# Rules\n');
      expect(parseOutputs(run.stdout.toString('utf8'))?.results).toMatchObject({ 'input-tokens': '321', 'output-tokens': '45' });
    } finally {
      run.ws.cleanup();
    }
  });
});
