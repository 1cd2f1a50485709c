// The spawner against the real control plane and the GitHub emulator.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnerRules } from '../../lib/render/spawner-workload.js';
import { SpawnerMetrics } from '../../lib/spawner/metrics.js';
import { createNamespace, kubeConfig, type TestNamespace, waitFor } from '../cluster/harness.js';
import { GitHubEmulator, type RepoHandle } from '../emulators/github.js';
import { ClusterFixture, ensureCrds, kelosWorkersSpec } from './_cluster.js';

const TOKEN = 'ghp_cluster';
const PICK = '/kelos pick-up';
const NEEDS = '/kelos needs-input';

let ns: TestNamespace;
let fx: ClusterFixture;
let gh: GitHubEmulator;

beforeAll(async () => {
  const kc = kubeConfig();
  await ensureCrds(kc);
  ns = await createNamespace('spawner-gh');
  fx = new ClusterFixture(kc, ns.name);
  gh = await GitHubEmulator.start({ requireAuth: true });
  gh.addToken(TOKEN, 'kelos-bot');
  await fx.secret('github-token', { GITHUB_TOKEN: TOKEN });
});
afterAll(async () => {
  await gh?.close();
  await ns?.cleanup();
});

/** A repository of the emulator with its Workspace (an http:// repo URL: the API base is derived as <host>/api/v3). */
async function repoWithWorkspace(name: string): Promise<RepoHandle> {
  const repo = gh.repo(`acme/${name}`);
  await fx.workspace(name, `${gh.url}/acme/${name}.git`, 'github-token');
  return repo;
}

