// The GitHub emulator's write routes (issue comments, check runs) and a pull request's files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubEmulator } from './github.js';

let gh: GitHubEmulator;
const TOKEN = 'ghp_user';
const APP = 'ghs_app';
const call = (method: string, path: string, body?: unknown, token = TOKEN, headers: Record<string, string> = {}) =>
  fetch(`${gh.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `token ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

beforeEach(async () => {
  gh = await GitHubEmulator.start({ rateLimit: 100 });
  gh.addToken(TOKEN, 'alice');
  // An installation token: its identity is the App's bot.
  gh.addToken(APP, 'kelos-app[bot]');
});
afterEach(() => gh.close());

describe('issue comments', () => {
  it('creates a comment as the token’s user, charged to its rate limit, and lists it', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'one' });
    const res = await call('POST', `/repos/acme/app/issues/${n}/comments`, { body: 'hello {{.Title}}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('99');
    const c = (await res.json()) as { id: number; user: { login: string }; body: string; html_url: string };
    expect(c).toMatchObject({ user: { login: 'alice' }, body: 'hello {{.Title}}' });
    expect(c.html_url).toContain(`/acme/app/issues/${n}#issuecomment-${c.id}`);
    expect(repo.comments(n)).toEqual([expect.objectContaining({ id: c.id, user: 'alice', body: 'hello {{.Title}}' })]);
    const list = (await (await call('GET', `/repos/acme/app/issues/${n}/comments`)).json()) as Array<{ id: number }>;
    expect(list.map((x) => x.id)).toEqual([c.id]);
    expect(gh.stats().routes['POST /repos/{owner}/{repo}/issues/{number}/comments']).toMatchObject({ requests: 1, rateLimited: 1 });
  });

  it('edits its author’s comment, which changes the listing’s ETag', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'one' });
    const id = repo.addComment(n, 'alice', 'first');
    const before = await call('GET', `/repos/acme/app/issues/${n}/comments`);
    const res = await call('PATCH', `/repos/acme/app/issues/comments/${id}`, { body: 'second' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { body: string }).body).toBe('second');
    const after = await call('GET', `/repos/acme/app/issues/${n}/comments`, undefined, TOKEN, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(repo.comments(n).map((c) => c.body)).toEqual(['second']);
  });

  it('fails as GitHub does: another user’s comment, unknown ids, no body, too long, no token, bad JSON', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'one' });
    const bobs = repo.addComment(n, 'bob', 'mine');
    expect((await call('PATCH', `/repos/acme/app/issues/comments/${bobs}`, { body: 'x' })).status).toBe(403);
    expect((await call('PATCH', '/repos/acme/app/issues/comments/999999', { body: 'x' })).status).toBe(404);
    expect((await call('POST', '/repos/acme/app/issues/999/comments', { body: 'x' })).status).toBe(404);
    const none = await call('POST', `/repos/acme/app/issues/${n}/comments`, {});
    expect(none.status).toBe(422);
    expect(((await none.json()) as { message: string }).message).toContain('"body" wasn\'t supplied');
    const long = await call('POST', `/repos/acme/app/issues/${n}/comments`, { body: 'x'.repeat(65537) });
    expect(long.status).toBe(422);
    expect(((await long.json()) as { message: string }).message).toContain('maximum is 65536 characters');
    expect((await call('POST', `/repos/acme/app/issues/${n}/comments`, { body: 'x' }, '')).status).toBe(401);
    expect((await call('POST', `/repos/acme/app/issues/${n}/comments`, '{not json')).status).toBe(400);
    expect(repo.comments(n).map((c) => c.body)).toEqual(['mine']);
  });
});

