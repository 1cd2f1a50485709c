import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubEmulator } from './github.js';

let gh: GitHubEmulator;
const TOKEN = 'ghp_test';
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gh.url}${path}`, { headers: { authorization: `token ${TOKEN}`, ...headers } });

beforeEach(async () => {
  gh = await GitHubEmulator.start({ rateLimit: 100 });
  gh.addToken(TOKEN);
});
afterEach(() => gh.close());

describe('GitHub emulator', () => {
  it('paginates the issues list with Link headers, keeping the query', async () => {
    const repo = gh.repo('acme/app');
    for (let i = 0; i < 5; i++) repo.createIssue({ title: `issue ${i}`, labels: ['bug'] });
    const res = await get('/repos/acme/app/issues?labels=bug&per_page=2');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<{ number: number }>;
    expect(body.map((i) => i.number)).toEqual([5, 4]);
    const link = res.headers.get('link')!;
    expect(link).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    expect(new URL(next).searchParams.get('labels')).toBe('bug');
    expect(new URL(next).searchParams.get('page')).toBe('2');
    const last = await fetch(/<([^>]+)>; rel="last"/.exec(link)![1]!, { headers: { authorization: `token ${TOKEN}` } });
    expect(((await last.json()) as Array<{ number: number }>).map((i) => i.number)).toEqual([1]);
    expect(last.headers.get('link')).not.toContain('rel="next"');
  });

  it('answers a matching If-None-Match with 304 without charging the rate limit', async () => {
    gh.repo('acme/app').createIssue({ title: 'one' });
    const first = await get('/repos/acme/app/issues');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('99');
    const second = await get('/repos/acme/app/issues', { 'if-none-match': etag });
    expect(second.status).toBe(304);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('99');
    expect(gh.stats().routes['GET /repos/{owner}/{repo}/issues']).toEqual({ requests: 2, notModified: 1, faults: 0, rateLimited: 1, graphqlPoints: 0 });
  });

  it('changes the ETag and updated_at when an issue is mutated', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    await gh.close();
    gh = await GitHubEmulator.start({ now: () => t });
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'one' });
    const first = await fetch(`${gh.url}/repos/acme/app/issues`);
    t += 5000;
    repo.addComment(n, 'alice', 'hello');
    const second = await fetch(`${gh.url}/repos/acme/app/issues`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(second.status).toBe(200);
    const [issue] = (await second.json()) as Array<{ updated_at: string; comments: number }>;
    expect(issue).toMatchObject({ updated_at: '2025-01-01T00:00:05Z', comments: 1 });
  });

  it('filters issues by state, labels, assignee, creator and since, and includes pulls', async () => {
    let t = Date.parse('2025-01-01T00:00:00Z');
    await gh.close();
    gh = await GitHubEmulator.start({ now: () => t });
    const repo = gh.repo('acme/app');
    repo.createIssue({ title: 'a', labels: ['bug', 'p1'], user: 'alice', assignees: ['bob'] });
    repo.createIssue({ title: 'b', labels: ['bug'], user: 'bob', state: 'closed' });
    t += 60_000;
    repo.createPull({ title: 'c', labels: ['Bug'], user: 'carol' });
    const numbers = async (q: string) =>
      ((await (await fetch(`${gh.url}/repos/acme/app/issues?${q}`)).json()) as Array<{ number: number }>).map((i) => i.number);
    expect(await numbers('labels=bug')).toEqual([3, 1]);
    expect(await numbers('labels=bug,p1')).toEqual([1]);
    expect(await numbers('state=all&labels=bug&direction=asc')).toEqual([1, 2, 3]);
    expect(await numbers('state=closed')).toEqual([2]);
    expect(await numbers('assignee=none')).toEqual([3]);
    expect(await numbers('assignee=*')).toEqual([1]);
    expect(await numbers('assignee=bob')).toEqual([1]);
    expect(await numbers('creator=carol')).toEqual([3]);
    expect(await numbers('state=all&since=2025-01-01T00:01:00Z')).toEqual([3]);
    const [pr] = (await (await fetch(`${gh.url}/repos/acme/app/issues?creator=carol`)).json()) as Array<{ pull_request?: unknown }>;
    expect(pr!.pull_request).toBeDefined();
  });

  it('serves pulls, reviews and review comments, also under /api/v3', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'pr', head: 'feature', draft: true });
    const sha = repo.headSha(n);
    repo.addReview(n, 'rev', 'APPROVED');
    repo.addReviewComment(n, 'rev', 'nit', { path: 'a.ts', line: 3 });
    const pulls = (await (await fetch(`${gh.apiUrl}/repos/acme/app/pulls`)).json()) as Array<{ draft: boolean; head: { ref: string; sha: string } }>;
    expect(pulls[0]).toMatchObject({ draft: true, head: { ref: 'feature', sha } });
    const reviews = (await (await fetch(`${gh.apiUrl}/repos/acme/app/pulls/${n}/reviews`)).json()) as Array<{ state: string; commit_id: string }>;
    expect(reviews).toMatchObject([{ state: 'APPROVED', commit_id: sha }]);
    const comments = (await (await fetch(`${gh.apiUrl}/repos/acme/app/pulls/${n}/comments`)).json()) as Array<{ path: string; line: number }>;
    expect(comments).toMatchObject([{ path: 'a.ts', line: 3, body: 'nit' }]);
  });

  it('reports roles like GitHub: legacy permission plus role_name', async () => {
    const repo = gh.repo('acme/app');
    repo.setPermission('mia', 'maintain');
    gh.addUser('stranger');
    const mia = (await (await get('/repos/acme/app/collaborators/mia/permission')).json()) as { permission: string; role_name: string };
    expect(mia).toMatchObject({ permission: 'write', role_name: 'maintain' });
    const stranger = (await (await get('/repos/acme/app/collaborators/stranger/permission')).json()) as { permission: string };
    expect(stranger.permission).toBe('none');
    expect((await get('/repos/acme/app/collaborators/ghost/permission')).status).toBe(404);
  });

  it('answers team memberships with their state, 404 for non-members', async () => {
    gh.setTeamMember('acme/maintainers', 'ann', 'active');
    gh.setTeamMember('acme/maintainers', 'pat', 'pending');
    expect(await (await get('/orgs/acme/teams/maintainers/memberships/ann')).json()).toMatchObject({ state: 'active' });
    expect(await (await get('/orgs/acme/teams/maintainers/memberships/pat')).json()).toMatchObject({ state: 'pending' });
    expect((await get('/orgs/acme/teams/maintainers/memberships/zed')).status).toBe(404);
  });

  it('injects 5xx, primary and secondary rate limits with their headers', async () => {
    gh.repo('acme/app');
    gh.failNext('server-error');
    gh.failNext('rate-limit');
    gh.failNext('secondary-rate-limit');
    gh.failNext('too-many-requests');
    const a = await get('/repos/acme/app/issues');
    expect(a.status).toBeGreaterThanOrEqual(500);
    const b = await get('/repos/acme/app/issues');
    expect(b.status).toBe(403);
    expect(b.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(b.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    const c = await get('/repos/acme/app/issues');
    expect(c.status).toBe(403);
    expect(c.headers.get('retry-after')).toBe('1');
    expect(((await c.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    const d = await get('/repos/acme/app/issues');
    expect(d.status).toBe(429);
    expect((await get('/repos/acme/app/issues')).status).toBe(200);
    expect(gh.stats().faults).toBe(4);
  });

  it('holds a request on a timeout fault until the client gives up', async () => {
    gh.repo('acme/app');
    gh.failNext('timeout');
    await expect(fetch(`${gh.url}/repos/acme/app/issues`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await get('/repos/acme/app/issues')).status).toBe(200);
  });

  it('fails a seeded share of requests, the same ones for the same seed', async () => {
    gh.repo('acme/app');
    const run = async () => {
      gh.setFaults({ rate: 0.3, seed: 7, kinds: ['server-error'] });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await get('/repos/acme/app/issues')).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    const failed = first.filter((s) => s >= 500).length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(24);
  });

  it('enforces the primary rate limit per token', async () => {
    await gh.close();
    gh = await GitHubEmulator.start({ rateLimit: 2 });
    gh.addToken(TOKEN);
    gh.repo('acme/app');
    expect((await get('/repos/acme/app/issues')).status).toBe(200);
    expect((await get('/repos/acme/app/issues')).status).toBe(200);
    const limited = await get('/repos/acme/app/issues');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('rejects unknown tokens and issues App installation tokens for a valid JWT', async () => {
    expect((await fetch(`${gh.url}/rate_limit`, { headers: { authorization: 'token nope' } })).status).toBe(401);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    gh.addApp(42, publicKey.export({ type: 'spki', format: 'pem' }).toString(), [7]);
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 30, exp: now + 300, iss: 42 })}`;
    const jwt = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
    const res = await fetch(`${gh.url}/app/installations/7/access_tokens`, { method: 'POST', headers: { authorization: `bearer ${jwt}` } });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    expect((await fetch(`${gh.url}/rate_limit`, { headers: { authorization: `token ${token}` } })).status).toBe(200);
    const forged = `${unsigned}.${Buffer.from('x').toString('base64url')}`;
    expect((await fetch(`${gh.url}/app/installations/7/access_tokens`, { method: 'POST', headers: { authorization: `bearer ${forged}` } })).status).toBe(401);
  });
});