describe('kelos-workers on the control plane', () => {
  it('creates the 3 highest-priority Tasks, then the next ones as Tasks finish', async () => {
    const repo = await repoWithWorkspace('workers');
    // Commands without a named permission need write (kelos's default; Kelos v0.19 lets anyone).
    repo.setPermission('maintainer', 'write');
    repo.setPermission('kelos-bot', 'write');
    // Ten matching issues (label + trigger comment), in an order unlike their priorities.
    const priorities = [
      'priority/backlog',
      'priority/important-soon',
      undefined,
      'priority/critical-urgent',
      'priority/important-longterm',
      'priority/backlog',
      'priority/critical-urgent',
      undefined,
      'priority/important-soon',
      'priority/important-longterm',
    ];
    const numbers = priorities.map((p, i) => {
      const n = repo.createIssue({ title: `Work item ${i}`, body: `Body ${i}`, labels: ['actor/kelos', ...(p ? [p] : [])] });
      repo.addComment(n, 'maintainer', PICK);
      return n;
    });
    // Not eligible: no label; excluded label; no trigger; needs-input after pick-up.
    repo.addComment(repo.createIssue({ title: 'unlabelled' }), 'maintainer', PICK);
    repo.addComment(repo.createIssue({ title: 'blocked', labels: ['actor/kelos', 'kelos/blocked', 'priority/critical-urgent'] }), 'maintainer', PICK);
    repo.createIssue({ title: 'never triggered', labels: ['actor/kelos', 'priority/critical-urgent'] });
    const waiting = repo.createIssue({ title: 'waiting for input', labels: ['actor/kelos', 'priority/critical-urgent'] });
    repo.addComment(waiting, 'maintainer', PICK, Date.now() - 60_000);
    repo.addComment(waiting, 'kelos-bot', NEEDS);

    const spec = kelosWorkersSpec();
    spec.taskTemplate.workspaceRef = { name: 'workers' };
    const ts = await fx.taskSpawner('kelos-workers', spec);
    const spawner = fx.spawner('kelos-workers');

    const report = await spawner.runCycle();
    expect(report).toMatchObject({ ok: true, discovered: 10, failures: [] });
    // Critical first (issues 4 and 7), then important-soon (issue 2 before 9).
    const first = [numbers[3], numbers[6], numbers[1]].map((n) => `kelos-workers-${n}`);
    expect(await fx.taskNames('kelos-workers')).toEqual([...first].sort());

    const task = (await fx.tasks('kelos-workers')).find((t) => t.metadata.name === `kelos-workers-${numbers[3]}`)!;
    expect(task.metadata.labels).toEqual({ 'kelos.dev/taskspawner': 'kelos-workers' });
    expect(task.metadata.annotations).toEqual({
      'kelos.dev/source-kind': 'issue',
      'kelos.dev/source-number': String(numbers[3]),
      'kelos.dev/source-repo': 'acme/workers',
    });
    expect(task.metadata.ownerReferences).toEqual([
      { apiVersion: 'kelos.dev/v1alpha1', kind: 'TaskSpawner', name: 'kelos-workers', uid: ts.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(task.spec).toMatchObject({
      type: 'claude-code',
      model: 'opus',
      branch: `kelos-task-${numbers[3]}`,
      ttlSecondsAfterFinished: 3600,
      workspaceRef: { name: 'workers' },
      agentConfigRef: { name: 'kelos-workers-agent' },
    });
    expect(task.spec.prompt).toContain(`Issue #${numbers[3]}: Work item 3\nBody 3\n`);

    const status = (await fx.getSpawner('kelos-workers')).status!;
    expect(status).toMatchObject({ phase: 'Running', totalDiscovered: 10, totalTasksCreated: 3, activeTasks: 3 });
    expect(status.message).toContain('7 waiting for maxConcurrency (3)');
    expect(status.conditions).toMatchObject([{ type: 'Ready', status: 'True', reason: 'Spawning' }]);
    expect(status.lastDiscoveryTime).toMatch(/Z$/);

    // A second cycle changes nothing.
    expect((await spawner.runCycle()).created).toEqual([]);

    // With a one-hour poll interval, only the watch on the spawner's Tasks can start the next cycles.
    const stop = new AbortController();
    const running = spawner.run(stop.signal);
    try {
      await fx.finishTask(first[0]!);
      // Next by priority: important-soon issue 9.
      await waitFor('a fourth Task after one finished', async () => (await fx.taskNames('kelos-workers')).includes(`kelos-workers-${numbers[8]}`));
      expect(await fx.taskNames('kelos-workers')).toHaveLength(4);
      await fx.finishTask(first[1]!, 'Failed');
      await fx.finishTask(first[2]!);
      // Then important-longterm 5 and 10.
      await waitFor('two more Tasks', async () => (await fx.taskNames('kelos-workers')).length === 6);
      expect(await fx.taskNames('kelos-workers')).toEqual([...first, ...[numbers[8], numbers[4], numbers[9]].map((n) => `kelos-workers-${n}`)].sort());
    } finally {
      stop.abort();
      await running;
    }
    expect((await fx.getSpawner('kelos-workers')).status).toMatchObject({ totalTasksCreated: 6, activeTasks: 3 });
  });
});

describe('comment commands on the control plane', () => {
  it('runs the needs-input loop and ignores commands of unauthorised users', async () => {
    const repo = await repoWithWorkspace('loop');
    repo.setPermission('maintainer', 'maintain');
    repo.setPermission('kelos-bot', 'write');
    gh.addUser('stranger');
    const n = repo.createIssue({ title: 'Needs a human now and then', labels: ['actor/kelos'] });
    const other = repo.createIssue({ title: 'Only a stranger asked', labels: ['actor/kelos'] });
    repo.addComment(other, 'stranger', PICK);

    const spec = kelosWorkersSpec({
      triggerComment: undefined,
      excludeComments: undefined,
      commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' },
    });
    spec.taskTemplate.workspaceRef = { name: 'loop' };
    await fx.taskSpawner('loop', spec);
    const spawner = fx.spawner('loop');

    expect((await spawner.runCycle()).created).toEqual([]);

    repo.addComment(n, 'maintainer', `Go ahead\n${PICK}`, Date.now() - 120_000);
    expect((await spawner.runCycle()).created).toEqual([`loop-${n}`]);
    const firstUid = (await fx.tasks('loop'))[0]!.metadata.uid;

    // The agent finishes and asks for input.
    await fx.finishTask(`loop-${n}`, 'Succeeded', new Date(Date.now() - 60_000));
    repo.addComment(n, 'kelos-bot', `I opened a PR.\n${NEEDS}`, Date.now() - 30_000);
    expect(await spawner.runCycle()).toMatchObject({ created: [], deleted: [] });

    // A stranger cannot pick it up again.
    repo.addComment(n, 'stranger', PICK, Date.now() - 20_000);
    expect(await spawner.runCycle()).toMatchObject({ created: [], deleted: [] });
    expect((await fx.tasks('loop'))[0]!.metadata.uid).toBe(firstUid);

    // A maintainer can: the finished Task is replaced by a fresh one.
    repo.addComment(n, 'maintainer', PICK);
    expect(await spawner.runCycle()).toMatchObject({ created: [`loop-${n}`], deleted: [`loop-${n}`] });
    const fresh = await fx.tasks('loop');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.metadata.uid).not.toBe(firstUid);
    expect(fresh[0]!.status?.phase).toBeUndefined();
    expect((await fx.getSpawner('loop')).status?.totalTasksCreated).toBe(2);

    // While it runs, more pick-ups change nothing.
    repo.addComment(n, 'maintainer', PICK);
    expect(await spawner.runCycle()).toMatchObject({ created: [], deleted: [] });
  });
});

describe('pull requests on the control plane', () => {
  it('spawns only for approved, non-draft pull requests, with Branch, ReviewState and ReviewComments', async () => {
    const repo = await repoWithWorkspace('pulls');
    const ready = repo.createPull({ title: 'Ready', head: 'feature/ready', labels: ['generated-by-kelos'] });
    const draft = repo.createPull({ title: 'Draft', head: 'feature/draft', labels: ['generated-by-kelos'], draft: true });
    const changes = repo.createPull({ title: 'Changes', head: 'feature/changes', labels: ['generated-by-kelos'] });
    const pushed = repo.createPull({ title: 'Pushed after approval', head: 'feature/pushed', labels: ['generated-by-kelos'] });
    const unlabelled = repo.createPull({ title: 'Unlabelled', head: 'feature/x' });
    repo.addReview(ready, 'reviewer', 'APPROVED');
    repo.addReviewComment(ready, 'reviewer', 'Nice, but rename this', { path: 'src/a.ts', line: 7 });
    repo.addReview(draft, 'reviewer', 'APPROVED');
    repo.addReview(changes, 'reviewer', 'CHANGES_REQUESTED');
    repo.addReview(pushed, 'reviewer', 'APPROVED');
    repo.pushCommit(pushed);
    repo.addReview(unlabelled, 'reviewer', 'APPROVED');

    await fx.taskSpawner('pr-responder', {
      when: { githubPullRequests: { labels: ['generated-by-kelos'], state: 'open', draft: false, reviewState: 'approved' } },
      maxConcurrency: 2,
      taskTemplate: {
        workspaceRef: { name: 'pulls' },
        type: 'claude-code',
        credentials: { type: 'oauth', secretRef: { name: 'kelos-credentials' } },
        branch: '{{.Branch}}',
        promptTemplate:
          'PR #{{.Number}}: {{.Title}}\nBranch: {{.Branch}}\nReview state: {{.ReviewState}}\n{{if .ReviewComments}}Inline review comments:\n{{.ReviewComments}}\n{{end}}',
      },
    });
    const report = await fx.spawner('pr-responder').runCycle();
    expect(report).toMatchObject({ ok: true, discovered: 1, created: [`pr-responder-${ready}`] });
    const [task] = await fx.tasks('pr-responder');
    expect(task!.spec.branch).toBe('feature/ready');
    expect(task!.spec.prompt).toBe(
      `PR #${ready}: Ready\nBranch: feature/ready\nReview state: approved\nInline review comments:\nsrc/a.ts:7\nNice, but rename this\n`,
    );
    expect(task!.metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'pull-request', 'kelos.dev/source-number': String(ready) });

    // Marking the draft ready brings it in.
    repo.updateIssue(draft, { draft: false });
    expect((await fx.spawner('pr-responder').runCycle()).created).toEqual([`pr-responder-${draft}`]);
  });
});

describe('limits on the control plane', () => {
  it('honours suspend, and resumes when it is lifted', async () => {
    const repo = await repoWithWorkspace('suspend');
    for (let i = 0; i < 3; i++) repo.createIssue({ title: `s${i}`, labels: ['go'] });
    await fx.taskSpawner('suspended', {
      when: { githubIssues: { labels: ['go'] } },
      suspend: true,
      taskTemplate: { workspaceRef: { name: 'suspend' }, type: 'codex', credentials: { type: 'none' } },
    });
    const spawner = fx.spawner('suspended');
    expect(await spawner.runCycle()).toMatchObject({ suspended: true, created: [] });
    expect(await fx.taskNames('suspended')).toEqual([]);
    const status = (await fx.getSpawner('suspended')).status!;
    expect(status.phase).toBe('Suspended');
    expect(status.conditions).toMatchObject([{ type: 'Ready', status: 'False', reason: 'Suspended' }]);

    await fx.patchSpawnerSpec('suspended', { suspend: false });
    expect((await spawner.runCycle()).created).toHaveLength(3);
    expect((await fx.getSpawner('suspended')).status?.phase).toBe('Running');
  });

  it('stops at maxTotalTasks for good', async () => {
    const repo = await repoWithWorkspace('budget');
    for (let i = 0; i < 5; i++) repo.createIssue({ title: `b${i}`, labels: ['go'] });
    await fx.taskSpawner('budget', {
      when: { githubIssues: { labels: ['go'] } },
      maxTotalTasks: 2,
      taskTemplate: { workspaceRef: { name: 'budget' }, type: 'codex', credentials: { type: 'none' } },
    });
    const spawner = fx.spawner('budget');
    expect((await spawner.runCycle()).created).toEqual(['budget-1', 'budget-2']);
    await fx.finishTask('budget-1');
    await fx.finishTask('budget-2');
    expect((await spawner.runCycle()).created).toEqual([]);
    const status = (await fx.getSpawner('budget')).status!;
    expect(status).toMatchObject({ totalTasksCreated: 2, activeTasks: 0, totalDiscovered: 5 });
    expect(status.message).toContain('3 waiting for maxTotalTasks (2) reached');
  });

  it('reports a Task name taken by someone else as a failure in status', async () => {
    const repo = await repoWithWorkspace('taken');
    repo.createIssue({ title: 'x', labels: ['go'] });
    await fx.objects.createNamespacedCustomObject({
      group: 'kelos.dev',
      version: 'v1alpha1',
      plural: 'tasks',
      namespace: ns.name,
      body: {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Task',
        metadata: { name: 'taken-1' },
        spec: { type: 'codex', prompt: 'mine', credentials: { type: 'none' } },
      },
    });
    await fx.taskSpawner('taken', {
      when: { githubIssues: { labels: ['go'] } },
      taskTemplate: { workspaceRef: { name: 'taken' }, type: 'codex', credentials: { type: 'none' } },
    });
    const report = await fx.spawner('taken').runCycle();
    expect(report.failures).toEqual(['Task taken-1 already exists and is not owned by TaskSpawner taken']);
    const status = (await fx.getSpawner('taken')).status!;
    expect(status.conditions).toMatchObject([{ type: 'Ready', status: 'False', reason: 'TaskCreateFailed' }]);
    expect(status.totalTasksCreated).toBe(0);
  });
});

describe('metrics on the control plane', () => {
  it('counts cycles, the Tasks they created, and what GitHub answered (304s included) and has left', async () => {
    const repo = await repoWithWorkspace('metered');
    for (let i = 0; i < 4; i++) repo.createIssue({ title: `m${i}`, labels: ['go'] });
    await fx.taskSpawner('metered', {
      when: { githubIssues: { labels: ['go'] } },
      maxConcurrency: 3,
      taskTemplate: { workspaceRef: { name: 'metered' }, type: 'codex', credentials: { type: 'none' } },
    });
    const metrics = new SpawnerMetrics({ namespace: ns.name, taskspawner: 'metered' });
    const spawner = fx.spawner('metered', { metrics });
    // The sum of the series of `name` that carry `labels`.
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const { values } = await metrics.registry.getSingleMetric(name)!.get();
      return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
    };
    gh.resetStats();
    expect((await spawner.runCycle()).created).toHaveLength(3);
    const first = gh.stats();
    expect(await value('kelos_spawner_cycles_total', { result: 'ok' })).toBe(1);
    expect(await value('kelos_spawner_tasks_created_total')).toBe(3);
    expect(await value('kelos_spawner_discovered_items')).toBe(4);
    expect(await value('kelos_spawner_github_requests_total', { code: '200' })).toBe(first.requests - first.notModified);
    expect(await value('kelos_spawner_github_rate_limit_remaining', { resource: 'core' })).toBe(gh.rateRemaining(TOKEN));

    // A quiet cycle: what GitHub answered is a 304, and the budget is untouched.
    expect((await spawner.runCycle()).created).toEqual([]);
    expect(await value('kelos_spawner_cycles_total', { result: 'ok' })).toBe(2);
    expect(await value('kelos_spawner_github_requests_total', { code: '304' })).toBe(gh.stats().notModified);
    expect(gh.stats().notModified).toBeGreaterThan(0);
    expect(await value('kelos_spawner_github_rate_limit_remaining', { resource: 'core' })).toBe(gh.rateRemaining(TOKEN));
    const text = await metrics.registry.metrics();
    expect(text).toContain(`kelos_spawner_tasks_created_total{namespace="${ns.name}",taskspawner="metered"} 3`);
  });
});