describe('check runs', () => {
  it('creates a check run only with an App token, on a known commit, and completes it on update', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'pr' });
    const sha = repo.headSha(n);
    const byUser = await call('POST', '/repos/acme/app/check-runs', { name: 'Kelos: reviewer', head_sha: sha });
    expect(byUser.status).toBe(403);
    expect(((await byUser.json()) as { message: string }).message).toBe('You must authenticate via a GitHub App.');
    expect((await call('POST', '/repos/acme/app/check-runs', { name: 'x', head_sha: 'f'.repeat(40) }, APP)).status).toBe(422);
    expect((await call('POST', '/repos/acme/app/check-runs', { head_sha: sha }, APP)).status).toBe(422);

    const res = await call(
      'POST',
      '/repos/acme/app/check-runs',
      { name: 'Kelos: reviewer', head_sha: sha, status: 'in_progress', external_id: 'uid-1', output: { title: 'Running', summary: 'started' } },
      APP,
    );
    expect(res.status).toBe(201);
    const run = (await res.json()) as { id: number; status: string; conclusion: null; pull_requests: Array<{ number: number }> };
    expect(run).toMatchObject({ status: 'in_progress', conclusion: null, pull_requests: [{ number: n }] });
    // Completing needs a conclusion.
    expect((await call('PATCH', `/repos/acme/app/check-runs/${run.id}`, { status: 'completed' }, APP)).status).toBe(422);
    // Only the App that created it may update it.
    gh.addToken('ghs_other', 'other-app[bot]');
    expect((await call('PATCH', `/repos/acme/app/check-runs/${run.id}`, { conclusion: 'success' }, 'ghs_other')).status).toBe(403);
    const done = await call(
      'PATCH',
      `/repos/acme/app/check-runs/${run.id}`,
      { status: 'completed', conclusion: 'failure', output: { title: 'Failed', summary: 'it failed' } },
      APP,
    );
    expect(done.status).toBe(200);
    expect(repo.checkRuns()).toEqual([
      expect.objectContaining({
        id: run.id,
        name: 'Kelos: reviewer',
        headSha: sha,
        status: 'completed',
        conclusion: 'failure',
        externalId: 'uid-1',
        output: { title: 'Failed', summary: 'it failed' },
        updates: 1,
      }),
    ]);
    expect(repo.checkRuns()[0]!.completedAt).not.toBeNull();
  });

  it('lists the check runs of a commit by name', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'pr' });
    const sha = repo.headSha(n);
    for (const name of ['a', 'b', 'a']) await call('POST', '/repos/acme/app/check-runs', { name, head_sha: sha }, APP);
    const list = async (q: string) =>
      (await (await call('GET', `/repos/acme/app/commits/${sha}/check-runs?${q}`)).json()) as {
        total_count: number;
        check_runs: Array<{ name: string; id: number }>;
      };
    expect((await list('check_name=a&filter=all')).total_count).toBe(2);
    expect((await list('check_name=a')).check_runs).toHaveLength(1);
    expect((await list('')).check_runs.map((r) => r.name).sort()).toEqual(['a', 'b']);
  });
});

describe('pull request files', () => {
  it('pages the files 30 by default, at most 100 a page, at most 3,000 in all', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'huge' });
    repo.setPullFiles(
      n,
      Array.from({ length: 5000 }, (_, i) => `src/f${i}.ts`),
    );
    const first = await call('GET', `/repos/acme/app/pulls/${n}/files`);
    expect(((await first.json()) as unknown[]).length).toBe(30);
    const last = /<([^>]+)>; rel="last"/.exec(first.headers.get('link')!)![1]!;
    expect(new URL(last).searchParams.get('page')).toBe('100');
    const page30 = await call('GET', `/repos/acme/app/pulls/${n}/files?per_page=100&page=30`);
    const files = (await page30.json()) as Array<{ filename: string; status: string; patch: string }>;
    expect(files).toHaveLength(100);
    expect(files[99]).toMatchObject({ filename: 'src/f2999.ts', status: 'modified' });
    expect(page30.headers.get('link')).not.toContain('rel="next"');
    expect(((await (await call('GET', `/repos/acme/app/pulls/${n}/files?per_page=100&page=31`)).json()) as unknown[]).length).toBe(0);
  });

  it('answers 304 while the files are the same, and changes the ETag with a new head', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'pr' });
    repo.setPullFiles(n, ['a.md']);
    const first = await call('GET', `/repos/acme/app/pulls/${n}/files`);
    const etag = first.headers.get('etag')!;
    expect((await call('GET', `/repos/acme/app/pulls/${n}/files`, undefined, TOKEN, { 'if-none-match': etag })).status).toBe(304);
    repo.addComment(n, 'bob', 'a comment changes nothing here');
    expect((await call('GET', `/repos/acme/app/pulls/${n}/files`, undefined, TOKEN, { 'if-none-match': etag })).status).toBe(304);
    repo.setPullFiles(n, ['a.md']);
    expect((await call('GET', `/repos/acme/app/pulls/${n}/files`, undefined, TOKEN, { 'if-none-match': etag })).status).toBe(200);
  });
});

