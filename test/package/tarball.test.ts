// The package as users get it: `npm pack` of this checkout, installed offline
// (from the npm cache `npm ci` filled) into the project shapes kelos supports,
// each synthesised with `npx cdk8s synth`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listFiles } from '../../lib/render/output.js';
import { type Lock, projectLock } from './_lockfile.js';

const root = join(import.meta.dirname, '../..');
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;

/** Child processes see no npm settings of the run that started the tests, and npm never goes to the network. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k === 'KELOS_FROM_SOURCE' || k === 'NODE_OPTIONS' || k.startsWith('VITEST')) continue;
    e[k] = v;
  }
  if (process.env.npm_config_cache) e.npm_config_cache = process.env.npm_config_cache;
  return { ...e, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
}

function sh(cmd: string, args: string[], cwd: string): { code: number | null; stdout: string; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: env(), timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, out: `$ ${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}${r.error ?? ''}` };
}

/** Runs a command that must succeed; its stdout. */
function ok(cmd: string, args: string[], cwd: string): string {
  const r = sh(cmd, args, cwd);
  expect(r.code, r.out).toBe(0);
  return r.stdout;
}

/** The kelos dependency of a shape: the packed tarball. */
const kelosDep = () => `file:../${basename(tarball)}`;

const base = mkdtempSync(join(tmpdir(), 'kelos-package-'));
let tarball = '';

