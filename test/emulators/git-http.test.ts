import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitServer, startGitServer } from './git-http.js';

const run = promisify(execFile);
const TOKEN = 'ghp_test-token';
let server: GitServer;

/** git with one credential helper that answers `password` (no global or system config). */
const git = (password: string, args: string[], cwd?: string) =>
  run('git', ['-c', `credential.helper=!f() { echo username=x-access-token; echo password=${password}; }; f`, ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' },
  });

beforeAll(async () => {
  server = await startGitServer({ host: '127.0.0.1', token: TOKEN });
});
afterAll(() => server?.close());

describe('the git smart-HTTP test server', () => {
  it('clones with the token, takes a push, and serves what was pushed', async () => {
    const url = server.createRepo('acme/app', { 'README.md': '# app\n' });
    const dir = join(mkdtempSync(join(tmpdir(), 'kelos-git-test-')), 'app');
    await git(TOKEN, ['clone', '-q', url, dir]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# app\n');
    writeFileSync(join(dir, 'change.txt'), 'pushed\n');
    await git(TOKEN, ['add', 'change.txt'], dir);
    await git(TOKEN, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'change'], dir);
    await git(TOKEN, ['push', '-q', 'origin', 'HEAD:refs/heads/feature'], dir);
    expect(server.show('acme/app', 'feature', 'change.txt')).toBe('pushed');
    expect(server.revParse('acme/app', 'feature')).toBe((await run('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim());
    // git first asks without credentials and gets the 401 that makes it call its helper
    expect(server.requests.slice(0, 2).map((r) => r.auth)).toEqual(['missing', 'ok']);
  });

  it('fails when the token is wrong, and records the attempt', async () => {
    server.createRepo('acme/private', { 'a.txt': 'a\n' });
    const dir = join(mkdtempSync(join(tmpdir(), 'kelos-git-test-')), 'private');
    await expect(git('ghp_wrong', ['clone', '-q', `${server.url}/acme/private.git`, dir])).rejects.toThrow(/Authentication failed/);
    expect(server.requests.filter((r) => r.path === '/acme/private.git/info/refs').map((r) => r.auth)).toEqual(['missing', 'wrong']);
  });

  it('answers no revision for a branch that does not exist', () => {
    expect(server.revParse('acme/app', 'no-such-branch')).toBeUndefined();
  });
});
