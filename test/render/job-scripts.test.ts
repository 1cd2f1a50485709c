import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import type { WorkspaceSpec } from '../../lib/api/workspace.js';
import { taskJob } from '../../lib/render/job.js';

// Runs the init-container scripts of a rendered Job with real git and sh,
// the pod's absolute paths moved under a temporary directory.

function task(branch?: string): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', uid: 'u' },
    spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'none' }, ...(branch ? { branch } : {}) },
  };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv() }).trim();
}

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
    ...extra,
  };
}

/** An origin repository with `main` and an existing `feature/x` branch. */
function origin(root: string): { url: string; mainSha: string; featureSha: string } {
  const work = join(root, 'src');
  mkdirSync(work);
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README.md'), 'main\n');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'main');
  const mainSha = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-qb', 'feature/x');
  writeFileSync(join(work, 'feature.txt'), 'feature\n');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'feature');
  const featureSha = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', 'main');
  const bare = join(root, 'origin.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare], { env: gitEnv() });
  execFileSync('git', ['-C', bare, 'config', 'uploadpack.allowReachableSHA1InWant', 'true'], { env: gitEnv() });
  return { url: `file://${bare}`, mainSha, featureSha };
}

function runInit(job: V1Job, root: string): void {
  for (const c of job.spec!.template.spec!.initContainers ?? []) {
    const script = c.command![2].replaceAll('/workspace', join(root, 'workspace')).replaceAll('/kelos/github', join(root, 'github'));
    const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    execFileSync('sh', ['-c', script], { env: gitEnv({ ...env, HOME: root }), stdio: 'pipe' });
  }
}

describe('init container scripts', () => {
  it('clone the base ref and check out an existing branch from origin', () => {
    const root = mkdtempSync(join(tmpdir(), 'kelos-job-'));
    const o = origin(root);
    mkdirSync(join(root, 'workspace'));
    const ws: WorkspaceSpec = { repo: o.url, ref: 'main', files: [{ path: 'notes/a.md', content: "it's here\n" }] };
    runInit(taskJob({ task: task('feature/x'), workspace: ws }), root);
    const repo = join(root, 'workspace', 'repo');
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature/x');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(o.featureSha);
    expect(git(repo, 'rev-parse', '--abbrev-ref', '@{upstream}')).toBe('origin/feature/x');
    expect(readFileSync(join(repo, 'notes/a.md'), 'utf8')).toBe("it's here\n");
  });

  it('create a new branch from the base ref when origin has none', () => {
    const root = mkdtempSync(join(tmpdir(), 'kelos-job-'));
    const o = origin(root);
    mkdirSync(join(root, 'workspace'));
    runInit(taskJob({ task: task('kelos-task-7'), workspace: { repo: o.url, ref: 'main' } }), root);
    const repo = join(root, 'workspace', 'repo');
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('kelos-task-7');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(o.mainSha);
  });

  it.each([
    ['the remote default branch (no Workspace ref)', 'main', /default branch of the repository/],
    ['a name git refuses', '-f main', /not a valid git branch name/],
    ['a name with a newline', 'x\nmain', /not a valid git branch name/],
  ])('refuse %s in branch-setup', (_, branch, message) => {
    const root = mkdtempSync(join(tmpdir(), 'kelos-job-'));
    const o = origin(root);
    mkdirSync(join(root, 'workspace'));
    let stderr = '';
    try {
      runInit(taskJob({ task: task(branch), workspace: { repo: o.url } }), root);
    } catch (err) {
      stderr = String((err as { stderr?: Buffer }).stderr);
    }
    expect(stderr).toMatch(message);
    expect(git(join(root, 'workspace', 'repo'), 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  });

  it('check out a detached SHA and add remotes', () => {
    const root = mkdtempSync(join(tmpdir(), 'kelos-job-'));
    const o = origin(root);
    mkdirSync(join(root, 'workspace'));
    const ws: WorkspaceSpec = { repo: o.url, ref: o.featureSha, remotes: [{ name: 'upstream', url: 'https://github.com/acme/app.git' }] };
    runInit(taskJob({ task: task(), workspace: ws }), root);
    const repo = join(root, 'workspace', 'repo');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(o.featureSha);
    expect(git(repo, 'remote', 'get-url', 'upstream')).toBe('https://github.com/acme/app.git');
  });

  it('answer git with the token from the mounted file, which the repo config never holds', () => {
    const root = mkdtempSync(join(tmpdir(), 'kelos-job-'));
    const job = taskJob({ task: task(), workspace: { repo: 'https://github.com/acme/app.git', secretRef: { name: 'gh' } } });
    const script = job.spec!.template.spec!.initContainers![0].command![2];
    // Only the persisting step: cloning from GitHub is not possible here.
    const persist = script.split('\n').find((l) => l.includes(' config '))!;
    const repo = join(root, 'workspace', 'repo');
    mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q');
    mkdirSync(join(root, 'github'));
    writeFileSync(join(root, 'github', 'GITHUB_TOKEN'), 'ghp_token_value');
    execFileSync('sh', ['-c', persist.replaceAll('/workspace', join(root, 'workspace')).replaceAll('/kelos/github', join(root, 'github'))], {
      env: gitEnv(),
    });
    const answer = execFileSync('git', ['credential', 'fill'], {
      cwd: repo,
      input: 'protocol=https\nhost=github.com\n\n',
      encoding: 'utf8',
      env: gitEnv({ GIT_TERMINAL_PROMPT: '0' }),
    });
    expect(answer).toContain('username=x-access-token');
    expect(answer).toContain('password=ghp_token_value');
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).not.toContain('ghp_token_value');
  });
});
