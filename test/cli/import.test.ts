// kelos import: Kelos YAML → a pipeline file that synthesises back to the
// same custom resources (compared after normalising defaults), for fixtures
// modelled on the Kelos examples (01–13), the seven self-development spawners,
// and the webhook-driven self-development spawners of Kelos v0.39.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KelosApp } from '../../constructs/index.js';
import { type ImportResult, importManifests, parseManifests, type SourceObject } from '../../lib/import/import.js';
import { normaliseAll } from '../../lib/import/normalise.js';
import { listFiles } from '../../lib/render/output.js';
import { kelos, root } from './_kelos.js';

const fixtures = join(import.meta.dirname, '../fixtures/import');

function read(dir: string): SourceObject[] {
  const files = existsSync(join(fixtures, dir)) && !dir.endsWith('.yaml') ? listFiles(join(fixtures, dir)).map((f) => join(dir, f)) : [dir];
  return files.flatMap((f) => parseManifests(readFileSync(join(fixtures, f), 'utf8'), f));
}

// Generated files live inside the checkout, so 'cdk8s' resolves from its node_modules.
mkdirSync(join(root, '.kelos-test'), { recursive: true });
const work = mkdtempSync(join(root, '.kelos-test', 'import-'));

interface RoundTrip {
  result: ImportResult;
  file: string;
  input: Map<string, unknown>;
  output: Map<string, unknown>;
}

/** Imports a fixture, loads the generated module, synthesises its charts in memory. */
async function roundTrip(name: string): Promise<RoundTrip> {
  const objects = read(name);
  const file = join(work, `${name.replace(/\W+/g, '-')}.ts`);
  const from = relative(dirname(file), join(root, 'constructs/index.js'));
  const result = importManifests(objects, { from });
  writeFileSync(file, result.code);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, new (scope: KelosApp, id: string) => unknown>;
  const app = new KelosApp({ outdir: join(work, 'unused') });
  for (const c of result.charts) new mod[c.className]!(app, c.id);
  const rendered = app.render().map((f) => parse(f.content));
  return { result, file, input: normaliseAll(objects.map((o) => o.object)), output: normaliseAll(rendered) };
}

const SECRET_VALUES = ['sk-ant-placeholder', 'oauth-placeholder', 'ghp_placeholder', 'cGxhY2Vob2xkZXI=', 'placeholder-oauth-token', 'Z2hwX3NlY3JldA=='];

