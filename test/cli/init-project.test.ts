// kelos init --project scaffolds a pipelines repository that, with this
// checkout installed from an `npm pack` tarball, synthesises a valid dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../../lib/render/output.js';
import { kelos, root } from './_kelos.js';

const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sh(cmd: string, args: string[], cwd: string, timeout = 600_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, KELOS_FROM_SOURCE: '', npm_config_update_notifier: 'false' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('kelos init --project', () => {
  const base = mkdtempSync(join(tmpdir(), 'kelos-project-'));
  const dir = join(base, 'team-agents');
  let created: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    created = await kelos(['init', '--project', dir]);
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

  it('depends on kelos and on the cdk8s and constructs versions kelos uses', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('team-agents');
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toEqual({ kelos: `^${own.version}`, cdk8s: own.dependencies.cdk8s, constructs: own.dependencies.constructs });
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

  it(
    'synthesises a valid dist/ after npm install of this checkout, and passes its own CI steps',
    () => {
      const pack = sh('npm', ['pack', '--pack-destination', base], root);
      expect(pack.code, pack.out).toBe(0);
      const tarball = readdirSync(base).find((f) => f.endsWith('.tgz'))!;
      const install = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(base, tarball)], dir);
      expect(install.code, install.out).toBe(0);

      const synth = sh('npx', ['kelos', 'synth'], dir);
      expect(synth.code, synth.out).toBe(0);
      expect(listFiles(join(dir, 'dist'))).toEqual([
        'agents/Deployment.issue-worker-spawner.yaml',
        'agents/Role.issue-worker-spawner.yaml',
        'agents/RoleBinding.issue-worker-spawner.yaml',
        'agents/ServiceAccount.issue-worker-spawner.yaml',
        'agents/TaskSpawner.issue-worker.yaml',
        'agents/Workspace.my-repo.yaml',
      ]);
      const spawner = parse(readFileSync(join(dir, 'dist/agents/TaskSpawner.issue-worker.yaml'), 'utf8'));
      expect(spawner.spec.when.githubIssues).toEqual({ labels: ['kelos'], state: 'open' });

      for (const step of [['kelos', 'validate', 'dist'], ['kelos', 'check'], ['tsc', '--noEmit']]) {
        const r = sh('npx', step, dir);
        expect(r.code, `${step.join(' ')}: ${r.out}`).toBe(0);
      }
      // Drift is caught.
      writeFileSync(join(dir, 'dist/agents/Workspace.my-repo.yaml'), 'edited: by hand\n');
      expect(sh('npx', ['kelos', 'check'], dir).code).toBe(1);
      expect(existsSync(join(dir, 'node_modules/kelos/constructs/index.ts'))).toBe(true);
    },
    900_000,
  );
});
