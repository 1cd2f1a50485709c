import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root of this checkout. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STREAMS = join(ROOT, 'test', 'fixtures', 'agent-streams');

export const ORIGIN_PR = 'https://github.com/acme/widgets/pull/7';
export const UPSTREAM_PR = 'https://github.com/upstream-org/widgets/pull/12';
export const TASK_BRANCH = 'kelos-task-42';

/**
 * A temporary world for one agent run: a bare `origin` repository whose HEAD
 * is `main`, a clone of it (`repo`) on the task branch with a commit of its
 * own, an empty HOME, and a `bin` folder first on PATH holding `kelos` (this
 * checkout's CLI), a fake `gh` and whatever fakes a test adds.
 */
export interface TestWorkspace {
  readonly root: string;
  readonly repo: string;
  readonly origin: string;
  readonly home: string;
  readonly bin: string;
  /** HEAD of `repo`. */
  readonly commit: string;
  /** Each `gh` call, one argument list per call. */
  ghCalls(): string[][];
  /** The environment a pod would give the entrypoint, plus `extra`. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  cleanup(): void;
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Kelos Test',
  GIT_AUTHOR_EMAIL: 'test@kelos.invalid',
  GIT_COMMITTER_NAME: 'Kelos Test',
  GIT_COMMITTER_EMAIL: 'test@kelos.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function makeWorkspace(): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'kelos-capture-'));
  const home = join(root, 'home');
  const bin = join(root, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  const gitEnv = { ...process.env, ...GIT_IDENTITY, HOME: home };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  const seed = join(root, 'seed');
  mkdirSync(seed);
  git(seed, 'init', '-q', '-b', 'main');
  writeFileSync(join(seed, 'README.md'), '# widgets\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '-q', '-m', 'Initial commit');
  const origin = join(root, 'origin.git');
  git(root, 'clone', '-q', '--bare', seed, origin);
  const repo = join(root, 'repo');
  git(root, 'clone', '-q', origin, repo);
  git(repo, 'checkout', '-q', '-b', TASK_BRANCH);
  writeFileSync(join(repo, 'date.ts'), 'export const fixed = true;\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'Fix the date check');
  const commit = git(repo, 'rev-parse', 'HEAD');

  writeExecutable(join(bin, 'kelos'), `#!/bin/sh\nexec node ${JSON.stringify(join(ROOT, 'bin', 'kelos.mjs'))} "$@"\n`);
  const ghLog = join(root, 'gh-calls.log');
  writeExecutable(
    join(bin, 'gh'),
    `#!/bin/bash
# A fake gh: records its arguments, answers \`gh pr list\` for origin and --repo.
{ printf '%s\\x1f' "$@"; printf '\\n'; } >> ${JSON.stringify(ghLog)}
echo $$ > ${JSON.stringify(join(root, 'gh.pid'))}
if [ -n "\${FAKE_GH_SLEEP:-}" ]; then
  sleep 600   # a child of this script, not exec: the whole group must be killed
  exit 0
fi
if [ "\${1:-} \${2:-}" != "pr list" ]; then exit 1; fi
for arg in "$@"; do
  if [ "$arg" = "--repo" ]; then echo '[{"url":"${UPSTREAM_PR}"}]'; exit 0; fi
done
echo '[{"url":"${ORIGIN_PR}"}]'
`,
  );

  return {
    root,
    repo,
    origin,
    home,
    bin,
    commit,
    ghCalls() {
      let text = '';
      try {
        text = readFileSync(ghLog, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\x1f').slice(0, -1));
    },
    env(extra = {}) {
      return {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: home,
        LANG: 'C.UTF-8',
        TMPDIR: process.env.TMPDIR ?? tmpdir(),
        KELOS_FROM_SOURCE: '1',
        KELOS_CAPTURE_TIMEOUT_MS: '10000',
        ...GIT_IDENTITY,
        ...extra,
      };
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function writeExecutable(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a process to its end, feeding `input` (or nothing) on stdin. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: Buffer; timeoutMs?: number },
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish within ${options.timeoutMs ?? 25_000} ms; stderr: ${err}`));
    }, options.timeoutMs ?? 25_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}

/** Path of the `kelos` wrapper put first on PATH. */
export function kelosBin(ws: TestWorkspace): string {
  return join(ws.bin, 'kelos');
}
