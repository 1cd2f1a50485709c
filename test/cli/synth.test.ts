// The synth, check and validate commands, run as the user runs them.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../../lib/render/output.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/kelos.mjs');

function kelos(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, KELOS_FROM_SOURCE: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A throwaway pipelines project that imports this checkout's constructs. */
function project(main: string): string {
  // Inside the checkout, so the project resolves cdk8s from its node_modules.
  mkdirSync(join(root, '.kelos-test'), { recursive: true });
  const dir = mkdtempSync(join(root, '.kelos-test', 'proj-'));
  mkdirSync(join(dir, 'pipelines'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx tsx pipelines/main.ts\noutput: dist\n');
  writeFileSync(join(dir, 'pipelines/main.ts'), main.replaceAll('KELOS', join(root, 'constructs/index.js')));
  return dir;
}

const GOOD = `
import { Chart } from 'cdk8s';
import { KelosApp, Task, AgentType, Credentials } from 'KELOS';
const app = new KelosApp();
const chart = new Chart(app, 'team', { namespace: 'team' });
new Task(chart, 'hello', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), prompt: 'hi' });
app.synth();
`;

describe('kelos synth / check', () => {
  it('renders a project into dist/ and check finds it current', () => {
    const dir = project(GOOD);
    const s = kelos(['synth'], dir);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(listFiles(join(dir, 'dist'))).toEqual(['team/Namespace.team.yaml', 'team/Task.hello.yaml']);
    const c = kelos(['check'], dir);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('dist/ is up to date (2 files)');
  });

  it('check fails on drift and names the differing files', () => {
    const dir = project(GOOD);
    expect(kelos(['synth'], dir).code).toBe(0);
    writeFileSync(join(dir, 'dist/team/Task.hello.yaml'), 'edited by hand\n');
    writeFileSync(join(dir, 'dist/team/Task.extra.yaml'), 'stale\n');
    const c = kelos(['check'], dir);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('2 files differ');
    expect(c.stderr).toContain('changed:  dist/team/Task.hello.yaml');
    expect(c.stderr).toContain('stale:    dist/team/Task.extra.yaml');
  });

  it('a failing synth prints the problem and writes nothing', () => {
    const dir = project(GOOD.replace("prompt: 'hi' }", "prompt: 'hi', podOverrides: { activeDeadlineSeconds: 0 } }"));
    mkdirSync(join(dir, 'dist/team'), { recursive: true });
    writeFileSync(join(dir, 'dist/team/Task.hello.yaml'), 'previous\n');
    const s = kelos(['synth'], dir);
    expect(s.code).toBe(1);
    expect(s.stderr).toBe(`Error: team/hello: 'podOverrides.activeDeadlineSeconds' must be an integer >= 1, got 0\n`);
    expect(readFileSync(join(dir, 'dist/team/Task.hello.yaml'), 'utf8')).toBe('previous\n');
    expect(listFiles(join(dir, 'dist'))).toEqual(['team/Task.hello.yaml']);
  });
});

describe('kelos synth -o DIR', () => {
  it('keeps files in DIR it did not write, and never writes through a symbolic link out of DIR', () => {
    const dir = project(GOOD);
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'README.md'), 'mine\n');
    expect(kelos(['synth', '-o', 'out'], dir).code).toBe(0);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('mine\n');
    expect(listFiles(out)).toEqual(['README.md', 'team/Namespace.team.yaml', 'team/Task.hello.yaml']);

    const outside = mkdtempSync(join(tmpdir(), 'kelos-outside-'));
    writeFileSync(join(outside, 'keep.txt'), 'outside\n');
    rmSync(join(out, 'team'), { recursive: true });
    symlinkSync(outside, join(out, 'team'));
    const s = kelos(['synth', '-o', 'out'], dir);
    expect(s.code).toBe(1);
    expect(s.stderr).toBe(
      `Error: ${join(realpathSync(out), 'team')} is a symbolic link; kelos synth does not write through symbolic links: remove it or choose another output folder\n`,
    );
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('mine\n');
  });
});

describe('npx cdk8s synth', () => {
  it('renders the same dist/ as kelos synth', () => {
    const out = mkdtempSync(join(tmpdir(), 'kelos-cdk8s-'));
    const r = spawnSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const files = listFiles(out);
    expect(files).toEqual(listFiles(join(root, 'dist')));
    for (const f of files) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(root, 'dist', f), 'utf8'));
  }, 120_000);
});

describe('kelos validate', () => {
  it('accepts the valid fixtures', () => {
    const r = kelos(['validate', join(root, 'test/fixtures/manifests')]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('18 kelos objects checked, 0 errors');
    expect(r.code).toBe(0);
  });

  it('prints file:document: path: message for each error and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-val-'));
    cpSync(join(root, 'test/fixtures/manifests/spawners.yaml'), join(dir, 'good.yaml'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\ndata: {a: b}',
        'apiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata: {name: t}\nspec: {type: claude-code, prompt: p, credentials: {type: api-key}}',
        'apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata: {name: w}\nspec: {repo: "ftp://x", remotes: [{name: origin, url: "https://x.io/a.git"}]}',
      ].join('\n---\n'),
    );
    const r = kelos(['validate', dir], dir);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      'bad.yaml:2: Task/t: spec.credentials: Invalid value: secretRef is required for api-key and oauth credential types',
      `bad.yaml:3: Workspace/w: spec.repo: Invalid value: "ftp://x": spec.repo in body should match '^(https?://|git://|git@).*'`,
      `bad.yaml:3: Workspace/w: spec.remotes: Invalid value: remote name 'origin' is reserved for the clone source`,
    ]);
    expect(r.stderr).toContain('6 kelos objects checked, 3 errors');
  });

  it('names a missing path in one line', () => {
    const r = kelos(['validate', '/nonexistent/x.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: /nonexistent/x.yaml: no such file or directory\n');
  });
});
