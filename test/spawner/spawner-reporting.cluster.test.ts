// A pull request spawner with filePatterns and reporting, against the real control plane and the GitHub emulator,
// running with only the Role the compiler renders for it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, TaskSpawnerSpec } from '../../lib/api/index.js';
import { spawnerRules } from '../../lib/render/spawner-workload.js';
import type { Spawner } from '../../lib/spawner/spawner.js';
import { createNamespace, kubeConfig, type TestNamespace, waitFor } from '../cluster/harness.js';
import { GitHubEmulator } from '../emulators/github.js';
import { ClusterFixture, ensureCrds, GROUP } from './_cluster.js';

// An installation token: only Apps create check runs.
const TOKEN = 'ghs_reporting';
const WRITES = [
  'POST /repos/{owner}/{repo}/issues/{number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
];

let ns: TestNamespace;
let fx: ClusterFixture;
let gh: GitHubEmulator;
let secretsDir: string;

beforeAll(async () => {
  const kc = kubeConfig();
  await ensureCrds(kc);
  ns = await createNamespace('spawner-report');
  fx = new ClusterFixture(kc, ns.name);
  gh = await GitHubEmulator.start({ requireAuth: true });
  gh.addToken(TOKEN, 'kelos-app[bot]');
  secretsDir = mkdtempSync(join(tmpdir(), 'kelos-secrets-'));
  mkdirSync(join(secretsDir, 'github-token'));
  writeFileSync(join(secretsDir, 'github-token', 'GITHUB_TOKEN'), TOKEN);
});
afterAll(async () => {
  await gh?.close();
  await ns?.cleanup();
});

const spec = (workspace: string, reporting: NonNullable<TaskSpawnerSpec['when']['githubPullRequests']>['reporting']): TaskSpawnerSpec => ({
  when: { githubPullRequests: { filePatterns: { include: ['**/*.go'], exclude: ['vendor/**'] }, reporting } },
  taskTemplate: {
    workspaceRef: { name: workspace },
    type: 'claude-code',
    credentials: { type: 'oauth', secretRef: { name: 'claude' } },
    promptTemplate: 'Review #{{.Number}} {{.Title}}\nFiles:\n{{.ChangedFiles}}',
  },
  pollInterval: '1h',
});

/** A spawner that runs as its own ServiceAccount, bound to exactly the Role rendered for it. */
async function scopedSpawner(name: string, s: TaskSpawnerSpec, options: Parameters<ClusterFixture['spawner']>[1] = {}): Promise<Spawner> {
  const rbac = fx.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const sa = `${name}-spawner`;
  await fx.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: sa } } });
  await rbac.createNamespacedRole({
    namespace: ns.name,
    body: { metadata: { name: sa }, rules: spawnerRules({ metadata: { name, namespace: ns.name }, spec: s }) },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: sa },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns.name }],
    },
  });
  const { status } = await fx.core.createNamespacedServiceAccountToken({
    name: sa,
    namespace: ns.name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = fx.kc.getCurrentCluster()!;
  const scoped = new k8s.KubeConfig();
  scoped.loadFromOptions({
    clusters: [cluster],
    users: [{ name: sa, token: status!.token }],
    contexts: [{ name: sa, cluster: cluster.name, user: sa, namespace: ns.name }],
    currentContext: sa,
  });
  return fx.spawner(name, { kubeConfig: scoped, secretsDir, ...options });
}

/** Finishes a Task as the controller would, with the results its agent printed. */
async function finish(name: string, phase: 'Succeeded' | 'Failed', results: Record<string, string>): Promise<void> {
  const task = (await fx.objects.getNamespacedCustomObject({ ...GROUP, plural: 'tasks', namespace: ns.name, name })) as Task;
  await fx.objects.replaceNamespacedCustomObjectStatus({
    ...GROUP,
    plural: 'tasks',
    namespace: ns.name,
    name,
    body: { ...task, status: { phase, completionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), results } },
  });
}

const writes = () => WRITES.reduce((n, r) => n + (gh.stats().routes[r]?.requests ?? 0), 0);

