import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubIssues } from '../../../lib/api/index.js';
import { createGitHubClient, type GitHubClient } from '../../../lib/github/client.js';
import { GitHubIssuesSource } from '../../../lib/spawner/sources/github-issues.js';
import { GitHubEmulator, type RepoHandle } from '../../emulators/github.js';

const log = pino({ level: 'silent' });
const TOKEN = 'ghp_issues';
let gh: GitHubEmulator;
let repo: RepoHandle;
let client: GitHubClient;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2025-06-01T12:00:00Z');
  gh = await GitHubEmulator.start({ now: () => clock, requireAuth: true });
  gh.addToken(TOKEN);
  repo = gh.repo('acme/app');
  client = createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token: TOKEN }, log, retryBaseMs: 5, rateLimitSecondMs: 5, timeoutMs: 2000 });
});
afterEach(() => gh.close());

const source = (spec: GitHubIssues) => new GitHubIssuesSource({ client, repo: { owner: 'acme', repo: 'app' }, spec, log });
const tick = (s = 10) => (clock += s * 1000);
const ids = async (src: GitHubIssuesSource) => (await src.discover(new Date(clock))).map((i) => i.id);

describe('GitHubIssuesSource', () => {
  it('applies labels, state, assignee and author on the server and the rest on the client', async () => {
    repo.createIssue({ title: 'match', labels: ['actor/kelos', 'bug'], user: 'alice', assignees: ['bob'] });
    repo.createIssue({ title: 'no label', user: 'alice', assignees: ['bob'] });
    repo.createIssue({ title: 'excluded label', labels: ['actor/kelos', 'wontfix'], user: 'alice', assignees: ['bob'] });
    repo.createIssue({ title: 'excluded author', labels: ['actor/kelos'], user: 'spammer', assignees: ['bob'] });
    repo.createIssue({ title: 'closed', labels: ['actor/kelos'], user: 'alice', state: 'closed', assignees: ['bob'] });
    repo.createPull({ title: 'a pull', labels: ['actor/kelos'], user: 'alice', assignees: ['bob'] });
    repo.createIssue({ title: 'unassigned', labels: ['actor/kelos'], user: 'alice' });
    const spec = { labels: ['actor/kelos'], excludeLabels: ['wontfix'], excludeAuthors: ['spammer'], assignee: '*' };
    expect(await ids(source(spec))).toEqual(['1']);
    expect(await ids(source({ ...spec, types: ['issues', 'pulls'] }))).toEqual(['1', '6']);
    expect(await ids(source({ labels: ['actor/kelos'], state: 'closed' }))).toEqual(['5']);
    expect(await ids(source({ labels: ['actor/kelos'], assignee: 'none' }))).toEqual(['7']);
    expect(await ids(source({ author: 'spammer' }))).toEqual(['4']);
  });

  it('maps an issue to a work item', async () => {
    const n = repo.createIssue({ title: 'Fix it', body: 'details', labels: ['a', 'b'], user: 'alice' });
    const [item] = await source({}).discover(new Date(clock));
    expect(item).toMatchObject({
      id: String(n),
      number: n,
      title: 'Fix it',
      body: 'details',
      labels: ['a', 'b'],
      kind: 'Issue',
      author: 'alice',
      origin: { kind: 'issue', repo: 'acme/app' },
    });
    expect(item!.url).toBe(`${gh.url}/acme/app/issues/${n}`);
  });

  it('costs one request answered 304 in a quiet cycle, and follows changes through the delta', async () => {
    for (let i = 0; i < 250; i++) repo.createIssue({ title: `issue ${i}`, labels: ['agent'] });
    const src = source({ labels: ['agent'] });
    tick();
    expect(await ids(src)).toHaveLength(250);

    gh.resetStats();
    tick();
    expect(await ids(src)).toHaveLength(250);
    expect(gh.stats()).toMatchObject({ requests: 1, notModified: 1, rateLimited: 0 });

    // A label removed and an issue closed leave the set; a new one joins.
    tick();
    repo.removeLabel(3, 'agent');
    repo.updateIssue(4, { state: 'closed' });
    const added = repo.createIssue({ title: 'new', labels: ['agent'] });
    gh.resetStats();
    tick();
    const after = await ids(src);
    expect(after).toHaveLength(249);
    expect(after).not.toContain('3');
    expect(after).not.toContain('4');
    expect(after).toContain(String(added));
    expect(gh.stats().requests).toBe(1);

    // An issue that matches again comes back.
    tick();
    repo.addLabels(3, 'agent');
    tick();
    expect(await ids(src)).toContain('3');
  });

  it('reads the whole list again after the resync interval, at no rate-limit cost when unchanged', async () => {
    for (let i = 0; i < 120; i++) repo.createIssue({ title: `issue ${i}` });
    const src = new GitHubIssuesSource({ client, repo: { owner: 'acme', repo: 'app' }, spec: {}, log, resyncIntervalMs: 60_000 });
    tick();
    await src.discover(new Date(clock));
    gh.resetStats();
    tick(120);
    expect(await ids(src)).toHaveLength(120);
    // Two list pages and the delta, all unchanged.
    expect(gh.stats()).toMatchObject({ requests: 3, notModified: 3, rateLimited: 0 });
  });

  it('loads comments for the Comments variable only for items about to become Tasks', async () => {
    const n = repo.createIssue({ title: 'x' });
    repo.addComment(n, 'alice', 'first');
    repo.addComment(n, 'bob', 'second');
    repo.createIssue({ title: 'y' });
    const src = source({});
    gh.resetStats();
    const items = await src.discover(new Date(clock));
    expect(gh.stats().routes['GET /repos/{owner}/{repo}/issues/{number}/comments']).toBeUndefined();
    await src.hydrate(items.slice(0, 1), { comments: true, reviewComments: false, changedFiles: false });
    expect(items[0]!.comments).toBe('first\n---\nsecond');
    expect(items[1]!.comments).toBeUndefined();
  });
});

