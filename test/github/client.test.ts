import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../lib/github/client.js';
import { GitHubEmulator } from '../emulators/github.js';

let gh: GitHubEmulator;
beforeEach(async () => {
  gh = await GitHubEmulator.start();
  gh.repo('acme/app').createIssue({ title: 'one' });
});
afterEach(() => gh.close());

/** A logger that keeps what it writes. */
function recorder(): { log: Logger; lines: () => Array<{ level: number; msg: string }> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('createGitHubClient', () => {
  it('logs no error for a 304 answered from the ETag cache', async () => {
    const { log, lines } = recorder();
    const client = createGitHubClient({ baseUrl: gh.apiUrl, log, retryBaseMs: 5 });
    const first = await client.rest.issues.listForRepo({ owner: 'acme', repo: 'app' });
    const again = await client.rest.issues.listForRepo({ owner: 'acme', repo: 'app' });
    expect([first.status, again.status]).toEqual([200, 304]);
    expect(again.data).toEqual(first.data);
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it('still logs a request that failed', async () => {
    const { log, lines } = recorder();
    const client = createGitHubClient({ baseUrl: gh.apiUrl, log, retryBaseMs: 5 });
    await expect(client.rest.issues.listForRepo({ owner: 'acme', repo: 'missing' })).rejects.toMatchObject({ status: 404 });
    expect(lines().filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([expect.stringMatching(/^GET \/repos\/acme\/missing\/issues - 404 /)]);
  });
});
