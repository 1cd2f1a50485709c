import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubPullRequests } from '../../../lib/api/index.js';
import { createGitHubClient, type GitHubClient } from '../../../lib/github/client.js';
import { GitHubPullRequestsSource } from '../../../lib/spawner/sources/github-pull-requests.js';
import { GitHubEmulator, type RepoHandle } from '../../emulators/github.js';

const log = pino({ level: 'silent' });
let gh: GitHubEmulator;
let repo: RepoHandle;
let client: GitHubClient;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2025-06-01T12:00:00Z');
  gh = await GitHubEmulator.start({ now: () => clock });
  repo = gh.repo('acme/app');
  client = createGitHubClient({ baseUrl: gh.url, log, retryBaseMs: 5, rateLimitSecondMs: 5 });
});
afterEach(() => gh.close());

const source = (spec: GitHubPullRequests) => new GitHubPullRequestsSource({ client, repo: { owner: 'acme', repo: 'app' }, spec, log });
const tick = (s = 10) => (clock += s * 1000);
const ids = async (src: GitHubPullRequestsSource) => (await src.discover()).map((i) => i.id);

describe('GitHubPullRequestsSource', () => {
  it('filters by labels (all required), excluded labels, draft and authors', async () => {
    repo.createPull({ title: 'ok', labels: ['generated-by-kelos', 'ok-to-test'], user: 'bot' });
    repo.createPull({ title: 'one label', labels: ['generated-by-kelos'], user: 'bot' });
    repo.createPull({ title: 'draft', labels: ['generated-by-kelos', 'ok-to-test'], draft: true, user: 'bot' });
    repo.createPull({ title: 'held', labels: ['generated-by-kelos', 'ok-to-test', 'hold'], user: 'bot' });
    repo.createPull({ title: 'human', labels: ['generated-by-kelos', 'ok-to-test'], user: 'human' });
    repo.createIssue({ title: 'an issue', labels: ['generated-by-kelos', 'ok-to-test'] });
    const labels = ['generated-by-kelos', 'ok-to-test'];
    expect(await ids(source({ labels, excludeLabels: ['hold'], draft: false }))).toEqual(['1', '5']);
    expect(await ids(source({ labels, draft: true }))).toEqual(['3']);
    expect(await ids(source({ labels, author: 'bot', excludeLabels: ['hold'] }))).toEqual(['1', '3']);
    expect(await ids(source({ labels, excludeAuthors: ['human'], excludeLabels: ['hold'], draft: false }))).toEqual(['1']);
  });

  it('filters by the review state on the head commit and carries Branch and ReviewState', async () => {
    const approved = repo.createPull({ title: 'approved', head: 'feat-a' });
    const changes = repo.createPull({ title: 'changes', head: 'feat-b' });
    const stale = repo.createPull({ title: 'approved before a push', head: 'feat-c' });
    repo.createPull({ title: 'unreviewed' });
    tick();
    repo.addReview(approved, 'rev1', 'APPROVED');
    repo.addReview(changes, 'rev1', 'APPROVED');
    repo.addReview(changes, 'rev2', 'CHANGES_REQUESTED');
    repo.addReview(stale, 'rev1', 'APPROVED');
    tick();
    repo.pushCommit(stale);
    const items = await source({ reviewState: 'approved' }).discover();
    expect(items.map((i) => [i.id, i.branch, i.reviewState])).toEqual([[String(approved), 'feat-a', 'approved']]);
    expect(items[0]!.triggerTime).toEqual(new Date(Date.parse('2025-06-01T12:00:10Z')));
    expect(await ids(source({ reviewState: 'changes_requested' }))).toEqual([String(changes)]);
    const any = await source({}).discover();
    expect(any.map((i) => i.reviewState)).toEqual(['', '', '', '']);
  });

  it('reads reviews only for changed pull requests, and nothing but 304s when quiet', async () => {
    for (let i = 0; i < 5; i++) repo.addReview(repo.createPull({ title: `p${i}` }), 'rev', 'APPROVED');
    const src = source({ reviewState: 'approved' });
    tick();
    expect(await ids(src)).toHaveLength(5);
    gh.resetStats();
    tick();
    expect(await ids(src)).toHaveLength(5);
    expect(gh.stats()).toMatchObject({ requests: 1, notModified: 1 });
    repo.addReview(3, 'rev2', 'CHANGES_REQUESTED');
    gh.resetStats();
    tick();
    expect(await ids(src)).toEqual(['1', '2', '4', '5']);
    expect(gh.stats().routes['GET /repos/{owner}/{repo}/pulls/{number}/reviews']!.requests).toBe(1);
  });

  it('loads ReviewComments from the head commit only, with their location', async () => {
    const n = repo.createPull({ title: 'pr' });
    repo.addReviewComment(n, 'rev', 'old nit', { path: 'a.ts', line: 1 });
    tick();
    repo.pushCommit(n);
    repo.addReviewComment(n, 'rev', 'please rename', { path: 'src/b.ts', line: 12 });
    repo.addReviewComment(n, 'rev', 'file-level note', { path: 'c.md', line: null });
    repo.addComment(n, 'alice', 'conversation');
    const src = source({});
    const items = await src.discover();
    expect(items[0]!.reviewComments).toBeUndefined();
    await src.hydrate(items, { comments: true, reviewComments: true, changedFiles: false });
    expect(items[0]!.reviewComments).toBe('src/b.ts:12\nplease rename\n---\nc.md\nfile-level note');
    expect(items[0]!.comments).toBe('conversation');
  });

  it('applies a comment policy to pull requests', async () => {
    const a = repo.createPull({ title: 'a' });
    const b = repo.createPull({ title: 'b' });
    tick();
    repo.addComment(a, 'maintainer', '/kelos pick-up');
    repo.addComment(b, 'drive-by', '/kelos pick-up');
    repo.setPermission('maintainer', 'admin');
    gh.addUser('drive-by');
    const items = await source({ commentPolicy: { triggerComment: '/kelos pick-up', minimumPermission: 'write' } }).discover();
    expect(items.map((i) => i.id)).toEqual([String(a)]);
    expect(items[0]!.triggerTime).toEqual(new Date(clock));
  });

  describe('filePatterns', () => {
    const FILES = 'GET /repos/{owner}/{repo}/pulls/{number}/files';

    it('keeps only pull requests whose changed files match, and carries them as changedFiles', async () => {
      const go = repo.createPull({ title: 'go code' });
      repo.setPullFiles(go, ['cmd/main.go', 'vendor/x/y.go', 'README.md']);
      const vendored = repo.createPull({ title: 'vendor bump' });
      repo.setPullFiles(vendored, ['vendor/x/y.go', 'go.sum']);
      const docs = repo.createPull({ title: 'docs' });
      repo.setPullFiles(docs, ['docs/guide.md']);
      const items = await source({ filePatterns: { include: ['**/*.go'], exclude: ['vendor/**'] } }).discover();
      expect(items.map((i) => [i.id, i.changedFiles])).toEqual([[String(go), ['cmd/main.go', 'vendor/x/y.go', 'README.md']]]);
    });

    it('reads files only of pull requests the cheaper filters kept', async () => {
      repo.setPullFiles(repo.createPull({ title: 'a', labels: ['review'] }), ['a.go']);
      repo.setPullFiles(repo.createPull({ title: 'b' }), ['b.go']);
      repo.setPullFiles(repo.createPull({ title: 'c', labels: ['review'], draft: true }), ['c.go']);
      gh.resetStats();
      expect(await ids(source({ labels: ['review'], draft: false, filePatterns: { include: ['*.go'] } }))).toEqual(['1']);
      expect(gh.stats().routes[FILES]!.requests).toBe(1);
    });

    it('reads no files while a pull request is unchanged, and revalidates them by ETag when it changed', async () => {
      const n = repo.createPull({ title: 'p' });
      repo.setPullFiles(n, ['src/a.ts']);
      const src = source({ filePatterns: { include: ['src/**'] } });
      tick();
      expect(await ids(src)).toEqual([String(n)]);
      gh.resetStats();
      tick();
      expect(await ids(src)).toEqual([String(n)]);
      expect(gh.stats().routes[FILES]).toBeUndefined();
      // A comment changes updated_at, not the files: one 304.
      repo.addComment(n, 'alice', 'nice');
      gh.resetStats();
      tick();
      expect(await ids(src)).toEqual([String(n)]);
      expect(gh.stats().routes[FILES]).toMatchObject({ requests: 1, notModified: 1 });
      // A push that leaves src/: the pull request no longer passes.
      repo.setPullFiles(n, ['docs/a.md']);
      tick();
      expect(await ids(src)).toEqual([]);
    });

    it('reads every page of a long file list', async () => {
      const n = repo.createPull({ title: 'big' });
      repo.setPullFiles(n, [...Array.from({ length: 250 }, (_, i) => `gen/f${i}.txt`), 'src/late.ts']);
      gh.resetStats();
      const items = await source({ filePatterns: { include: ['src/**'] } }).discover();
      expect(items.map((i) => i.changedFiles?.length)).toEqual([251]);
      expect(gh.stats().routes[FILES]!.requests).toBe(3);
    });

    it('loads changedFiles for templates when no filePatterns filter', async () => {
      const n = repo.createPull({ title: 'p' });
      repo.setPullFiles(n, ['a.ts', 'b.ts']);
      const src = source({});
      const items = await src.discover();
      expect(items[0]!.changedFiles).toBeUndefined();
      await src.hydrate(items, { comments: false, reviewComments: false, changedFiles: true });
      expect(items[0]!.changedFiles).toEqual(['a.ts', 'b.ts']);
    });

    it('fails when a glob is malformed, naming it', () => {
      expect(() => source({ filePatterns: { include: ['src/[a'] } })).toThrow('githubPullRequests.filePatterns.include[0]: "src/[a" has an unclosed [');
    });
  });
});