describe('GitHub failures on the control plane', () => {
  it('shows a failed discovery in status and recovers on the next cycle', async () => {
    const repo = await repoWithWorkspace('outage');
    repo.createIssue({ title: 'x', labels: ['go'] });
    await fx.taskSpawner('outage', {
      when: { githubIssues: { labels: ['go'] } },
      taskTemplate: { workspaceRef: { name: 'outage' }, type: 'codex', credentials: { type: 'none' } },
    });
    const spawner = fx.spawner('outage', { github: { retries: 1, retryBaseMs: 10, timeoutMs: 1000 } });
    gh.failNext('server-error', 2, /acme\/outage/);
    const failed = await spawner.runCycle();
    expect(failed.ok).toBe(false);
    const status = (await fx.getSpawner('outage')).status!;
    expect(status.phase).toBe('Failed');
    expect(status.message).toMatch(/^Discovery failed: /);
    expect(status.conditions).toMatchObject([{ type: 'Ready', status: 'False', reason: 'DiscoveryFailed' }]);
    expect((await spawner.runCycle()).created).toEqual(['outage-1']);
    expect((await fx.getSpawner('outage')).status?.phase).toBe('Running');
  });

  it.each([
    { label: 'retried', retries: 3 },
    { label: 'not retried, so that cycles fail part-way', retries: 0 },
  ])(
    'with 3 in 10 GitHub requests failing (5xx and timeouts $label) creates no Task twice, and every eligible item gets its Task once faults stop',
    async ({ retries }) => {
      const name = `chaos-${retries}`;
      const repo = await repoWithWorkspace(name);
      repo.setPermission('maintainer', 'write');
      const eligible = new Set<number>();
      const addIssues = (count: number) => {
        for (let i = 0; i < count; i++) {
          const n = repo.createIssue({ title: `chaos ${i}`, labels: ['go'] });
          if (i % 3 === 0)
            repo.addComment(n, 'stranger', '/go'); // unauthorised: never eligible
          else {
            repo.addComment(n, 'maintainer', '/go');
            eligible.add(n);
          }
        }
      };
      gh.addUser('stranger');
      addIssues(15);
      await fx.taskSpawner(name, {
        when: { githubIssues: { labels: ['go'], commentPolicy: { triggerComment: '/go', minimumPermission: 'write' } } },
        taskTemplate: { workspaceRef: { name }, type: 'codex', credentials: { type: 'none' }, promptTemplate: '{{.Title}}\n{{.Comments}}' },
      });
      const recorder = await fx.recordCreations(name);
      // Rate limits are always waited out; 5xx and timeouts are retried `retries` times.
      const spawner = fx.spawner(name, { github: { retries, retryBaseMs: 20, rateLimitSecondMs: 50, timeoutMs: 300 } });
      gh.resetStats();
      // GraphQL (the batched comment reads) fails as often as this repository's REST routes.
      gh.setFaults({ rate: 0.3, seed: 42, match: new RegExp(`acme/${name}/|^/graphql$`), resetSeconds: 1, retryAfterSeconds: 1, hangMs: 2000 });
      const outcomes: boolean[] = [];
      try {
        for (let cycle = 0; cycle < 12; cycle++) {
          if (cycle === 4) addIssues(6);
          outcomes.push((await spawner.runCycle()).ok);
        }
        const { faults, requests } = gh.stats();
        // Batched comment reads make few requests: about 30 in these cycles.
        expect(faults).toBeGreaterThanOrEqual(5);
        expect(faults / requests).toBeGreaterThan(0.15);
        if (retries === 0) expect(outcomes).toContain(false);
        console.info(
          `fault run (${retries} retries): ${faults} of ${requests} GitHub requests failed; ${outcomes.filter((ok) => !ok).length} of ${outcomes.length} cycles failed`,
        );
        gh.clearFaults();
        for (let cycle = 0; cycle < 3; cycle++) await spawner.runCycle();
        const names = await fx.taskNames(name);
        expect(names).toEqual([...eligible].map((n) => `${name}-${n}`).sort());
        await waitFor('the watch to see every Task', async () => recorder.uids.size === names.length);
        for (const [task, uids] of recorder.uids) expect({ task, uids: uids.length }).toEqual({ task, uids: 1 });
        expect((await fx.getSpawner(name)).status).toMatchObject({ phase: 'Running', totalTasksCreated: eligible.size });
        // Rendered with the comments loaded under faults.
        expect((await fx.tasks(name))[0]!.spec.prompt).toMatch(/^chaos \d+\n\/go$/);
      } finally {
        recorder.stop();
        gh.clearFaults();
      }
    },
  );
});