/** Writes a project, its lock cut from this repository's, and installs it offline. */
function project(name: string, files: Record<string, string>, kelosTarball = tarball): string {
  const dir = join(base, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const pkg = JSON.parse(files['package.json']);
  const manifest = JSON.parse(ok('tar', ['-xzOf', kelosTarball, 'package/package.json'], base));
  const lock = projectLock(pkg.name, pkg, repoLock, { path: relative(dir, kelosTarball), file: kelosTarball, manifest });
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
  ok('npm', ['ci', '--offline'], dir);
  return dir;
}

/** `npx cdk8s synth` as a user runs it (without cdk8s-cli's upgrade check, which asks the registry). */
function cdk8sSynth(dir: string): string[] {
  ok('npx', ['cdk8s', 'synth', '--no-check-upgrade'], dir);
  return listFiles(join(dir, 'dist'));
}

const PIPELINE_FILES = [
  'agents/Deployment.issue-worker-spawner.yaml',
  'agents/Namespace.agents.yaml',
  'agents/Role.issue-worker-spawner.yaml',
  'agents/RoleBinding.issue-worker-spawner.yaml',
  'agents/ServiceAccount.issue-worker-spawner.yaml',
  'agents/Task.hello.yaml',
  'agents/TaskSpawner.issue-worker.yaml',
  'agents/Workspace.app.yaml',
];

/** The same small pipeline in each shape; `k` names the kelos module, `c` cdk8s's. */
const pipeline = (k: string, c: string) => `
const app = new ${k}.KelosApp();
const chart = new ${c}.Chart(app, 'agents', { namespace: 'agents' });
const repo = new ${k}.Workspace(chart, 'app', { repo: 'https://github.com/acme/app.git', secret: { name: 'github-token' } });
const credentials = ${k}.Credentials.apiKey({ name: 'anthropic' });
new ${k}.Task(chart, 'hello', { type: ${k}.AgentType.CLAUDE_CODE, credentials, workspace: repo, prompt: 'Say hello' });
new ${k}.Spawner(chart, 'issue-worker', {
  type: ${k}.AgentType.CLAUDE_CODE,
  credentials,
  workspace: repo,
  when: ${k}.When.githubIssues({ labels: ['bug'] }),
  promptTemplate: 'Fix #{{.Number}}: {{.Title}}',
});
app.synth();
`;

const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
const deps = { cdk8s: own.devDependencies.cdk8s, constructs: own.devDependencies.constructs };
const dev = { 'cdk8s-cli': own.devDependencies['cdk8s-cli'] };

describe('the kelos package from npm pack', () => {
  beforeAll(() => {
    // Packed from a copy, so the build (prepack) leaves nothing in the checkout.
    const src = join(base, 'src');
    for (const p of [
      'package.json',
      'package-lock.json',
      'README.md',
      'tsconfig.json',
      'tsconfig.build.json',
      'bin',
      'cli',
      'lib',
      'constructs',
      'docs',
      'scripts',
    ]) {
      cpSync(join(root, p), join(src, p), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
    ok('npm', ['pack', '--pack-destination', base], src);
    tarball = join(base, readdirSync(base).find((f) => f.endsWith('.tgz'))!);
  }, 900_000);

  afterAll(() => rmSync(base, { recursive: true, force: true }), 300_000);

  it('holds compiled JavaScript and self-contained declarations, not TypeScript sources', () => {
    const files = ok('tar', ['-tzf', tarball], base).split('\n').filter(Boolean);
    expect(files).toContain('package/build/constructs/index.js');
    expect(files).toContain('package/build/constructs/index.d.ts');
    expect(files).toContain('package/build/cli/main.js');
    expect(files).toContain('package/bin/kelos.mjs');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const index = ok('tar', ['-xzOf', tarball, 'package/build/lib/api/shared.d.ts'], base);
    expect(index).not.toContain('@kubernetes/client-node');
    const manifest = JSON.parse(ok('tar', ['-xzOf', tarball, 'package/package.json'], base));
    expect(manifest.exports['.']).toEqual({ types: './build/constructs/index.d.ts', default: './build/constructs/index.js' });
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['cdk8s', 'constructs', 'tsx']);
    expect(manifest.dependencies.cdk8s).toBeUndefined();
  }, 600_000);

  let esm = '';
  it('works in a plain ESM project: import, the CLI without tsx, npx cdk8s synth', () => {
    esm = project('esm', {
      'package.json': json({
        name: 'esm',
        version: '1.0.0',
        private: true,
        type: 'module',
        dependencies: { ...deps, kelos: kelosDep() },
        devDependencies: dev,
      }),
      'cdk8s.yaml': 'language: typescript\napp: node main.js\noutput: dist\n',
      'main.js': `import * as cdk8s from 'cdk8s';\nimport * as kelos from 'kelos';\n${pipeline('kelos', 'cdk8s')}`,
    });
    expect(existsSync(join(esm, 'node_modules/tsx'))).toBe(false);
    expect(ok('npx', ['kelos', '--version'], esm)).toBe(`${own.version}\n`);
    expect(ok('npx', ['kelos', '--help'], esm)).toContain('Usage: kelos');
    expect(cdk8sSynth(esm)).toEqual(PIPELINE_FILES);
  }, 600_000);

  it('works in a CommonJS project: require, npx cdk8s synth, kelos synth', () => {
    const dir = project('cjs', {
      'package.json': json({ name: 'cjs', version: '1.0.0', private: true, dependencies: { ...deps, kelos: kelosDep() }, devDependencies: dev }),
      'cdk8s.yaml': 'language: typescript\napp: node main.js\noutput: dist\n',
      'main.js': `const cdk8s = require('cdk8s');\nconst kelos = require('kelos');\n${pipeline('kelos', 'cdk8s')}`,
    });
    expect(cdk8sSynth(dir)).toEqual(PIPELINE_FILES);
    rmSync(join(dir, 'dist'), { recursive: true });
    ok('npx', ['kelos', 'synth'], dir);
    expect(listFiles(join(dir, 'dist'))).toEqual(PIPELINE_FILES);
  }, 600_000);

  it("works in a `cdk8s init typescript-app` project: the template's tsconfig compiles, ts-node synthesises", () => {
    const template = join(root, 'node_modules/cdk8s-cli/templates/typescript-app');
    const tpl = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
    // The template's package.json and tsconfig.json as `cdk8s init` writes them, with the versions this
    // repository locks (jest and cdk8s-plus are left out: the template's test and its constructs are not ours).
    const dir = project('typescript-app', {
      'package.json': json({
        ...tpl,
        name: 'typescript-app',
        dependencies: { ...deps, kelos: kelosDep() },
        devDependencies: {
          ...dev,
          '@types/node': own.devDependencies['@types/node'],
          typescript: own.devDependencies.typescript,
          'ts-node': own.devDependencies['ts-node'],
        },
      }),
      'tsconfig.json': readFileSync(join(template, 'tsconfig.json'), 'utf8'),
      'cdk8s.yaml': readFileSync(join(template, 'cdk8s.yaml'), 'utf8'),
      'main.ts': [
        "import { Construct } from 'constructs';",
        "import { App, Chart, ChartProps } from 'cdk8s';",
        "import * as kelos from 'kelos';",
        '',
        'export class MyChart extends Chart {',
        '  constructor(scope: Construct, id: string, props: ChartProps = { }) {',
        '    super(scope, id, props);',
        "    new kelos.Task(this, 'hello', { type: kelos.AgentType.CODEX, credentials: kelos.Credentials.oauth({ name: 'codex' }), prompt: 'Say hello' });",
        '  }',
        '}',
        '',
        'const app: App = new kelos.KelosApp();',
        "new MyChart(app, 'typescript-app', { namespace: 'agents' });",
        'app.synth();',
        '',
      ].join('\n'),
    });
    expect(tpl.scripts.compile).toBe('tsc --build');
    ok('npm', ['run', 'compile'], dir);
    expect(cdk8sSynth(dir)).toEqual(['typescript-app/Namespace.agents.yaml', 'typescript-app/Task.hello.yaml']);
  }, 600_000);

  it('works as the `kelos init --project` scaffold: its tarball, its CI steps, npx cdk8s synth', () => {
    // The installed kelos scaffolds the project and packs itself into vendor/.
    const dir = join(base, 'scaffold');
    ok('node', [join(esm, 'node_modules/kelos/bin/kelos.mjs'), 'init', '--project', dir], base);
    const vendored = `vendor/kelos-${own.version}.tgz`;
    expect(readdirSync(join(dir, 'vendor'))).toEqual([`kelos-${own.version}.tgz`]);
    const files = Object.fromEntries(
      listFiles(dir)
        .filter((f) => !f.startsWith('vendor/'))
        .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
    const pkg = JSON.parse(files['package.json']);
    expect(pkg.dependencies.kelos).toBe(`file:${vendored}`);
    expect(pkg.devDependencies['cdk8s-cli']).toBe(own.devDependencies['cdk8s-cli']);
    project('scaffold', files, join(dir, vendored));

    expect(cdk8sSynth(dir)).toEqual([
      'agents/Deployment.issue-worker-spawner.yaml',
      'agents/Namespace.agents.yaml',
      'agents/Role.issue-worker-spawner.yaml',
      'agents/RoleBinding.issue-worker-spawner.yaml',
      'agents/ServiceAccount.issue-worker-spawner.yaml',
      'agents/TaskSpawner.issue-worker.yaml',
      'agents/Workspace.my-repo.yaml',
    ]);
    const spawner = parse(readFileSync(join(dir, 'dist/agents/TaskSpawner.issue-worker.yaml'), 'utf8'));
    expect(spawner.spec.when.githubIssues).toEqual({ labels: ['kelos'], state: 'open' });
    // What its CI workflow runs.
    for (const step of [
      ['npm', 'run', 'typecheck'],
      ['npx', 'kelos', 'check'],
      ['npx', 'kelos', 'validate', 'dist'],
    ]) {
      ok(step[0], step.slice(1), dir);
    }
    writeFileSync(join(dir, 'dist/agents/Workspace.my-repo.yaml'), 'edited: by hand\n');
    expect(sh('npx', ['kelos', 'check'], dir).code).toBe(1);
  }, 600_000);
});