// What gh pr create and gh pr list (gh 2.23, Debian bookworm's) ask, in their own words.
describe('pull requests over GraphQL', () => {
  const gql = async (query: string, variables: Record<string, unknown>, token = TOKEN) =>
    (await (await call('POST', '/api/graphql', { query, variables }, token)).json()) as { data?: any; errors?: Array<{ message: string }> };
  const FIND = `query PullRequestForBranch($owner: String!, $repo: String!, $headRefName: String!, $states: [PullRequestState!]) {
    repository(owner: $owner, name: $repo) {
      pullRequests(headRefName: $headRefName, states: $states, first: 30, orderBy: { field: CREATED_AT, direction: DESC }) {
        nodes {url,id,number,state,baseRefName,headRefName,isCrossRepository,headRepositoryOwner{id,login,...on User{name}}}
      }
      defaultBranchRef { name }
    }
  }`;

  it('opens a pull request as the token’s user and finds it by its head branch', async () => {
    const repo = gh.repo('acme/app');
    repo.createIssue({ title: 'an issue first' });
    const info = await gql(
      'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id viewerPermission defaultBranchRef { name } } }',
      {
        owner: 'acme',
        name: 'app',
      },
    );
    expect(info.data.repository).toMatchObject({ viewerPermission: 'WRITE', defaultBranchRef: { name: 'main' } });
    const none = await gql(FIND, { owner: 'acme', repo: 'app', headRefName: 'agent/1', states: ['OPEN'] });
    expect(none).toEqual({ data: { repository: { pullRequests: { nodes: [] }, defaultBranchRef: { name: 'main' } } } });

    const created = await gql('mutation PullRequestCreate($input: CreatePullRequestInput!) { createPullRequest(input: $input) { pullRequest { id url } } }', {
      input: { repositoryId: info.data.repository.id, title: 'Fix', body: 'Fixes #1', headRefName: 'agent/1', baseRefName: 'main', draft: false },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data.createPullRequest.pullRequest.url).toBe(`${gh.url}/acme/app/pull/2`);
    expect(repo.pulls()).toEqual([
      expect.objectContaining({ number: 2, title: 'Fix', body: 'Fixes #1', user: 'alice', head: 'agent/1', base: 'main', state: 'open' }),
    ]);

    const found = await gql(FIND, { owner: 'acme', repo: 'app', headRefName: 'agent/1', states: ['OPEN'] });
    expect(found.data.repository.pullRequests.nodes).toEqual([
      {
        url: `${gh.url}/acme/app/pull/2`,
        id: expect.any(String),
        number: 2,
        state: 'OPEN',
        baseRefName: 'main',
        headRefName: 'agent/1',
        isCrossRepository: false,
        headRepositoryOwner: { id: expect.any(String), login: 'acme', name: null },
      },
    ]);
    const closed = await gql(FIND, { owner: 'acme', repo: 'app', headRefName: 'agent/1', states: ['CLOSED'] });
    expect(closed.data.repository.pullRequests.nodes).toEqual([]);
  });

  it('refuses a repository id it does not know', async () => {
    const res = await gql('mutation($input: CreatePullRequestInput!) { createPullRequest(input: $input) { pullRequest { url } } }', {
      input: { repositoryId: 'R_bm9wZS9ub3Bl', title: 'x', headRefName: 'a', baseRefName: 'main' },
    });
    expect(res.errors?.[0]?.message).toMatch(/Could not resolve to a node/);
  });
});