describe('a pull request spawner with filePatterns and reporting', () => {
  it('spawns only for pull requests touching matching files, then comments and keeps a check run through the Task', async () => {
    const repo = gh.repo('acme/reported');
    await fx.workspace('reported', `${gh.url}/acme/reported.git`, 'github-token');
    const go = repo.createPull({ title: 'Retry <!-- @everyone {{.Body}} -->' });
    const sha = repo.setPullFiles(go, ['cmd/main.go', 'vendor/lib/x.go']);
    const vendored = repo.createPull({ title: 'vendor bump' });
    repo.setPullFiles(vendored, ['vendor/lib/x.go']);
    const s = spec('reported', { enabled: true, checks: {} });
    await fx.taskSpawner('reported', s);
    const spawner = await scopedSpawner('reported', s);

    expect(await spawner.runCycle()).toMatchObject({ ok: true, created: [`reported-${go}`], failures: [] });
    let [task] = await fx.tasks('reported');
    expect(task!.spec.prompt).toBe(`Review #${go} Retry <!-- @everyone {{.Body}} -->\nFiles:\ncmd/main.go\nvendor/lib/x.go`);
    expect(task!.metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'pull-request', 'kelos.dev/source-sha': sha, 'kelos.dev/reported': 'started' });
    const comments = repo.comments(go);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toBe(`<!-- kelos.dev/task ${task!.metadata.uid} -->\nKelos Task \`reported-${go}\` started.`);
    expect(task!.metadata.annotations!['kelos.dev/report-comment-id']).toBe(String(comments[0]!.id));
    expect(repo.checkRuns()).toEqual([
      expect.objectContaining({ name: 'Kelos: reported', headSha: sha, status: 'in_progress', externalId: task!.metadata.uid }),
    ]);
    expect(repo.comments(vendored)).toEqual([]);

    await finish(`reported-${go}`, 'Succeeded', {
      pr: `${gh.url}/acme/reported/pull/${go}`,
      'cost-usd': '1.5',
      'input-tokens': '100',
      'output-tokens': '20',
      branch: 'evil @everyone',
    });
    expect(await spawner.runCycle()).toMatchObject({ ok: true, created: [], failures: [] });
    [task] = await fx.tasks('reported');
    expect(task!.metadata.annotations!['kelos.dev/reported']).toBe('succeeded');
    expect(repo.comments(go).map((c) => c.body)).toEqual([
      [
        `<!-- kelos.dev/task ${task!.metadata.uid} -->`,
        `Kelos Task \`reported-${go}\` succeeded.`,
        '',
        '| | |',
        '|---|---|',
        `| Pull request | ${gh.url}/acme/reported/pull/${go} |`,
        '| Cost | $1.50 |',
        '| Tokens | 100 in, 20 out |',
      ].join('\n'),
    ]);
    expect(repo.checkRuns()).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success', updates: 1 })]);

    // Reported: later cycles, and a restarted spawner, say nothing again.
    gh.resetStats();
    await spawner.runCycle();
    await (await fx.spawner('reported', { secretsDir })).runCycle();
    expect(writes()).toBe(0);
  });

  it('creates the Task once when GitHub refuses the report, and reports it in a later cycle after the backoff', async () => {
    const repo = gh.repo('acme/flaky');
    await fx.workspace('flaky', `${gh.url}/acme/flaky.git`, 'github-token');
    const n = repo.createPull({ title: 'p' });
    repo.setPullFiles(n, ['a.go']);
    const s = spec('flaky', { enabled: true });
    await fx.taskSpawner('flaky', s);
    const recorder = await fx.recordCreations('flaky');
    try {
      // A backoff longer than the test: the next cycle does not try again.
      const patient = await scopedSpawner('flaky', s, { reportBackoff: { baseMs: 3_600_000 } });
      gh.setFaults({ rate: 1, kinds: ['server-error'], match: /\/issues\/\d+\/comments$/ });
      expect(await patient.runCycle()).toMatchObject({ ok: true, created: [`flaky-${n}`], failures: [] });
      gh.clearFaults();
      expect(repo.comments(n)).toEqual([]);
      expect((await fx.tasks('flaky'))[0]!.metadata.annotations!['kelos.dev/reported']).toBe('pending');
      gh.resetStats();
      expect(await patient.runCycle()).toMatchObject({ ok: true, created: [] });
      expect(writes()).toBe(0);

      // Past the backoff (here: another spawner process), the report is made, once.
      const eager = fx.spawner('flaky', { secretsDir, reportBackoff: { baseMs: 0 } });
      expect(await eager.runCycle()).toMatchObject({ ok: true, created: [] });
      expect(repo.comments(n)).toHaveLength(1);
      expect((await fx.tasks('flaky'))[0]!.metadata.annotations!['kelos.dev/reported']).toBe('started');
      expect([...recorder.uids.values()].map((u) => u.length)).toEqual([1]);
    } finally {
      recorder.stop();
      gh.clearFaults();
    }
  });

  it('does not comment on the items of Tasks made before reporting was turned on', async () => {
    const repo = gh.repo('acme/later');
    await fx.workspace('later', `${gh.url}/acme/later.git`, 'github-token');
    const before = repo.createPull({ title: 'before' });
    repo.setPullFiles(before, ['a.go']);
    const quiet = spec('later', undefined);
    await fx.taskSpawner('later', quiet);
    const spawner = fx.spawner('later', { secretsDir });
    expect(await spawner.runCycle()).toMatchObject({ created: [`later-${before}`] });
    await fx.patchSpawnerSpec('later', { when: { githubPullRequests: { ...quiet.when.githubPullRequests, reporting: { enabled: true } } } });
    await finish(`later-${before}`, 'Succeeded', {});
    const after = repo.createPull({ title: 'after' });
    repo.setPullFiles(after, ['b.go']);
    expect(await spawner.runCycle()).toMatchObject({ created: [`later-${after}`] });
    expect(repo.comments(before)).toEqual([]);
    expect(repo.comments(after)).toHaveLength(1);
  });

  it('tries a failed report again when its backoff ends, with no poll and no Task change to wake it', async () => {
    const repo = gh.repo('acme/retry');
    await fx.workspace('retry', `${gh.url}/acme/retry.git`, 'github-token');
    const n = repo.createPull({ title: 'p' });
    repo.setPullFiles(n, ['a.go']);
    await fx.taskSpawner('retry', spec('retry', { enabled: true }));
    // Poll interval 1h: only the backoff can bring the next cycle.
    const spawner = fx.spawner('retry', { secretsDir, reportBackoff: { baseMs: 50 } });
    // More failures than the client's own retries of one request: the first cycle's report fails.
    gh.failNext('server-error', 5, /\/issues\/\d+\/comments$/);
    const stop = new AbortController();
    const running = spawner.run(stop.signal);
    try {
      await waitFor('the comment, reported after the failure', async () => repo.comments(n).length === 1);
      await waitFor('the report kept on the Task', async () => (await fx.tasks('retry'))[0]?.metadata.annotations?.['kelos.dev/reported'] === 'started');
      expect(await fx.taskNames('retry')).toEqual([`retry-${n}`]);
    } finally {
      stop.abort();
      await running;
      gh.clearFaults();
    }
  });
});