describe('kelos import round trip', () => {
  let examples: RoundTrip;
  let selfDev: RoundTrip;
  let features: RoundTrip;
  let webhooks: RoundTrip;
  beforeAll(async () => {
    examples = await roundTrip('examples');
    selfDev = await roundTrip('self-development');
    features = await roundTrip('features');
    webhooks = await roundTrip('self-development-webhooks');
  });

  it('gives the Kelos examples back unchanged', () => {
    expect(examples.input.size).toBe(23);
    expect([...examples.output.keys()].sort()).toEqual([...examples.input.keys()].sort());
    expect(examples.output).toEqual(examples.input);
  });

  it('gives the seven self-development spawners back unchanged', () => {
    const spawners = [...selfDev.input.keys()].filter((k) => k.startsWith('TaskSpawner/'));
    expect(spawners).toHaveLength(7);
    expect(selfDev.output).toEqual(selfDev.input);
  });

  it('gives the webhook, reporting, filePatterns, contextSources and extra container fields back unchanged', () => {
    const spawners = [...webhooks.input.keys()].filter((k) => k.startsWith('TaskSpawner/'));
    expect(spawners).toHaveLength(6);
    expect(webhooks.output).toEqual(webhooks.input);
    expect(webhooks.result.notes).toEqual([]);
    const code = webhooks.result.code;
    expect(code).toContain('when: When.githubWebhook({');
    expect(code).toContain('reporting: { enabled: true, checks: {} },');
    expect(code).toContain('timeout: Duration.seconds(5),');
    expect(code).toContain("volumes: [{ name: 'scratch', emptyDir: {} }],");
    // A Check Run with the default name survives the trip: `checks: {}` is not dropped as empty.
    expect((webhooks.output.get('TaskSpawner/default/kelos-pr-responder') as any).spec.when.githubWebhook.reporting).toEqual({ enabled: true, checks: {} });
    expect((webhooks.output.get('TaskSpawner/default/kelos-image-update') as any).spec.taskTemplate.podOverrides.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
    ]);
  });

  it('gives every supported field back unchanged, across two namespaces', () => {
    expect(features.result.charts.map((c) => c.className)).toEqual(['TeamA', 'TeamB']);
    expect(features.output).toEqual(features.input);
  });

  it('declares shared objects once and references them', () => {
    const code = selfDev.result.code;
    expect(code.match(/new Workspace\(/g)).toHaveLength(1);
    expect(code).toContain("const kelosAgent = new Workspace(this, 'kelos-agent', {");
    expect(code).toContain('      workspace: kelosAgent,\n');
    expect(code).toContain("const kelosCredentials = Credentials.oauth({ name: 'kelos-credentials' });");
    expect(code).toContain('const common: TaskTemplateProps = {');
    expect(code.match(/resources: \{/g)).toHaveLength(1); // pod overrides written once
    expect(code.match(/new Spawner\(this, /g)).toHaveLength(7);
    expect(code.match(/\.\.\.common,/g)).toHaveLength(7);
    expect(code).toContain('agents: [kelosDevAgent]');
    expect(examples.result.code.match(/new Workspace\(this, 'my-workspace'/g)).toHaveLength(1);
    expect(examples.result.code).toContain("const claudeOauthToken = Credentials.oauth({ name: 'claude-oauth-token' });");
    expect(examples.result.code).toContain('dependsOn: [scaffold]');
  });

  it('never copies Secret values, and says where each Secret is referenced', () => {
    // unsupported.yaml holds a Secret with `data` (base64) as well.
    for (const code of [examples.result.code, selfDev.result.code, importManifests(read('unsupported.yaml')).code]) {
      for (const v of SECRET_VALUES) expect(code).not.toContain(v);
      expect(code).not.toMatch(/kind: 'Secret'|new Secret|stringData/);
    }
    const secretNotes = examples.result.notes.filter((n) => n.object.startsWith('Secret/'));
    expect(secretNotes.length).toBeGreaterThan(0);
    expect(secretNotes[0]!.message).toMatch(/^Secrets are referenced by name, never copied: create it in the cluster \(keys ANTHROPIC_API_KEY\)/);
    // Apart from Secrets, the examples import without a word.
    expect(examples.result.notes.filter((n) => !n.object.startsWith('Secret/'))).toEqual([]);
    expect(features.result.notes.map((n) => n.message)).toEqual([
      'Workspace "shared-repo" is not in the input: referenced by name (its Secret is unknown here: pass it as fromName\'s secretName so spawners may read it)',
      'AgentConfig "shared-agent" is not in the input: referenced by name',
      'Task "migrate" is not in the input: referenced by name',
    ]);
  });

  it('gives a name that two kinds share distinct construct ids', () => {
    const code = features.result.code;
    expect(code).toContain("new Workspace(this, 'reviewer-workspace', {\n      name: 'reviewer',");
    expect(code).toContain("new Agent(this, 'reviewer-agentconfig', {\n      name: 'reviewer',");
  });

  it('writes files that typecheck', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--resolveJsonModule',
        '--types',
        'node',
        examples.file,
        selfDev.file,
        features.file,
        webhooks.file,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('kelos import reports', () => {
  it('every field, object and value it could not carry over', () => {
    const { notes, imported } = importManifests(read('unsupported.yaml'));
    expect(imported).toBe(2);
    const lines = notes.map((n) => `${n.object}: ${n.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Task/odd-task: spec.priority is not supported by the constructs: not imported',
        'Task/odd-task: metadata.finalizers is not supported by the constructs: not imported',
        'Task/odd-task: spec.credentials.secretRef is not supported by the constructs: not imported',
        'Task/odd-task: annotation kubectl.kubernetes.io/last-applied-configuration was dropped',
        'Task/odd-task: invalid in the input: spec.priority: unknown field "spec.priority"',
        'AgentConfig/odd-agent: plugin "p" has skills "s" twice: only the first was imported',
        'AgentConfig/odd-agent: spec.mcpServers[0].url is not supported by the constructs: not imported',
        'AgentConfig/odd-agent: MCP server "weird" has type "websocket", not stdio, http or sse: not imported',
        'Secret/token: Secrets are referenced by name, never copied: create it in the cluster (keys GITHUB_TOKEN), its values were not imported',
        'ConfigMap/settings: v1 ConfigMap is not a kelos.dev kind: not imported',
        'Task/future-task: apiVersion kelos.dev/v1alpha2 is not kelos.dev/v1alpha1: not imported',
      ]),
    );
    // Server-written fields (status, uid, resourceVersion) are not worth a note.
    expect(lines.join('\n')).not.toMatch(/status|resourceVersion|uid/);
  });
});

describe('kelos import (the command)', () => {
  it('writes the pipeline file, lists its notes and says how to add it to the app', async () => {
    const out = join(work, 'cmd', 'imported.ts');
    const r = await kelos(['import', join(fixtures, 'examples'), '-o', out, '--class-name', 'KelosExamples']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toContain('export class KelosExamples extends Chart {');
    expect(r.stderr).toContain('Secret/github-token: Secrets are referenced by name, never copied');
    expect(r.stderr).toContain('Imported 23 objects into');
    expect(r.stderr).toContain("new KelosExamples(app, 'imported')");
    const again = await kelos(['import', join(fixtures, 'examples'), '-o', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`Error: ${out} exists: choose another --output, or pass --force to replace it\n`);
  });

  it('writes a runnable app with --main, to stdout', async () => {
    const r = await kelos(['import', join(fixtures, 'examples/01-simple-task'), '--main']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/const app = new KelosApp\(\);\nnew Imported\(app, 'imported'\);\napp\.synth\(\);\n$/);
  });

  it('fails when there is nothing to import', async () => {
    const dir = mkdtempSync(join(work, 'empty-'));
    writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    const r = await kelos(['import', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ConfigMap/x: v1 ConfigMap is not a kelos.dev kind: not imported\n');
    expect(r.stderr).toContain(`Error: no Tasks, TaskSpawners, Workspaces or AgentConfigs found in ${dir}\n`);
    const missing = await kelos(['import', join(dir, 'nope')]);
    expect(missing.stderr).toBe(`Error: ${join(dir, 'nope')}: no such file or directory\n`);
  });
});
