import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubIssues, GitHubPullRequests, Task, TaskSpawner } from '../../../lib/api/index.js';
import { createGitHubClient } from '../../../lib/github/client.js';
import { buildTask } from '../../../lib/spawner/build-task.js';
import { planCycle } from '../../../lib/spawner/cycle.js';
import { GitHubIssuesSource, type ThreadReads } from '../../../lib/spawner/sources/github-issues.js';
import { GitHubPullRequestsSource } from '../../../lib/spawner/sources/github-pull-requests.js';
import { type Source, templateNeeds } from '../../../lib/spawner/sources/source.js';
import { GitHubEmulator, type RepoHandle } from '../../emulators/github.js';

// The batched thread reads (GraphQL) against the old per-item path (one REST
// listing per thread) over the same emulator data: the same Tasks, fewer requests.

const PICK = '/kelos pick-up';
const NEEDS = '/kelos needs-input';
const log = pino({ level: 'silent' });
let gh: GitHubEmulator;
let repo: RepoHandle;
let clock: number;
let tokens = 0;

beforeEach(async () => {
  clock = Date.parse('2025-06-01T12:00:00Z');
  gh = await GitHubEmulator.start({ now: () => clock, requireAuth: true });
  repo = gh.repo('acme/app');
});
afterEach(() => gh.close());

const tick = (s = 10) => (clock += s * 1000);

function client() {
  const token = `ghp_${++tokens}`;
  gh.addToken(token, 'kelos-bot');
  return createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token }, log, retryBaseMs: 1, rateLimitSecondMs: 1 });
}

function spawnerOf(when: TaskSpawner['spec']['when'], promptTemplate: string): TaskSpawner {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 'fixer', namespace: 'dev', uid: 'uid-1' },
    spec: {
      when,
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' }, branch: 'fix-{{.Number}}', promptTemplate },
    },
  };
}

/** One cycle the way the runtime runs it: discover, plan, hydrate what the templates use, render. */
async function tasksOf(source: Source, spawner: TaskSpawner, existing: readonly string[] = []): Promise<Task[]> {
  const items = await source.discover(new Date(clock));
  const plan = planCycle({ spawner: spawner.metadata.name!, items, tasks: existing.map((name) => ({ name, phase: 'Running' })), totalTasksCreated: 0 });
  const t = spawner.spec.taskTemplate;
  const needs = templateNeeds([t.promptTemplate, t.branch]);
  if (source.hydrate && (needs.comments || needs.reviewComments))
    await source.hydrate(
      plan.creates.map((c) => c.item),
      needs,
    );
  return plan.creates.map((c) => buildTask(spawner, c.item, c.name));
}

/** Runs the same cycles through a per-item and a batched source; returns both Task lists per cycle and the requests each made. */
async function compare(make: (reads: ThreadReads) => Source, spawner: TaskSpawner, changes: Array<() => void>) {
  const perItem = make('per-item');
  const batched = make('batched');
  const cycles: Array<{ perItem: Task[]; batched: Task[]; requests: { perItem: number; batched: number; graphql: number } }> = [];
  const done: Record<string, string[]> = { perItem: [], batched: [] };
  for (const change of [() => undefined, ...changes]) {
    change();
    tick();
    gh.resetStats();
    const a = await tasksOf(perItem, spawner, done.perItem);
    const afterA = gh.stats().requests;
    const b = await tasksOf(batched, spawner, done.batched);
    const s = gh.stats();
    done.perItem!.push(...a.map((t) => t.metadata.name!));
    done.batched!.push(...b.map((t) => t.metadata.name!));
    cycles.push({ perItem: a, batched: b, requests: { perItem: afterA, batched: s.requests - afterA, graphql: s.routes['POST /graphql']?.requests ?? 0 } });
  }
  return cycles;
}

