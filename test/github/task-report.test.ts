import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/index.js';
import { createGitHubClient } from '../../lib/github/client.js';
import { RepoApi } from '../../lib/github/repo-api.js';
import { commentBody, ReportError, type ReportState, type ReportTarget, reportFigures, reportMarker, reportTask } from '../../lib/github/task-report.js';
import { GitHubEmulator, type RepoHandle } from '../emulators/github.js';

const log = pino({ level: 'silent' });
const NOW = new Date('2025-06-01T12:00:00Z');
let gh: GitHubEmulator;
let repo: RepoHandle;
let api: RepoApi;

beforeEach(async () => {
  gh = await GitHubEmulator.start();
  // An installation token: only Apps create check runs.
  gh.addToken('ghs_app', 'kelos-app[bot]');
  repo = gh.repo('acme/app');
  api = new RepoApi(createGitHubClient({ baseUrl: gh.url, credentials: { token: 'ghs_app' }, log, retries: 0 }), { owner: 'acme', repo: 'app' });
});
afterEach(() => gh.close());

const task = (phase?: string, results?: Record<string, string>): Task => ({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 'reviewer-7', namespace: 'agents', uid: '6f1c2a9e-0000-4000-8000-000000000007' },
  spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'oauth', secretRef: { name: 'c' } } },
  ...(phase ? { status: { phase, ...(results ? { results } : {}) } } : {}),
});

describe('reportTask', () => {
  it('comments when the Task starts and edits the same comment when it ends, keeping a check run beside it', async () => {
    const n = repo.createPull({ title: 'p' });
    const sha = repo.headSha(n);
    const target: ReportTarget = { number: n, comment: true, checkName: 'Kelos: reviewer', headSha: sha, webOrigin: 'https://github.com' };
    let state: ReportState = await reportTask(api, task('Running'), target, {}, NOW);
    expect(state.reported).toBe('started');
    expect(repo.comments(n).map((c) => c.body)).toEqual([`${reportMarker(task())}\nKelos Task \`reviewer-7\` started.`]);
    expect(repo.checkRuns()).toEqual([
      expect.objectContaining({ name: 'Kelos: reviewer', headSha: sha, status: 'in_progress', externalId: task().metadata.uid }),
    ]);
    expect(await reportTask(api, task('Running'), target, state, NOW)).toBe(state);

    const done = task('Succeeded', { pr: 'https://github.com/acme/app/pull/8', 'cost-usd': '0.4213', 'input-tokens': '12000', 'output-tokens': '3400' });
    state = await reportTask(api, done, target, state, NOW);
    expect(state).toMatchObject({ reported: 'succeeded', commentId: String(repo.comments(n)[0]!.id) });
    expect(repo.comments(n)).toHaveLength(1);
    expect(repo.comments(n)[0]!.body).toBe(
      [
        reportMarker(task()),
        'Kelos Task `reviewer-7` succeeded.',
        '',
        '| | |',
        '|---|---|',
        '| Pull request | https://github.com/acme/app/pull/8 |',
        '| Cost | $0.42 |',
        '| Tokens | 12,000 in, 3,400 out |',
      ].join('\n'),
    );
    expect(repo.checkRuns()).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success', updates: 1 })]);
  });

  it('reports a failure as a failed check run', async () => {
    const n = repo.createPull({ title: 'p' });
    const target: ReportTarget = { number: n, comment: false, checkName: 'Kelos: reviewer', headSha: repo.headSha(n), webOrigin: 'https://github.com' };
    await reportTask(api, task('Failed'), target, {}, NOW);
    expect(repo.comments(n)).toEqual([]);
    expect(repo.checkRuns()).toEqual([
      expect.objectContaining({ status: 'completed', conclusion: 'failure', output: expect.objectContaining({ title: 'Task failed' }) }),
    ]);
  });

  it('finds its comment and check run again when their ids were not kept, instead of making a second', async () => {
    const n = repo.createPull({ title: 'p' });
    const sha = repo.headSha(n);
    const target: ReportTarget = { number: n, comment: true, checkName: 'Kelos: reviewer', headSha: sha, webOrigin: 'https://github.com' };
    await reportTask(api, task('Running'), target, {}, NOW);
    // The ids were lost (the Task's annotation write failed): the next stage starts from nothing.
    await reportTask(api, task('Failed'), target, { reported: 'started' }, NOW);
    expect(repo.comments(n)).toHaveLength(1);
    expect(repo.comments(n)[0]!.body).toContain('failed.');
    expect(repo.checkRuns()).toHaveLength(1);
    expect(repo.checkRuns()[0]).toMatchObject({ conclusion: 'failure' });
  });

  it('makes a new comment when its comment was deleted', async () => {
    const n = repo.createIssue({ title: 'i' });
    const target: ReportTarget = { number: n, comment: true, webOrigin: 'https://github.com' };
    const state = await reportTask(api, task('Running'), target, {}, NOW);
    repo.deleteComment(Number(state.commentId));
    const next = await reportTask(api, task('Succeeded'), target, state, NOW);
    expect(repo.comments(n).map((c) => c.id)).toEqual([Number(next.commentId)]);
    expect(next.commentId).not.toBe(state.commentId);
  });

  it('fails with the state reached so far, so the comment is edited, not repeated, next time', async () => {
    const n = repo.createPull({ title: 'p' });
    const target: ReportTarget = { number: n, comment: true, checkName: 'Kelos: reviewer', headSha: repo.headSha(n), webOrigin: 'https://github.com' };
    gh.failNext('server-error', 1, /check-runs/);
    const err = await reportTask(api, task('Running'), target, {}, NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportError);
    const state = (err as ReportError).state;
    expect(state.commentId).toBe(String(repo.comments(n)[0]!.id));
    expect(state.reported).toBeUndefined();
    await reportTask(api, task('Running'), target, state, NOW);
    expect(repo.comments(n)).toHaveLength(1);
    expect(repo.checkRuns()).toHaveLength(1);
  });
});

describe('what a report says', () => {
  it('keeps only figures of a known shape: no text of the agent, no link to another host', () => {
    const hostile = task('Succeeded', {
      pr: 'https://github.com/acme/app/pull/8 @everyone',
      'cost-usd': '1 [click](https://evil.example)',
      'input-tokens': '12 @team',
      'output-tokens': '5',
    });
    expect(reportFigures(hostile, 'https://github.com')).toEqual({ outputTokens: '5' });
    expect(reportFigures(task('Succeeded', { pr: 'https://evil.example/acme/app/pull/8' }), 'https://github.com')).toEqual({});
    expect(reportFigures(task('Succeeded', { pr: 'https://github.com/acme/app/pull/8?x=@a' }), 'https://github.com')).toEqual({});
    expect(reportFigures(task('Succeeded', { pr: 'https://ghe.acme.dev/acme/app/pull/8' }), 'https://ghe.acme.dev')).toEqual({
      pr: 'https://ghe.acme.dev/acme/app/pull/8',
    });
    const body = commentBody(hostile, 'succeeded', reportFigures(hostile, 'https://github.com'));
    expect(body).not.toMatch(/@|\[click|evil/);
  });
});
