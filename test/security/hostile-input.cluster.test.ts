// Hostile input from GitHub, end to end on the test control plane: the
// spawner reads the GitHub emulator and creates Tasks, the in-process
// controller turns them into Jobs, and the suite looks at what reached the
// cluster. It shows that text from a source reaches an agent only as data,
// is rendered as a template never, gives no invalid branch to a Job, gives
// at most one Task per trigger across deletes, TTLs and restarts, and that
// maxTotalTasks and maxConcurrency hold while the apiserver fails requests.
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, TaskSpawnerSpec } from '../../lib/api/index.js';
import { formatOutputs } from '../../lib/api/outputs.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import { isValidBranchName } from '../../lib/git/ref-format.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { SpawnerMetrics } from '../../lib/spawner/metrics.js';
import { createNamespace, kubeConfig, type TestNamespace, waitFor, writeJobLog } from '../cluster/harness.js';
import { clusterClient, explainFailures, getJob, getTask, startController, taskObject, waitForPhase } from '../controller/_cluster.js';
import { GitHubEmulator, type RepoHandle } from '../emulators/github.js';
import { ClusterFixture, ensureCrds } from '../spawner/_cluster.js';
import { FaultProxy } from './_fault-proxy.js';
import { expectBranchAsData, expectPromptAsData, HOSTILE_BODIES, HOSTILE_TITLES, jobBranches } from './_hostile.js';

const TOKEN = 'ghp_hostile';
const SELF = 'kelos-bot';

let ns: TestNamespace;
let fx: ClusterFixture;
let client: KubeClient;
let controller: Controller;
let gh: GitHubEmulator;

beforeAll(async () => {
  const kc = kubeConfig();
  await ensureCrds(kc);
  client = await clusterClient();
  ns = await createNamespace('hostile');
  fx = new ClusterFixture(kc, ns.name);
  gh = await GitHubEmulator.start({ requireAuth: true });
  gh.addToken(TOKEN, SELF);
  await fx.secret('github-token', { GITHUB_TOKEN: TOKEN });
  controller = await startController(ns.name);
});

explainFailures(() => controller);

afterAll(async () => {
  await controller?.stop();
  await gh?.close();
  await ns?.cleanup();
});

async function repoWithWorkspace(name: string, f: ClusterFixture = fx, ref?: string): Promise<RepoHandle> {
  const repo = gh.repo(`acme/${name}`);
  await f.objects.createNamespacedCustomObject({
    group: 'kelos.dev',
    version: 'v1alpha1',
    plural: 'workspaces',
    namespace: f.namespace,
    body: {
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
      spec: { repo: `${gh.url}/acme/${name}.git`, secretRef: { name: 'github-token' }, ...(ref ? { ref } : {}) },
    },
  });
  return repo;
}

function spec(
  workspace: string,
  when: TaskSpawnerSpec['when'],
  template: Partial<TaskSpawnerSpec['taskTemplate']> = {},
  rest: Partial<TaskSpawnerSpec> = {},
): TaskSpawnerSpec {
  return {
    when,
    taskTemplate: { workspaceRef: { name: workspace }, type: 'claude-code', credentials: { type: 'none' }, ...template },
    pollInterval: '1h',
    ...rest,
  };
}

async function jobOf(name: string, namespace = ns.name): Promise<V1Job> {
  return waitFor(`Job ${name}`, async () => getJob(client, namespace, name));
}

async function deleteTask(name: string, namespace = ns.name): Promise<void> {
  await client.delete(resourcePath(Resources.tasks, { namespace, name }));
  await waitFor(`Task ${name} to be gone`, async () => !(await getTask(client, namespace, name)));
}