describe('GitHubIssuesSource with comment commands', () => {
  const PICK = '/kelos pick-up';
  const NEEDS = '/kelos needs-input';

  it('follows the legacy trigger and exclude comments (writers may command, unlike Kelos v0.19 where anyone may)', async () => {
    repo.setPermission('someone', 'write');
    repo.setPermission('bot', 'write');
    gh.addUser('stranger');
    const a = repo.createIssue({ title: 'a', labels: ['actor/kelos'] });
    const b = repo.createIssue({ title: 'b', labels: ['actor/kelos'] });
    const c = repo.createIssue({ title: 'c', labels: ['actor/kelos'] });
    tick();
    repo.addComment(a, 'someone', PICK);
    repo.addComment(b, 'someone', PICK);
    repo.addComment(c, 'stranger', PICK);
    tick();
    repo.addComment(b, 'bot', NEEDS);
    const src = source({ labels: ['actor/kelos'], triggerComment: PICK, excludeComments: [NEEDS] });
    tick();
    const items = await src.discover(new Date(clock));
    expect(items.map((i) => i.id)).toEqual([String(a)]);
    expect(items[0]!.triggerTime).toEqual(new Date(Date.parse('2025-06-01T12:00:10Z')));
  });

  it('counts only authorised commands and caches decisions per cycle', async () => {
    repo.setPermission('maintainer', 'maintain');
    repo.setPermission('triager', 'triage');
    gh.setTeamMember('acme/core', 'teammate', 'active');
    gh.setTeamMember('acme/core', 'invitee', 'pending');
    gh.addUser('stranger');
    const byMaintainer = repo.createIssue({ title: 'm' });
    const byTriager = repo.createIssue({ title: 't' });
    const byTeammate = repo.createIssue({ title: 'tm' });
    const byInvitee = repo.createIssue({ title: 'i' });
    const byStranger = repo.createIssue({ title: 's' });
    const stopped = repo.createIssue({ title: 'stopped' });
    tick();
    repo.addComment(byMaintainer, 'maintainer', PICK);
    repo.addComment(byTriager, 'triager', PICK);
    repo.addComment(byTeammate, 'teammate', PICK);
    repo.addComment(byInvitee, 'invitee', PICK);
    repo.addComment(byStranger, 'stranger', PICK);
    repo.addComment(stopped, 'maintainer', PICK);
    tick();
    repo.addComment(stopped, 'stranger', NEEDS); // unauthorised: ignored
    repo.addComment(stopped, 'maintainer', `thanks\n${NEEDS}`);
    const src = source({ commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], allowedTeams: ['acme/core'], minimumPermission: 'write' } });
    tick();
    gh.resetStats();
    expect(await ids(src)).toEqual([String(byMaintainer), String(byTeammate)]);
    const routes = gh.stats().routes;
    // One permission lookup per distinct commenting user in the cycle, not per comment.
    expect(routes['GET /repos/{owner}/{repo}/collaborators/{username}/permission']!.requests).toBe(5);

    gh.resetStats();
    tick();
    expect(await ids(src)).toEqual([String(byMaintainer), String(byTeammate)]);
    expect(gh.stats().requests).toBe(1);
  });

  it("reads the first cycle's threads 100 per GraphQL query, with one permission lookup per commander", async () => {
    repo.setPermission('maint', 'write');
    repo.setPermission('reader', 'read');
    for (let i = 0; i < 250; i++) {
      const n = repo.createIssue({ title: `i${i}`, labels: ['agent'] });
      repo.addComment(n, 'dev', 'me too');
      if (i % 5 === 0) repo.addComment(n, i % 10 ? 'reader' : 'maint', PICK);
    }
    const src = source({ labels: ['agent'], commentPolicy: { triggerComment: PICK, minimumPermission: 'write' } });
    tick();
    gh.resetStats();
    expect(await ids(src)).toHaveLength(25);
    const s = gh.stats();
    expect(s.routes['GET /repos/{owner}/{repo}/issues']!.requests).toBe(3 + 1);
    expect(s.routes['POST /graphql']).toMatchObject({ requests: 3, graphqlPoints: 3 });
    expect(s.routes['GET /repos/{owner}/{repo}/collaborators/{username}/permission']!.requests).toBe(2);
    expect(s.routes['GET /repos/{owner}/{repo}/issues/{number}/comments']).toBeUndefined();
    expect(s.requests).toBe(9);

    gh.resetStats();
    tick();
    expect(await ids(src)).toHaveLength(25);
    expect(gh.stats()).toMatchObject({ requests: 1, notModified: 1 });
  });

  it('admits an item again when an authorised trigger follows an exclude (the needs-input loop)', async () => {
    repo.setPermission('maintainer', 'write');
    const n = repo.createIssue({ title: 'loop' });
    const src = source({ commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' } });
    expect(await ids(src)).toEqual([]);
    tick();
    repo.addComment(n, 'maintainer', PICK);
    tick();
    expect(await ids(src)).toEqual([String(n)]);
    tick();
    repo.addComment(n, 'maintainer', NEEDS);
    tick();
    expect(await ids(src)).toEqual([]);
    tick();
    repo.addComment(n, 'outsider', PICK);
    gh.addUser('outsider');
    tick();
    expect(await ids(src)).toEqual([]);
    tick();
    repo.addComment(n, 'maintainer', PICK);
    tick();
    gh.resetStats();
    const [item] = await src.discover(new Date(clock));
    expect(item!.triggerTime).toEqual(new Date(clock - 10_000));
    // The delta, the comments of the one changed issue, and one permission
    // lookup per user who gave a command in it (decisions last one cycle).
    expect(gh.stats().requests).toBe(4);
    expect(gh.stats().routes['GET /repos/{owner}/{repo}/collaborators/{username}/permission']!.requests).toBe(2);
  });
});