describe('least privilege on the control plane', () => {
  it('runs with only the Role the compiler renders for the spawner, its Workspace Secret mounted as the kubelet would', async () => {
    const repo = await repoWithWorkspace('rbac');
    repo.createIssue({ title: 'x', labels: ['go'] });
    const spec = {
      when: { githubIssues: { labels: ['go'] } },
      maxConcurrency: 2,
      taskTemplate: { workspaceRef: { name: 'rbac' }, type: 'codex' as const, credentials: { type: 'none' as const } },
    };
    await fx.taskSpawner('rbac', spec);
    const rbac = fx.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await fx.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'rbac-spawner' } } });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: { metadata: { name: 'rbac-spawner' }, rules: spawnerRules({ metadata: { name: 'rbac', namespace: ns.name }, spec }) },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'rbac-spawner' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-spawner' },
        subjects: [{ kind: 'ServiceAccount', name: 'rbac-spawner', namespace: ns.name }],
      },
    });
    const { status } = await fx.core.createNamespacedServiceAccountToken({
      name: 'rbac-spawner',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = fx.kc.getCurrentCluster()!;
    const scoped = new k8s.KubeConfig();
    scoped.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'spawner', token: status!.token }],
      contexts: [{ name: 'spawner', cluster: cluster.name, user: 'spawner', namespace: ns.name }],
      currentContext: 'spawner',
    });
    // The Role grants no Secret: the Deployment mounts it, here a folder laid out as the kubelet lays it.
    const secretsDir = mkdtempSync(join(tmpdir(), 'kelos-secrets-'));
    mkdirSync(join(secretsDir, 'github-token'));
    writeFileSync(join(secretsDir, 'github-token', 'GITHUB_TOKEN'), TOKEN);
    const spawner = fx.spawner('rbac', { kubeConfig: scoped, secretsDir });
    expect(await spawner.runCycle()).toMatchObject({ ok: true, created: ['rbac-1'], failures: [] });
    // Both watches are allowed too, and with the default 5m poll interval only they start the next cycles:
    // the one on its Tasks (a finished Task wakes the loop) and the one on its own TaskSpawner, by name (a spec change does).
    repo.createIssue({ title: 'y', labels: ['go'] });
    repo.createIssue({ title: 'z', labels: ['go'] });
    const stop = new AbortController();
    const running = spawner.run(stop.signal);
    try {
      await waitFor('the second Task', async () => (await fx.taskNames('rbac')).length === 2);
      await fx.finishTask('rbac-1');
      await waitFor('the third Task after one finished', async () => (await fx.taskNames('rbac')).length === 3);
      repo.createIssue({ title: 'w', labels: ['go'] });
      await fx.patchSpawnerSpec('rbac', { maxConcurrency: 3 });
      await waitFor('a fourth Task after maxConcurrency was raised, none having finished', async () => (await fx.taskNames('rbac')).length === 4);
    } finally {
      stop.abort();
      await running;
    }
    // And nothing more: no Secret of the namespace, not even its own, is readable through the API.
    await fx.secret('unrelated', { X: 'y' });
    const core = scoped.makeApiClient(k8s.CoreV1Api);
    await expect(core.readNamespacedSecret({ name: 'unrelated', namespace: ns.name })).rejects.toMatchObject({ code: 403 });
    await expect(core.readNamespacedSecret({ name: 'github-token', namespace: ns.name })).rejects.toMatchObject({ code: 403 });
  });
});