describe('batched thread reads make the same Tasks as per-item reads', () => {
  it('for issues and pull requests with a comment policy, through bots, long, edited and deleted threads', async () => {
    repo.setPermission('maint', 'write');
    repo.setPermission('reader', 'read');
    gh.addUser('helper[bot]', 'Bot');
    repo.setPermission('helper[bot]', 'write');
    const labels = ['agent'];
    const issue = (title: string, body?: string, user = 'dev') => repo.createIssue({ title, labels, user, ...(body ? { body } : {}) });
    const expectIn: number[] = [];
    const expectOut: number[] = [];

    let n = issue('maintainer triggers');
    repo.addComment(n, 'dev', 'Seen it too — ünïcødé ✓');
    repo.addComment(n, 'maint', `Go.\n${PICK}`);
    expectIn.push(n);
    n = issue('reader triggers');
    repo.addComment(n, 'reader', PICK);
    expectOut.push(n);
    n = issue('trigger, then exclude');
    repo.addComment(n, 'maint', PICK);
    tick();
    repo.addComment(n, 'maint', NEEDS);
    expectOut.push(n);
    n = issue('exclude, then trigger');
    repo.addComment(n, 'maint', NEEDS);
    tick();
    repo.addComment(n, 'maint', `  ${PICK}  `);
    expectIn.push(n);
    n = issue('body trigger by a maintainer', `Please\n${PICK}`, 'maint');
    expectIn.push(n);
    n = issue('bot triggers');
    // A bot's trigger does not count, even with write permission (an agent echoing the command).
    repo.addComment(n, 'helper[bot]', PICK);
    expectOut.push(n);
    n = issue('long thread, trigger at the end');
    for (let i = 0; i < 104; i++) repo.addComment(n, 'dev', `noise ${i} ${'x'.repeat(900)}`);
    repo.addComment(n, 'maint', PICK);
    expectIn.push(n);
    n = issue('edited into a trigger');
    const edited = repo.addComment(n, 'maint', 'will look');
    repo.editComment(edited, `will look\n${PICK}`);
    expectIn.push(n);
    n = issue('trigger deleted');
    repo.deleteComment(repo.addComment(n, 'maint', PICK));
    repo.addComment(n, 'dev', 'hm');
    expectOut.push(n);
    n = issue('no comments');
    expectOut.push(n);
    const pull = repo.createPull({ title: 'a pull request', labels, user: 'dev' });
    repo.addComment(pull, 'maint', PICK);
    expectIn.push(pull);
    repo.createIssue({ title: 'unlabelled, triggered', user: 'dev' });
    repo.addComment(repo.issueNumbers().at(-1)!, 'maint', PICK);

    const spec: GitHubIssues = {
      labels,
      types: ['issues', 'pulls'],
      commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' },
    };
    const spawner = spawnerOf({ githubIssues: spec }, '#{{.Number}} {{.Title}} ({{.Kind}})\n{{.Body}}\n---\n{{.Comments}}');
    const later = [
      () => {
        // Two threads change at once (batched again), one gets a trigger from a reader (ignored).
        repo.addComment(expectOut[0]!, 'maint', PICK);
        repo.addComment(expectOut[3]!, 'maint', PICK);
        repo.addComment(expectIn[0]!, 'reader', NEEDS);
      },
      () => repo.addComment(expectOut[1]!, 'maint', PICK),
    ];
    const cycles = await compare(
      (threadReads) => new GitHubIssuesSource({ client: client(), repo: { owner: 'acme', repo: 'app' }, spec, log, threadReads }),
      spawner,
      later,
    );

    for (const c of cycles) expect(c.batched).toEqual(c.perItem);
    const numbers = (tasks: Task[]) => tasks.map((t) => Number(t.metadata.annotations!['kelos.dev/source-number'])).sort((a, b) => a - b);
    expect(numbers(cycles[0]!.batched)).toEqual([...expectIn].sort((a, b) => a - b));
    expect(numbers(cycles[1]!.batched)).toEqual([expectOut[0]!, expectOut[3]!].sort((a, b) => a - b));
    expect(numbers(cycles[2]!.batched)).toEqual([expectOut[1]!]);
    // The long thread came over REST; its Comments kept the newest 64 KiB.
    const long = cycles[0]!.batched.find((t) => t.spec.prompt.includes(' long thread, '))!;
    expect(long.spec.prompt).toContain(PICK);
    expect(long.spec.prompt).not.toContain('noise 0 ');
    // First cycle: one GraphQL query instead of one listing per thread.
    expect(cycles[0]!.requests.graphql).toBe(1);
    expect(cycles[0]!.requests.batched).toBeLessThan(cycles[0]!.requests.perItem - 5);
    expect(cycles[1]!.requests.graphql).toBe(1);
  });

  it('for the Comments of Tasks without a comment policy', async () => {
    for (let i = 0; i < 12; i++) {
      const n = repo.createIssue({ title: `i${i}`, labels: ['agent'] });
      for (let c = 0; c < i % 3; c++) repo.addComment(n, 'dev', `comment ${c} of ${i}`);
    }
    const spec: GitHubIssues = { labels: ['agent'] };
    const spawner = spawnerOf({ githubIssues: spec }, '{{.Title}}: {{.Comments}}');
    const [first] = await compare(
      (threadReads) => new GitHubIssuesSource({ client: client(), repo: { owner: 'acme', repo: 'app' }, spec, log, threadReads }),
      spawner,
      [],
    );
    expect(first!.batched).toEqual(first!.perItem);
    expect(first!.batched).toHaveLength(12);
    expect(first!.batched[5]!.spec.prompt).toBe('i5: comment 0 of 5\n---\ncomment 1 of 5');
    expect(first!.requests.graphql).toBe(1);
  });

  it('for pull requests filtered by review state with a comment policy', async () => {
    repo.setPermission('maint', 'write');
    const pulls = Array.from({ length: 8 }, (_, i) => repo.createPull({ title: `p${i}`, head: `feat-${i}` }));
    tick();
    for (const [i, p] of pulls.entries()) {
      if (i % 2 === 0) repo.addReview(p, 'rev', 'APPROVED');
      if (i % 4 === 0) repo.addReview(p, 'rev2', 'CHANGES_REQUESTED');
      if (i % 3 === 0) repo.addComment(p, 'maint', PICK);
      if (i === 7) repo.addComment(p, 'maint', NEEDS);
    }
    const spec: GitHubPullRequests = { reviewState: 'approved', commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' } };
    const spawner = spawnerOf({ githubPullRequests: spec }, '{{.Title}} on {{.Branch}} ({{.ReviewState}}): {{.Comments}}');
    const later = [() => repo.addComment(pulls[2]!, 'maint', PICK)];
    const cycles = await compare(
      (threadReads) => new GitHubPullRequestsSource({ client: client(), repo: { owner: 'acme', repo: 'app' }, spec, log, threadReads }),
      spawner,
      later,
    );
    for (const c of cycles) expect(c.batched).toEqual(c.perItem);
    expect(cycles[0]!.batched.map((t) => t.spec.prompt)).toEqual([`p6 on feat-6 (approved): ${PICK}`]);
    expect(cycles[1]!.batched.map((t) => t.spec.prompt)).toEqual([`p2 on feat-2 (approved): ${PICK}`]);
    expect(cycles[0]!.requests.graphql).toBe(1);
  });

  it('when GraphQL is not available, by reading over REST', async () => {
    await gh.close();
    gh = await GitHubEmulator.start({ now: () => clock });
    repo = gh.repo('acme/app');
    // Without a stated minimumPermission a trigger needs write permission.
    repo.setPermission('dev', 'write');
    const spec: GitHubIssues = { triggerComment: PICK };
    const spawner = spawnerOf({ githubIssues: spec }, '{{.Title}}');
    const anonymous = () => createGitHubClient({ baseUrl: gh.url, log, retryBaseMs: 1 });
    for (let i = 0; i < 3; i++) repo.addComment(repo.createIssue({ title: `i${i}` }), 'dev', PICK);
    const [first] = await compare(
      (threadReads) => new GitHubIssuesSource({ client: anonymous(), repo: { owner: 'acme', repo: 'app' }, spec, log, threadReads }),
      spawner,
      [],
    );
    expect(first!.batched).toEqual(first!.perItem);
    expect(first!.batched).toHaveLength(3);
    // One refused query (401), then the three listings; one permission check for the one author.
    expect(first!.requests).toMatchObject({ perItem: 6, batched: 7, graphql: 1 });
  });
});