async function metric(metrics: SpawnerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric(name)!.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

describe('titles and bodies reach the agent as data', () => {
  const numbers = new Map<string, number>();

  beforeAll(async () => {
    const repo = await repoWithWorkspace('titles');
    for (const title of HOSTILE_TITLES) numbers.set(title, repo.createIssue({ title, body: HOSTILE_BODIES[0], labels: ['hostile'] }));
    // The default promptTemplate, and one that is nothing but the title: the worst case.
    await fx.taskSpawner('default-tpl', spec('titles', { githubIssues: { labels: ['hostile'] } }));
    await fx.taskSpawner('raw', spec('titles', { githubIssues: { labels: ['hostile'] } }, { promptTemplate: '{{.Title}}' }));
    expect((await fx.spawner('default-tpl').runCycle()).created).toHaveLength(HOSTILE_TITLES.length);
    expect((await fx.spawner('raw').runCycle()).created).toHaveLength(HOSTILE_TITLES.length);
  });

  it.each(HOSTILE_TITLES.map((t) => [t]))('title %j is passed verbatim, only where the agent reads data', async (title) => {
    const n = numbers.get(title)!;
    const raw = await jobOf(`raw-${n}`);
    expectPromptAsData(raw, title);
    const task = await getTask(client, ns.name, `default-tpl-${n}`);
    expectPromptAsData(await jobOf(`default-tpl-${n}`), task!.spec.prompt);
    expect(task!.spec.prompt).toContain(title);
  });
});

describe('text from a source is rendered once, never as a template', () => {
  const SECRET = 's3cr3t-result-value';
  let numbers: number[] = [];

  beforeAll(async () => {
    writeJobLog(
      ns.name,
      'setup',
      `Done\n${formatOutputs([
        ['plan', 'step-1'],
        ['secret', SECRET],
      ])}`,
    );
    await client.create(taskObject(ns.name, 'setup', { credentials: { type: 'none' }, prompt: 'Set up' }));
    await waitForPhase(client, ns.name, 'setup', ['Succeeded']);
    const repo = await repoWithWorkspace('deps');
    numbers = HOSTILE_BODIES.map((body, i) => repo.createIssue({ title: `{{.Body}} ${i}`, body, labels: ['deps'] }));
    await fx.taskSpawner(
      'deps',
      spec(
        'deps',
        { githubIssues: { labels: ['deps'] } },
        { dependsOn: ['setup'], promptTemplate: 'Issue {{.Title}}\n{{.Body}}\nPlan: {{index .Deps "setup" "Results" "plan"}} ({{.Name}})' },
      ),
    );
    expect((await fx.spawner('deps').runCycle()).created).toHaveLength(HOSTILE_BODIES.length);
  });

  it.each(HOSTILE_BODIES.map((b, i) => [b, i]))('body %j reaches the Job literally beside the dependency results', async (body, i) => {
    const name = `deps-${numbers[i as number]}`;
    const prompt = `Issue {{.Body}} ${i}\n${body}\nPlan: step-1 (${name})`;
    const job = await jobOf(name);
    expectPromptAsData(job, prompt);
    expect(JSON.stringify(job)).not.toContain(SECRET);
  });

  it('fails a render over budget with PromptRenderFailed, and the controller goes on with other Tasks', async () => {
    await client.create(
      taskObject(ns.name, 'bomb', { credentials: { type: 'none' }, dependsOn: ['setup'], prompt: '{{range 20000}}{{range 20000}}{{end}}{{end}}' }),
    );
    await client.create(taskObject(ns.name, 'bystander', { credentials: { type: 'none' }, prompt: 'plain' }));
    const bomb = await waitForPhase(client, ns.name, 'bomb', ['Failed']);
    expect(bomb.status?.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({ reason: 'PromptRenderFailed' });
    expect(bomb.status?.message).toMatch(/^The prompt could not be rendered: .*render budget exceeded: more than 1000000 steps \(maxSteps\)/);
    expect(await getJob(client, ns.name, 'bomb')).toBeUndefined();
    expectPromptAsData(await jobOf('bystander'), 'plain');
  });

  it('uses the prompt of a Task from an older spawner (no values annotation) as written', async () => {
    const prompt = 'Old body: {{index .Deps "setup" "Results" "secret"}}';
    const t = taskObject(ns.name, 'legacy-1', { credentials: { type: 'none' }, dependsOn: ['setup'], prompt });
    t.metadata.labels = { 'kelos.dev/taskspawner': 'legacy' };
    await client.create(t);
    const job = await jobOf('legacy-1');
    expectPromptAsData(job, prompt);
    expect(JSON.stringify(job)).not.toContain(SECRET);
  });

  it('fails a Task whose values annotation forges .Deps', async () => {
    const t = taskObject(ns.name, 'forged', { credentials: { type: 'none' }, dependsOn: ['setup'], prompt: '{{.Title}}' });
    t.metadata.labels = { 'kelos.dev/taskspawner': 'deps' };
    t.metadata.annotations = { 'kelos.dev/prompt-values': JSON.stringify({ Title: 'x', Deps: SECRET }) };
    await client.create(t);
    const failed = await waitForPhase(client, ns.name, 'forged', ['Failed']);
    expect(failed.status?.message).toContain('"Deps" is bound when the template is rendered and cannot be a value');
    expect(await getJob(client, ns.name, 'forged')).toBeUndefined();
  });
});

describe('branches from pull requests and titles', () => {
  const metrics = new SpawnerMetrics({ namespace: 'x', taskspawner: 'branch-prs' });
  const pulls = new Map<string, number>();
  let titled = new Map<string, number>();

  /** [what, head ref, fork ('' = this repository, null = deleted fork), expected reason or 'created'] */
  const PULLS: Array<[string, string, string | null, string]> = [
    ['an option', '-f main', '', 'InvalidBranch'],
    ['a range', 'a..b', '', 'InvalidBranch'],
    ['a newline', 'x\nmain', '', 'InvalidBranch'],
    ['a reflog expression', 'x@{-1}', '', 'InvalidBranch'],
    ['a lock file', 'y.lock', '', 'InvalidBranch'],
    ['the default branch', 'main', '', 'BaseBranch'],
    ['the default branch as a full ref', 'refs/heads/main', '', 'BaseBranch'],
    ['a fork', 'feature/from-fork', 'mallory/app', 'ForkHeadRef'],
    ["a fork naming another spawner's branch", 'agent/taken', 'mallory/app', 'ForkHeadRef'],
    ['a deleted fork', 'ghost', null, 'ForkHeadRef'],
    ['a plain branch', 'feature/ok', '', 'created'],
    ['shell syntax git accepts', '$(id>/tmp/pwned)`id`', '', 'created'],
    ["the hand-off of another spawner's branch by its own pull request", 'agent/taken', '', 'created'],
  ];
  const TITLES: Array<[string, string]> = [
    ['taken', 'BranchInUse'],
    ['x..y', 'InvalidBranch'],
    ['ok-name', 'created'],
  ];

  beforeAll(async () => {
    const repo = await repoWithWorkspace('branches');
    for (const [what, head, fork] of PULLS) {
      pulls.set(what, repo.createPull({ title: `PR: ${what}`, head, labels: ['hostile-pr'], ...(fork === '' ? {} : { headRepo: fork }) }));
    }
    titled = new Map(TITLES.map(([title]) => [title, repo.createIssue({ title, labels: ['hostile-branch'] })]));
    // A Task of someone else already works on agent/taken.
    await client.create(taskObject(ns.name, 'owner-task', { credentials: { type: 'none' }, branch: 'agent/taken', workspaceRef: { name: 'branches' } }));
    await fx.taskSpawner(
      'branch-prs',
      spec('branches', { githubPullRequests: { labels: ['hostile-pr'] } }, { branch: '{{.Branch}}', promptTemplate: 'Review PR #{{.Number}}' }),
    );
    await fx.taskSpawner(
      'branch-titles',
      spec('branches', { githubIssues: { labels: ['hostile-branch'] } }, { branch: 'agent/{{.Title}}', promptTemplate: 'Issue #{{.Number}}' }),
    );
    await fx.spawner('branch-prs', { metrics }).runCycle();
    await fx.spawner('branch-titles').runCycle();
  });

  it.each(PULLS.map(([what, head, , outcome]) => [what, head, outcome]))('a pull request whose head is %s (%j): %s', async (what, head, outcome) => {
    const name = `branch-prs-${pulls.get(what)}`;
    const task = await getTask(client, ns.name, name);
    if (outcome === 'created') {
      expect(task?.spec.branch).toBe(head);
      expectBranchAsData(await jobOf(name), head);
    } else {
      expect(task).toBeUndefined();
      const cond = (await fx.getSpawner('branch-prs')).status?.conditions?.find((c) => c.type === 'ItemsSkipped');
      expect(cond?.message).toContain(`#${pulls.get(what)}: `);
    }
  });

  it.each(TITLES)('an issue titled %j, branch agent/<title>: %s', async (title, outcome) => {
    const task = await getTask(client, ns.name, `branch-titles-${titled.get(title)}`);
    if (outcome === 'created') expectBranchAsData(await jobOf(`branch-titles-${titled.get(title)}`), `agent/${title}`);
    else {
      expect(task).toBeUndefined();
      const status = (await fx.getSpawner('branch-titles')).status!;
      expect(status.conditions?.find((c) => c.type === 'ItemsSkipped')?.message).toMatch(
        outcome === 'BranchInUse'
          ? /branch "agent\/taken" is used by Task (owner-task|branch-prs-\d+)/
          : /branch "agent\/x\.\.y" is not a valid git branch name: it contains "\.\."/,
      );
    }
  });

  it('reports the skipped items in status and metrics, by reason', async () => {
    const status = (await fx.getSpawner('branch-prs')).status!;
    expect(status.conditions?.find((c) => c.type === 'ItemsSkipped')).toMatchObject({ status: 'True', reason: 'Several' });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(status.message).toContain('10 skipped');
    for (const [reason, count] of [
      ['InvalidBranch', 5],
      ['BaseBranch', 2],
      ['ForkHeadRef', 3],
    ] as const) {
      expect({ reason, count: await metric(metrics, 'kelos_spawner_skipped_items', { reason }) }).toEqual({ reason, count });
    }
  });

  it.each(['-f main', 'a..b', 'x\nmain', '@{-1}', 'HEAD', 'x.lock', 'a b'])(
    'the controller fails a Task on branch %j with InvalidBranch and no Job',
    async (branch) => {
      const name = `bad-branch-${Buffer.from(branch).toString('hex')}`;
      await client.create(taskObject(ns.name, name, { credentials: { type: 'none' }, branch, workspaceRef: { name: 'branches' } }));
      const t = await waitForPhase(client, ns.name, name, ['Failed']);
      expect(t.status?.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({ reason: 'InvalidBranch' });
      expect(t.status?.message).toMatch(/is not a valid git branch name: .*\(see git check-ref-format --branch\)$/);
      expect(await getJob(client, ns.name, name)).toBeUndefined();
    },
  );

  it("the controller fails a Task on its Workspace's base ref", async () => {
    await repoWithWorkspace('based', fx, 'release');
    await client.create(taskObject(ns.name, 'on-base', { credentials: { type: 'none' }, branch: 'release', workspaceRef: { name: 'based' } }));
    const t = await waitForPhase(client, ns.name, 'on-base', ['Failed']);
    expect(t.status?.message).toBe('branch "release" is the base ref of Workspace "based"; a Task never works on it');
    expect(await getJob(client, ns.name, 'on-base')).toBeUndefined();
  });

  it('no Job of the namespace got a branch git refuses or a base branch', async () => {
    const jobs = (await client.list<V1Job>(resourcePath(Resources.jobs, { namespace: ns.name }))).items;
    const branches = jobs.flatMap(jobBranches);
    expect(branches.length).toBeGreaterThan(3);
    expect(branches.filter((b) => !isValidBranchName(b) || b === 'main' || b === 'release')).toEqual([]);
  });
});

describe('one trigger, one Task, ever', () => {
  let repo: RepoHandle;

  beforeAll(async () => {
    repo = await repoWithWorkspace('triggers');
    repo.setPermission('maintainer', 'write');
    repo.setPermission(SELF, 'write');
    gh.addUser('stranger');
    gh.addUser('ci-runner', 'Bot');
    gh.addUser('renovate[bot]', 'Bot');
  });

  /** A spawner on issues labelled `label` with a `/go` trigger and no minimumPermission (so: write). */
  async function triggerSpawner(name: string, template: Partial<TaskSpawnerSpec['taskTemplate']> = {}, rest: Partial<TaskSpawnerSpec> = {}): Promise<void> {
    await fx.taskSpawner(name, spec('triggers', { githubIssues: { labels: [name], commentPolicy: { triggerComment: '/go' } } }, template, rest));
  }

  it('a trigger comment gives one Task: after it ran and its TTL deleted it, cycles and restarts give no other', async () => {
    await triggerSpawner('ttl', { ttlSecondsAfterFinished: 1 });
    const n = repo.createIssue({ title: 'run once', labels: ['ttl'] });
    repo.addComment(n, 'maintainer', '/go', Date.now() - 60_000);
    const recorder = await fx.recordCreations('ttl');
    try {
      expect((await fx.spawner('ttl').runCycle()).created).toEqual([`ttl-${n}`]);
      await waitFor('the Task to run and expire', async () => !(await getTask(client, ns.name, `ttl-${n}`)), 90_000);
      for (let restart = 0; restart < 3; restart++) expect((await fx.spawner('ttl').runCycle()).created).toEqual([]);
      expect(recorder.uids.get(`ttl-${n}`)).toHaveLength(1);
      // A newer trigger is another trigger: exactly one more Task.
      repo.addComment(n, 'maintainer', 'again please\n/go');
      expect((await fx.spawner('ttl').runCycle()).created).toEqual([`ttl-${n}`]);
      expect((await fx.spawner('ttl').runCycle()).created).toEqual([]);
      // The agent echoing the trigger line is no trigger.
      repo.addComment(n, SELF, 'Done. You asked:\n/go');
      await waitFor('the second Task to expire', async () => !(await getTask(client, ns.name, `ttl-${n}`)), 90_000);
      expect((await fx.spawner('ttl').runCycle()).created).toEqual([]);
      await waitFor('the watch to catch up', async () => recorder.uids.get(`ttl-${n}`)?.length === 2);
    } finally {
      recorder.stop();
    }
  });

  it('a Task deleted by hand is not spawned again', async () => {
    await triggerSpawner('by-hand');
    const n = repo.createIssue({ title: 'delete me', labels: ['by-hand'] });
    repo.addComment(n, 'maintainer', '/go');
    expect((await fx.spawner('by-hand').runCycle()).created).toEqual([`by-hand-${n}`]);
    await deleteTask(`by-hand-${n}`);
    expect((await fx.spawner('by-hand').runCycle()).created).toEqual([]);
    expect((await fx.spawner('by-hand').runCycle()).created).toEqual([]);
  });

  it('an item admitted by its labels alone gives one Task, also after its Task is gone', async () => {
    await fx.taskSpawner('labelled', spec('triggers', { githubIssues: { labels: ['labelled'] } }));
    const n = repo.createIssue({ title: 'labelled', labels: ['labelled'] });
    expect((await fx.spawner('labelled').runCycle()).created).toEqual([`labelled-${n}`]);
    await deleteTask(`labelled-${n}`);
    expect((await fx.spawner('labelled').runCycle()).created).toEqual([]);
  });

  it.each([
    ["the spawner's own identity", SELF],
    ['a [bot] login', 'renovate[bot]'],
    ['an account of type Bot', 'ci-runner'],
    ['a user without write (no minimumPermission set: write by default)', 'stranger'],
  ])('a trigger by %s gives no Task', async (_, author) => {
    const name = `nobody-${author.replace(/[^a-z]/g, '')}`;
    await triggerSpawner(name);
    // Bots get write, so that only their being bots keeps them out.
    if (author !== 'stranger') repo.setPermission(author, 'write');
    const n = repo.createIssue({ title: 'not yours', labels: [name] });
    repo.addComment(n, author, '/go');
    expect((await fx.spawner(name).runCycle()).created).toEqual([]);
    expect(await fx.taskNames(name)).toEqual([]);
  });

  it("checks the trigger's permission when the Task is created, not from the decision of an earlier cycle", async () => {
    await triggerSpawner('revoke', {}, { maxConcurrency: 1 });
    // A Task of the spawner waiting for a dependency holds the one slot.
    const blocker = taskObject(ns.name, 'revoke-blocker', { credentials: { type: 'none' }, dependsOn: ['never-created'] });
    blocker.metadata.labels = { 'kelos.dev/taskspawner': 'revoke' };
    await client.create(blocker);
    repo.setPermission('temp', 'write');
    const n = repo.createIssue({ title: 'triggered, then revoked', labels: ['revoke'] });
    repo.addComment(n, 'temp', '/go');
    const spawner = fx.spawner('revoke');
    expect(await spawner.runCycle()).toMatchObject({ created: [] });
    // The source keeps its decision while the thread is unchanged; the permission goes meanwhile.
    repo.setPermission('temp', undefined);
    await deleteTask('revoke-blocker');
    const report = await spawner.runCycle();
    expect(report.created).toEqual([]);
    expect(report.skipped).toEqual([expect.objectContaining({ reason: 'TriggerNotAuthorized' })]);
  });

  it('a cron tick gives one Task, even when status writes fail and the same tick is found again', async () => {
    const proxy = await FaultProxy.start();
    try {
      await fx.taskSpawner('tick', spec('triggers', { cron: { schedule: '*/5 * * * *' } }));
      const created = Date.parse((await fx.getSpawner('tick')).metadata.creationTimestamp as unknown as string);
      const clock = () => new Date(created + 11 * 60_000);
      proxy.fail({ method: 'PUT', path: /\/taskspawners\/tick\/status$/, kind: 'error-before' });
      const viaProxy = await proxy.client();
      const run = () =>
        fx
          .spawner('tick', { client: viaProxy, clock })
          .runCycle()
          .catch(() => undefined);
      await run();
      const first = await fx.taskNames('tick');
      expect(first.length).toBeGreaterThanOrEqual(2);
      for (const name of first) await deleteTask(name);
      await run();
      await run();
      expect(await fx.taskNames('tick')).toEqual([]);
      expect(proxy.faults()).toBeGreaterThanOrEqual(3);
      viaProxy.close();
    } finally {
      await proxy.close();
    }
  });
});

describe('caps hold under apiserver faults', () => {
  let ns2: TestNamespace;
  let fx2: ClusterFixture;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // No controller here: Tasks stay Pending, so every one counts against maxConcurrency.
    ns2 = await createNamespace('hostile-caps');
    fx2 = new ClusterFixture(kubeConfig(), ns2.name);
    await fx2.secret('github-token', { GITHUB_TOKEN: TOKEN });
    proxy = await FaultProxy.start();
  });
  afterAll(async () => {
    await proxy?.close();
    await ns2?.cleanup();
  });

  async function capsRepo(name: string, issues: number): Promise<void> {
    const repo = await repoWithWorkspace(name, fx2);
    for (let i = 0; i < issues; i++) repo.createIssue({ title: `${name} ${i}`, labels: ['go'] });
  }
  const tasksSpec = (name: string, rest: Partial<TaskSpawnerSpec>) => spec(name, { githubIssues: { labels: ['go'] } }, {}, rest);
  async function viaProxy(name: string) {
    const kube = await proxy.client();
    return { spawner: fx2.spawner(name, { client: kube }), close: () => kube.close() };
  }
  const active = async (name: string) => (await fx2.tasks(name)).filter((t: Task) => !['Succeeded', 'Failed'].includes(t.status?.phase ?? '')).length;

  it('maxTotalTasks: 2 gives 2 Tasks across 3 restarts while every status write fails and the Tasks are deleted', async () => {
    await capsRepo('total', 6);
    await fx2.taskSpawner('total', tasksSpec('total', { maxTotalTasks: 2 }));
    proxy.fail({ method: 'PUT', path: /\/taskspawners\/total\/status$/, kind: 'error-before' });
    const recorder = await fx2.recordCreations('total');
    try {
      for (let restart = 0; restart < 3; restart++) {
        const s = await viaProxy('total');
        await expect(s.spawner.runCycle()).rejects.toThrow(/injected by the test proxy/);
        s.close();
        for (const name of await fx2.taskNames('total')) await deleteTask(name, ns2.name);
      }
      await waitFor('the watch to see the Tasks', async () => recorder.uids.size === 2);
      expect([...recorder.uids.values()].flat()).toHaveLength(2);
      expect((await fx2.getSpawner('total')).status?.totalTasksCreated).toBeUndefined();
    } finally {
      recorder.stop();
      proxy.clear();
    }
  });

  it('maxConcurrency: 2 holds while Task creates, ledger and status writes answer 500 and 409, across restarts', async () => {
    await capsRepo('conc', 8);
    await fx2.taskSpawner('conc', tasksSpec('conc', { maxConcurrency: 2 }));
    const recorder = await fx2.recordCreations('conc');
    try {
      proxy.fail({ method: 'POST', path: /\/namespaces\/[^/]+\/tasks$/, kind: 'error-after', times: 2 });
      proxy.fail({ method: 'PATCH', path: /\/configmaps\/conc-triggers$/, kind: 'conflict', times: 1, skip: 1 });
      proxy.fail({ method: 'PUT', path: /\/taskspawners\/conc\/status$/, kind: 'error-before', times: 3 });
      proxy.fail({ method: 'POST', path: /\/namespaces\/[^/]+\/tasks$/, kind: 'error-before', times: 1 });
      const seen: number[] = [];
      for (let cycle = 0; cycle < 10; cycle++) {
        const s = await viaProxy('conc');
        await s.spawner.runCycle().catch(() => undefined);
        s.close();
        seen.push(await active('conc'));
        // Finish one running Task now and then, as the controller would.
        const running = (await fx2.tasks('conc')).find((t) => !t.status?.phase);
        if (running && cycle % 2 === 1) await fx2.finishTask(running.metadata.name!);
      }
      expect(Math.max(...seen)).toBe(2);
      expect(proxy.faults()).toBeGreaterThanOrEqual(5);
      await waitFor('the watch to catch up', async () => recorder.uids.size === (await fx2.taskNames('conc')).length);
      for (const [task, uids] of recorder.uids) expect({ task, uids: uids.length }).toEqual({ task, uids: 1 });
    } finally {
      recorder.stop();
      proxy.clear();
    }
  });

  it('a create answered 500 after the apiserver applied it is counted once and never repeated', async () => {
    await capsRepo('after', 1);
    await fx2.taskSpawner('after', tasksSpec('after', { maxTotalTasks: 5 }));
    proxy.fail({ method: 'POST', path: /\/namespaces\/[^/]+\/tasks$/, kind: 'error-after', times: 1 });
    const s = await viaProxy('after');
    const report = await s.spawner.runCycle();
    expect(report.failures).toEqual([]);
    expect(await fx2.taskNames('after')).toEqual(['after-1']);
    expect((await s.spawner.runCycle()).created).toEqual([]);
    s.close();
    expect((await fx2.getSpawner('after')).status?.totalTasksCreated).toBe(1);
    proxy.clear();
  });

  it('creates nothing in a cycle whose ledger write meets a conflict, and everything in the next', async () => {
    await capsRepo('conflict', 2);
    await fx2.taskSpawner('conflict', tasksSpec('conflict', {}));
    proxy.fail({ method: 'POST', path: /\/configmaps$/, kind: 'conflict', times: 1 });
    const s = await viaProxy('conflict');
    const first = await s.spawner.runCycle();
    expect(first.created).toEqual([]);
    expect(first.failures[0]).toMatch(/^recording the triggers in ConfigMap conflict-triggers failed, so no Task was created: it changed meanwhile/);
    expect((await s.spawner.runCycle()).created).toEqual(['conflict-1', 'conflict-2']);
    s.close();
    proxy.clear();
  });

  it('a spawner that stops between recording a trigger and creating its Task never creates it twice: the trigger is spent', async () => {
    await capsRepo('crash', 1);
    await fx2.taskSpawner('crash', tasksSpec('crash', {}));
    // The create and the read-back both die: as if the process stopped right after the ledger write.
    proxy.fail({ method: 'POST', path: /\/namespaces\/[^/]+\/tasks$/, kind: 'drop', times: 1 });
    proxy.fail({ method: 'GET', path: /\/tasks\/crash-1$/, kind: 'drop', times: 1 });
    const s = await viaProxy('crash');
    expect((await s.spawner.runCycle()).created).toEqual([]);
    s.close();
    proxy.clear();
    const metrics = new SpawnerMetrics({ namespace: ns2.name, taskspawner: 'crash' });
    const restarted = fx2.spawner('crash', { metrics });
    expect(await restarted.runCycle()).toMatchObject({ created: [], unconfirmed: ['crash-1'] });
    expect(await metric(metrics, 'kelos_spawner_unconfirmed_triggers_total')).toBe(1);
    expect((await restarted.runCycle()).created).toEqual([]);
    expect(await fx2.taskNames('crash')).toEqual([]);
  });

  it('two spawner processes at once stay within maxTotalTasks', async () => {
    await capsRepo('twins', 10);
    await fx2.taskSpawner('twins', tasksSpec('twins', { maxTotalTasks: 3 }));
    for (let round = 0; round < 4; round++) {
      await Promise.all([
        fx2
          .spawner('twins')
          .runCycle()
          .catch(() => undefined),
        fx2
          .spawner('twins')
          .runCycle()
          .catch(() => undefined),
      ]);
    }
    expect(await fx2.taskNames('twins')).toHaveLength(3);
  });
});
