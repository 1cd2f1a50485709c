import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task, TaskSpawner } from '../../lib/api/index.js';
import { createGitHubClient } from '../../lib/github/client.js';
import { RepoApi } from '../../lib/github/repo-api.js';
import { reportingOf, TaskReporter } from '../../lib/github/task-reporter.js';
import { GitHubEmulator, type RepoHandle } from '../emulators/github.js';

const log = pino({ level: 'silent' });
const NOW = new Date('2025-06-01T12:00:00Z');
let gh: GitHubEmulator;
let repo: RepoHandle;
let api: RepoApi;

beforeEach(async () => {
  gh = await GitHubEmulator.start();
  gh.addToken('ghs_app', 'kelos-app[bot]');
  repo = gh.repo('acme/app');
  api = new RepoApi(createGitHubClient({ baseUrl: gh.url, credentials: { token: 'ghs_app' }, log, retries: 0 }), { owner: 'acme', repo: 'app' });
});
afterEach(() => gh.close());

const spawner = (when: TaskSpawner['spec']['when']): TaskSpawner => ({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'TaskSpawner',
  metadata: { name: 'rev', namespace: 'n', uid: 'spawner-uid' },
  spec: { when, taskTemplate: { type: 'claude-code', credentials: { type: 'none' } } },
});

let uid = 0;
const task = (number: number, opts: { kind?: string; repo?: string; owner?: string; reported?: string | null; sha?: string } = {}): Task => ({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'Task',
  metadata: {
    name: `rev-${number}`,
    namespace: 'n',
    uid: `task-${++uid}`,
    ownerReferences: [{ apiVersion: 'kelos.dev/v1alpha1', kind: 'TaskSpawner', name: 'rev', uid: opts.owner ?? 'spawner-uid', controller: true }],
    annotations: {
      'kelos.dev/source-kind': opts.kind ?? 'pull-request',
      'kelos.dev/source-number': String(number),
      'kelos.dev/source-repo': opts.repo ?? 'acme/app',
      ...(opts.reported === null ? {} : { 'kelos.dev/reported': opts.reported ?? 'pending' }),
      ...(opts.sha ? { 'kelos.dev/source-sha': opts.sha } : {}),
    },
  },
  spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'none' } },
  status: { phase: 'Running' },
});

async function sync(reporter: TaskReporter, s: TaskSpawner, tasks: Task[], now = NOW) {
  const patches: Array<[string, Record<string, string>]> = [];
  await reporter.sync({ spawner: s, tasks, api, webOrigin: 'https://github.com', now, patch: async (t, a) => void patches.push([t.metadata.name!, a]) });
  return patches;
}

describe('reportingOf', () => {
  it('says what a spawner reports: a comment, a check run named after it unless named', () => {
    expect(reportingOf(spawner({ githubIssues: {} }))).toBeUndefined();
    expect(reportingOf(spawner({ githubIssues: { reporting: { enabled: false } } }))).toBeUndefined();
    expect(reportingOf(spawner({ githubIssues: { reporting: { enabled: true } } }))).toEqual({ comment: true });
    expect(reportingOf(spawner({ githubPullRequests: { reporting: { checks: {} } } }))).toEqual({ comment: false, checkName: 'Kelos: rev' });
    expect(reportingOf(spawner({ githubPullRequests: { reporting: { enabled: true, checks: { name: 'ci/agent' } } } }))).toEqual({
      comment: true,
      checkName: 'ci/agent',
    });
  });
});

describe('TaskReporter', () => {
  it('reports only its own Tasks, made with reporting on, for items of its repository', async () => {
    const n = repo.createPull({ title: 'p' });
    const patches = await sync(new TaskReporter(log), spawner({ githubPullRequests: { reporting: { enabled: true } } }), [
      task(n, { owner: 'someone-else' }),
      task(n, { repo: 'acme/other' }),
      task(n, { reported: null }),
      task(n),
    ]);
    expect(repo.comments(n)).toHaveLength(1);
    expect(patches).toEqual([[`rev-${n}`, { 'kelos.dev/report-comment-id': String(repo.comments(n)[0]!.id), 'kelos.dev/reported': 'started' }]]);
  });

  it('keeps check runs to pull requests with a recorded head commit', async () => {
    const n = repo.createPull({ title: 'p' });
    const s = spawner({ githubPullRequests: { reporting: { checks: {} } } });
    await sync(new TaskReporter(log), s, [task(n, { sha: repo.headSha(n) }), task(n, { kind: 'issue', sha: repo.headSha(n) }), task(n, { sha: 'not a sha' })]);
    expect(repo.checkRuns()).toHaveLength(1);
    expect(repo.comments(n)).toEqual([]);
  });

  it('backs off a failing report, doubling the wait, and forgets Tasks that are gone', async () => {
    const n = repo.createIssue({ title: 'i' });
    const reporter = new TaskReporter(log, { baseMs: 1000, maxMs: 3000 });
    const s = spawner({ githubIssues: { reporting: { enabled: true } } });
    const t = task(n, { kind: 'issue' });
    gh.setFaults({ rate: 1, kinds: ['server-error'] });
    await sync(reporter, s, [t]);
    expect(reporter.nextRetryAt()).toBe(NOW.getTime() + 1000);
    gh.resetStats();
    await sync(reporter, s, [t], new Date(NOW.getTime() + 999));
    expect(gh.stats().requests).toBe(0);
    await sync(reporter, s, [t], new Date(NOW.getTime() + 1000));
    expect(reporter.nextRetryAt()).toBe(NOW.getTime() + 3000);
    await sync(reporter, s, [t], new Date(NOW.getTime() + 3000));
    expect(reporter.nextRetryAt()).toBe(NOW.getTime() + 6000);
    gh.clearFaults();
    await sync(reporter, s, [t], new Date(NOW.getTime() + 6000));
    expect(repo.comments(n)).toHaveLength(1);
    expect(reporter.nextRetryAt()).toBeUndefined();
    gh.setFaults({ rate: 1, kinds: ['server-error'] });
    await sync(reporter, s, [task(n, { kind: 'issue' })]);
    expect(reporter.nextRetryAt()).toBeDefined();
    await sync(reporter, s, []);
    expect(reporter.nextRetryAt()).toBeUndefined();
  });
});
