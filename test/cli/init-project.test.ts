// kelos init --project scaffolds a pipelines repository. That it installs and
// synthesises from the packed kelos is tested in test/package/tarball.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listFiles } from '../../lib/render/output.js';
import { kelos, root } from './_kelos.js';

const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('kelos init --project', () => {
  const base = mkdtempSync(join(tmpdir(), 'kelos-project-'));
  const dir = join(base, 'team-agents');
  let created: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    created = await kelos(['init', '--project', dir, '--kelos', `^${own.version}`]);
  });

  it('writes the project files and the next steps', () => {
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(listFiles(dir)).toEqual([
      '.gitattributes',
      '.github/workflows/kelos.yaml',
      '.gitignore',
      'README.md',
      'cdk8s.yaml',
      'package.json',
      'pipelines/main.ts',
      'tsconfig.json',
    ]);
    expect(created.stdout).toContain(`Next: cd ${dir} && npm install && npm run synth`);
  });

  it('depends on kelos, the cdk8s and constructs versions kelos is tested with, and the tools that synthesise', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('team-agents');
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toEqual({ kelos: `^${own.version}`, cdk8s: own.devDependencies.cdk8s, constructs: own.devDependencies.constructs });
    expect(pkg.devDependencies).toEqual({
      '@types/node': own.devDependencies['@types/node'],
      'cdk8s-cli': own.devDependencies['cdk8s-cli'],
      tsx: own.devDependencies.tsx,
      typescript: own.devDependencies.typescript,
    });
    expect(pkg.scripts.synth).toBe('kelos synth');
    expect(pkg.scripts.check).toBe('kelos check');
  });

  it('has a CI workflow that synthesises and fails on drift, and ignores node_modules', () => {
    const wf = parse(readFileSync(join(dir, '.github/workflows/kelos.yaml'), 'utf8'));
    const runs = wf.jobs.pipelines.steps.map((s: { run?: string }) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm ci', 'npm run typecheck', 'npx kelos check', 'npx kelos validate dist']);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n');
    expect(parse(readFileSync(join(dir, 'cdk8s.yaml'), 'utf8'))).toEqual({ language: 'typescript', app: 'npx tsx pipelines/main.ts', output: 'dist' });
  });

  it('refuses a non-empty directory unless --force', async () => {
    const r = await kelos(['init', '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: ${dir} is not empty: choose a new directory, or pass --force to write the project files into it\n`);
  });

  it('copies a kelos tarball given with --kelos into vendor/ and depends on it there', async () => {
    const tarball = join(base, 'kelos-9.9.9.tgz');
    writeFileSync(tarball, 'not really a tarball, never installed here');
    const project = join(base, 'vendored');
    const r = await kelos(['init', '--project', project, '--kelos', tarball]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Created ${join(project, 'vendor/kelos-9.9.9.tgz')}\n`);
    expect(readFileSync(join(project, 'vendor/kelos-9.9.9.tgz'), 'utf8')).toBe('not really a tarball, never installed here');
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies.kelos).toBe('file:vendor/kelos-9.9.9.tgz');
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain('kelos comes from `vendor/kelos-9.9.9.tgz`');
  });

  it('fails when --kelos names a file that is not a tarball, or a directory that is not kelos', async () => {
    const notTar = join(base, 'notes.txt');
    writeFileSync(notTar, 'x');
    const a = await kelos(['init', '--project', join(base, 'a'), '--kelos', notTar]);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(`Error: --kelos ${notTar}: a file must be a kelos package tarball (.tgz), as \`npm pack\` makes\n`);
    const b = await kelos(['init', '--project', join(base, 'b'), '--kelos', base]);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`Error: --kelos ${base}: not a kelos package directory (no package.json named "kelos")\n`);
  });
});