describe('GitHubIssuesSource under faults', () => {
  it('retries 5xx, waits out primary and secondary rate limits and timeouts', async () => {
    for (let i = 0; i < 5; i++) repo.createIssue({ title: `i${i}` });
    const src = source({});
    gh.failNext('server-error');
    gh.failNext('rate-limit');
    gh.failNext('secondary-rate-limit');
    gh.failNext('too-many-requests');
    gh.setFaults({ rate: 0, hangMs: 5_000, resetSeconds: 1, retryAfterSeconds: 1 });
    gh.failNext('timeout');
    expect(await ids(src)).toEqual(['1', '2', '3', '4', '5']);
    expect(gh.stats().faults).toBe(5);
  });

  it('fails a cycle whose retries run out without losing its place', async () => {
    for (let i = 0; i < 3; i++) repo.createIssue({ title: `i${i}` });
    const src = source({});
    expect(await ids(src)).toEqual(['1', '2', '3']);
    tick();
    repo.createIssue({ title: 'new' });
    gh.failNext('server-error', 10);
    tick();
    await expect(src.discover(new Date(clock))).rejects.toThrow();
    gh.clearFaults();
    tick();
    expect(await ids(src)).toEqual(['1', '2', '3', '4']);
  });
});

describe('GitHub App installation tokens', () => {
  it('authenticates with an App installation token minted from the private key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    gh.addApp('123', publicKey.export({ type: 'spki', format: 'pem' }).toString(), ['456']);
    repo.createIssue({ title: 'via app' });
    const appClient = createGitHubClient({
      baseUrl: gh.apiUrl,
      credentials: { appId: '123', installationId: '456', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      log,
      retryBaseMs: 5,
    });
    const src = new GitHubIssuesSource({ client: appClient, repo: { owner: 'acme', repo: 'app' }, spec: {}, log });
    expect((await src.discover(new Date(clock))).map((i) => i.title)).toEqual(['via app']);
    expect(gh.stats().routes['POST /app/installations/{installation_id}/access_tokens']!.requests).toBe(1);
  });
});