describe('GitHub emulator: GraphQL', () => {
  const gql = (query: string, variables: Record<string, unknown> = {}, token = TOKEN, path = '/graphql') =>
    fetch(`${gh.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  const COMMENTS = 'comments(first: 100) { totalCount nodes { body createdAt author { __typename login } } }';

  it('serves threads with their comments and reviews, bots under their GraphQL login, also at /api/graphql', async () => {
    const repo = gh.repo('acme/app');
    gh.addUser('helper[bot]', 'Bot');
    const issue = repo.createIssue({ title: 'i', body: 'b', user: 'ann' });
    repo.addComment(issue, 'bo', 'first');
    repo.addComment(issue, 'helper[bot]', 'second');
    const pull = repo.createPull({ title: 'p' });
    repo.addReview(pull, 'cy', 'APPROVED');
    const query = `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
      a: issue(number: ${issue}) { title ${COMMENTS} }
      b: pullRequest(number: ${pull}) { headRefOid reviews(first: 10) { totalCount nodes { state commit { oid } author { login } } } }
    } }`;
    const res = await gql(query, { owner: 'acme', name: 'app' }, TOKEN, '/api/graphql');
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: any };
    expect(data.repository.a.comments).toEqual({
      totalCount: 2,
      nodes: [
        { body: 'first', createdAt: expect.any(String), author: { __typename: 'User', login: 'bo' } },
        { body: 'second', createdAt: expect.any(String), author: { __typename: 'Bot', login: 'helper' } },
      ],
    });
    expect(data.repository.b.reviews.nodes).toEqual([{ state: 'APPROVED', commit: { oid: data.repository.b.headRefOid }, author: { login: 'cy' } }]);
  });

  it('prices a query as GitHub documents: connections multiplied out, divided by 100, at least 1', async () => {
    const repo = gh.repo('acme/app');
    const numbers = Array.from({ length: 250 }, (_, i) => repo.createIssue({ title: `i${i}` }));
    const aliases = (ns: number[], fields: string) => ns.map((n) => `n${n}: issue(number: ${n}) { ${fields} }`).join(' ');
    const cost = async (body: string) => {
      const res = await gql(`{ repository(owner: "acme", name: "app") { ${body} } rateLimit { cost nodeCount remaining } }`);
      const json = (await res.json()) as { data: { rateLimit: { cost: number; nodeCount: number } } };
      return { ...json.data.rateLimit, header: Number(res.headers.get('x-ratelimit-used')), resource: res.headers.get('x-ratelimit-resource') };
    };
    const one = await cost(aliases(numbers.slice(0, 1), COMMENTS));
    expect(one).toMatchObject({ cost: 1, nodeCount: 100, resource: 'graphql' });
    // 100 comment connections: 100 requests, 1 point; 250: 3 points (rounded).
    expect((await cost(aliases(numbers.slice(0, 100), COMMENTS))).cost).toBe(1);
    expect((await cost(aliases(numbers, COMMENTS))).cost).toBe(3);
    // Nested connections multiply out (GitHub's example: 50 repositories × 10 issues = 51 requests, 550 nodes).
    expect(await cost('issues(first: 50) { nodes { comments(first: 10) { totalCount } } }')).toMatchObject({ cost: 1, nodeCount: 550 });
    expect(await cost('issues(first: 100) { nodes { comments(first: 100) { totalCount } } }')).toMatchObject({ cost: 1, nodeCount: 10_100 });
    // Two connections per item count twice.
    const two = await cost(aliases(numbers.slice(0, 100), `${COMMENTS} c2: comments(last: 5) { totalCount }`));
    expect(two).toMatchObject({ cost: 2, nodeCount: 100 * 100 + 100 * 5 });
    expect(gh.stats().graphqlPoints).toBe(1 + 1 + 3 + 1 + 1 + 2);
    expect(gh.graphqlRemaining(TOKEN)).toBe(5000 - 9);
    // Costs nothing on the REST budget.
    expect(gh.rateRemaining(TOKEN)).toBe(100);
  });

  it('refuses connections without first or last, or beyond 100, before running them', async () => {
    gh.repo('acme/app').createIssue({ title: 'x' });
    const missing = (await (await gql('{ repository(owner: "acme", name: "app") { issue(number: 1) { comments { totalCount } } } }')).json()) as {
      errors: Array<{ type: string }>;
      data?: unknown;
    };
    expect(missing.data).toBeUndefined();
    expect(missing.errors[0]!.type).toBe('MISSING_PAGINATION_BOUNDARIES');
    const excessive = (await (
      await gql('query($n: Int!) { repository(owner: "acme", name: "app") { issue(number: 1) { comments(first: $n) { totalCount } } } }', { n: 101 })
    ).json()) as { errors: Array<{ type: string }> };
    expect(excessive.errors[0]!.type).toBe('EXCESSIVE_PAGINATION');
    expect(gh.stats().graphqlPoints).toBe(0);
  });

  it('answers NOT_FOUND for a number of the other kind, beside the data it has', async () => {
    const repo = gh.repo('acme/app');
    const issue = repo.createIssue({ title: 'i' });
    const pull = repo.createPull({ title: 'p' });
    const res = (await (
      await gql(`{ repository(owner: "acme", name: "app") { a: issue(number: ${pull}) { number } b: issue(number: ${issue}) { number } } }`)
    ).json()) as any;
    expect(res.data.repository).toEqual({ a: null, b: { number: issue } });
    expect(res.errors).toEqual([expect.objectContaining({ type: 'NOT_FOUND', path: ['repository', 'a'] })]);
  });

  it('pages a connection with cursors', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'long' });
    for (let i = 0; i < 5; i++) repo.addComment(n, 'bo', `c${i}`);
    const page = async (after?: string) =>
      (
        (await (
          await gql(
            `query($after: String) { repository(owner: "acme", name: "app") { issue(number: ${n}) { comments(first: 2, after: $after) { nodes { body } pageInfo { hasNextPage endCursor } } } } }`,
            { after },
          )
        ).json()) as any
      ).data.repository.issue.comments;
    const p1 = await page();
    const p2 = await page(p1.pageInfo.endCursor);
    const p3 = await page(p2.pageInfo.endCursor);
    expect([...p1.nodes, ...p2.nodes, ...p3.nodes].map((c: { body: string }) => c.body)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(p3.pageInfo.hasNextPage).toBe(false);
  });

  it('requires a token, and refuses a query the points budget cannot pay', async () => {
    await gh.close();
    let clock = Date.parse('2025-06-01T12:00:00Z');
    gh = await GitHubEmulator.start({ graphqlRateLimit: 2, now: () => clock });
    gh.addToken(TOKEN);
    gh.repo('acme/app').createIssue({ title: 'x' });
    const q = `{ repository(owner: "acme", name: "app") { issue(number: 1) { ${COMMENTS} } } }`;
    expect((await gql(q, {}, '')).status).toBe(401);
    expect((await gql(q)).status).toBe(200);
    expect((await gql(q)).status).toBe(200);
    const limited = await gql(q);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await limited.json()) as { errors: Array<{ type: string }> }).errors[0]!.type).toBe('RATE_LIMITED');
    clock += 3600_000;
    expect((await gql(q)).status).toBe(200);
  });
});

describe('GitHub emulator: the repository-wide comments listing', () => {
  it("lists every thread's comments, since an updated_at (inclusive, to the second), sorted, 100 a page", async () => {
    let clock = Date.parse('2025-06-01T12:00:00Z');
    await gh.close();
    gh = await GitHubEmulator.start({ now: () => clock });
    const repo = gh.repo('acme/app');
    const a = repo.createIssue({ title: 'a' });
    const b = repo.createPull({ title: 'b' });
    const ids = Array.from({ length: 150 }, (_, i) => repo.addComment(i % 2 ? a : b, 'bo', `c${i}`));
    clock += 60_000;
    repo.editComment(ids[3]!, 'edited');
    const late = repo.addComment(a, 'cy', 'late');
    const all = await fetch(`${gh.url}/repos/acme/app/issues/comments?per_page=100`);
    expect(((await all.json()) as unknown[]).length).toBe(100);
    expect(all.headers.get('link')).toContain('rel="next"');
    const since = new Date(clock).toISOString();
    const recent = (await (await fetch(`${gh.url}/repos/acme/app/issues/comments?since=${since}&sort=updated&direction=asc`)).json()) as Array<{
      id: number;
      body: string;
      issue_url: string;
    }>;
    expect(recent.map((c) => c.id)).toEqual([ids[3], late]);
    expect(recent[0]!.body).toBe('edited');
    expect(recent[0]!.issue_url).toMatch(new RegExp(`/repos/acme/app/issues/${a}$`));
    repo.deleteComment(late);
    expect(((await (await fetch(`${gh.url}/repos/acme/app/issues/comments?since=${since}`)).json()) as unknown[]).length).toBe(1);
  });
});
