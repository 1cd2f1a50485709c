import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClientOptions } from '../../lib/github/client.js';
import { listAll } from '../../lib/github/repo-api.js';
import { LoopbackServer } from '../emulators/_http.js';
import { GitHubEmulator } from '../emulators/github.js';

const TOKEN = 'ghp_client';
let gh: GitHubEmulator;
let clock: number;
/** Every wait the client asked for, in ms; a wait moves the emulator's clock by as much. */
let waits: number[];

beforeEach(async () => {
  clock = Date.parse('2025-06-01T12:00:00Z');
  waits = [];
  gh = await GitHubEmulator.start({ now: () => clock, requireAuth: true });
  gh.addToken(TOKEN);
  gh.repo('acme/app').createIssue({ title: 'one' });
});
afterEach(() => gh.close());

const client = (options: Partial<GitHubClientOptions> = {}) =>
  createGitHubClient({
    baseUrl: gh.apiUrl,
    credentials: { token: TOKEN },
    log: pino({ level: 'silent' }),
    retryBaseMs: 10,
    rateLimitSecondMs: 1000,
    timeoutMs: 1000,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    ...options,
  });
const issues = (c = client()) => c.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'app' });

describe('createGitHubClient: retries and rate limits', () => {
  it('retries 5xx answers and timeouts with quadratic backoff', async () => {
    gh.setFaults({ rate: 0, hangMs: 5_000 });
    gh.failNext('server-error', 2);
    gh.failNext('timeout');
    const res = await issues();
    expect(res.status).toBe(200);
    expect(waits).toEqual([10, 40, 90]);
    expect(gh.stats()).toMatchObject({ requests: 4, faults: 3 });
  });

  it('gives up after its retries with the last error', async () => {
    gh.failNext('server-error', 3);
    await expect(issues(client({ retries: 2 }))).rejects.toMatchObject({ status: expect.any(Number) });
    expect(waits).toEqual([10, 40]);
    expect(gh.stats().requests).toBe(3);
  });

  it('does not retry a 404', async () => {
    await expect(client().request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'nope' })).rejects.toMatchObject({ status: 404 });
    expect(waits).toEqual([]);
  });

  it('waits out a primary rate limit until its reset by the server clock, plus a second', async () => {
    gh.setFaults({ rate: 0, resetSeconds: 30 });
    gh.failNext('rate-limit');
    expect((await issues()).status).toBe(200);
    expect(waits).toEqual([31_000]);
  });

  it('waits out secondary rate limits (403 and 429) for their retry-after', async () => {
    gh.setFaults({ rate: 0, retryAfterSeconds: 7 });
    gh.failNext('secondary-rate-limit');
    gh.failNext('too-many-requests');
    expect((await issues()).status).toBe(200);
    expect(waits).toEqual([7_000, 7_000]);
    expect(gh.stats()).toMatchObject({ requests: 3, faults: 2 });
  });

  it('fails at once when the limit resets later than it may wait', async () => {
    gh.setFaults({ rate: 0, resetSeconds: 3600 });
    gh.failNext('rate-limit');
    await expect(issues(client({ maxRateLimitWaitSeconds: 900 }))).rejects.toMatchObject({ status: 403 });
    expect(waits).toEqual([]);
  });

  it('stops after five rate-limit waits of one request', async () => {
    gh.setFaults({ rate: 0, retryAfterSeconds: 1 });
    gh.failNext('secondary-rate-limit', 6);
    await expect(issues()).rejects.toMatchObject({ status: 403 });
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('waits for the GraphQL points budget to reset, then runs the query', async () => {
    await gh.close();
    gh = await GitHubEmulator.start({ now: () => clock, graphqlRateLimit: 1, rateLimitWindowSeconds: 60 });
    gh.addToken(TOKEN);
    gh.repo('acme/app').createIssue({ title: 'one' });
    const c = client();
    const query = '{ repository(owner: "acme", name: "app") { issue(number: 1) { title } } }';
    const ask = () => c.request({ method: 'POST', url: `${gh.url}/api/graphql`, data: JSON.stringify({ query }) });
    expect((await ask()).data).toEqual({ data: { repository: { issue: { title: 'one' } } } });
    expect((await ask()).data).toEqual({ data: { repository: { issue: { title: 'one' } } } });
    expect(waits).toEqual([61_000]);
  });
});

describe('createGitHubClient: conditional requests', () => {
  it('answers an unchanged resource from its cache, at no rate-limit cost', async () => {
    const c = client();
    const first = await issues(c);
    const second = await issues(c);
    expect(second.status).toBe(304);
    expect(second.data).toEqual(first.data);
    expect(gh.stats()).toMatchObject({ requests: 2, notModified: 1, rateLimited: 1 });
    gh.repo('acme/app').createIssue({ title: 'two' });
    const third = await issues(c);
    expect(third.status).toBe(200);
    expect((third.data as unknown[]).length).toBe(2);
  });

  it('logs nothing above debug for a 304 answered from the cache', async () => {
    const lines: Array<{ level: number }> = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const c = client({ log });
    await issues(c);
    expect((await issues(c)).status).toBe(304);
    expect(lines.filter((l) => l.level > 20)).toEqual([]);
  });

  it('follows Link pages, and keeps them through 304s', async () => {
    for (let i = 0; i < 150; i++) gh.repo('acme/app').createIssue({ title: `i${i}` });
    const c = client();
    const all = () => listAll(c, 'GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'app' });
    expect((await all()).items).toHaveLength(151);
    gh.resetStats();
    expect(await all()).toMatchObject({ unchanged: true, items: { length: 151 } });
    expect(gh.stats()).toMatchObject({ requests: 2, notModified: 2 });
  });

  it('refuses a next page on another host (the token goes only to the API)', async () => {
    const server = await LoopbackServer.listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', link: '<http://elsewhere.invalid/issues?page=2>; rel="next"' });
      res.end('[]');
    });
    try {
      await expect(listAll(client({ baseUrl: server.url }), 'GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'app' })).rejects.toThrow(
        /next page on another host: http:\/\/elsewhere\.invalid/,
      );
    } finally {
      await server.close();
    }
  });
});
