import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { Chart, Duration } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AgentType, Credentials, KelosApp, Task as TaskConstruct } from '../../constructs/index.js';
import { formatOutputs } from '../../lib/api/outputs.js';
import type { Task } from '../../lib/api/task.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { KubeClient as Client } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { staticConnection } from '../../lib/kube/static-kubeconfig.js';
import { createNamespace, kubeconfigPath, OUTCOME_LABEL, type TestNamespace, writeJobLog } from '../cluster/harness.js';
import { clusterClient, explainFailures, getJob, getTask, JobWitness, startController, taskObject, waitFor, waitForPhase } from './_cluster.js';

// Kelos examples 02 (workspace), 05 (AgentConfig) and 07 (pipeline), as
// fixtures of our own, run through kwok: pods pass their init containers,
// run, then succeed (or fail with `kelos.dev/test-outcome: fail`), and serve
// the log written for their Job.

let ns: TestNamespace;
let client: KubeClient;
let controller: Controller;

const agentLog = (outputs: Array<[string, string]>) => `Working on it\nDone\n${formatOutputs(outputs)}`;

beforeAll(async () => {
  client = await clusterClient();
  ns = await createNamespace('ctl-task');
  const n = ns.name;
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'anthropic-api-key', namespace: n },
    stringData: { ANTHROPIC_API_KEY: 'sk-test' },
  });
  await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'github-token', namespace: n }, stringData: { GITHUB_TOKEN: 'ghp_test' } });
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'mcp-creds', namespace: n },
    stringData: { Authorization: 'Bearer mcp-secret-value' },
  });
  await client.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'my-workspace', namespace: n },
    spec: { repo: 'https://github.com/your-org/your-repo.git', ref: 'main', secretRef: { name: 'github-token' } },
  });
  await client.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'AgentConfig',
    metadata: { name: 'code-reviewer', namespace: n },
    spec: {
      agentsMD: '# Code Review Guidelines\n',
      plugins: [{ name: 'reviewer', skills: [{ name: 'review', content: 'Review the current PR diff.' }] }],
      mcpServers: [{ name: 'github', type: 'http', url: 'https://mcp.example/github', headersFrom: { secretRef: { name: 'mcp-creds' } } }],
    },
  });
  controller = await startController(n);
});

explainFailures(() => controller);

afterAll(async () => {
  await controller?.stop();
  await ns?.cleanup();
});

describe('the controller on a real control plane', () => {
  it('runs a workspace Task to Succeeded and reads its outputs into results', async () => {
    const n = ns.name;
    writeJobLog(
      n,
      'add-tests',
      agentLog([
        ['branch', 'kelos-task-42'],
        ['commit', '0123abcd'],
        ['base-branch', 'main'],
        ['pr', 'https://github.com/your-org/your-repo/pull/42'],
        ['cost-usd', '0.1234'],
        ['input-tokens', '1500'],
        ['output-tokens', '320'],
      ]),
      { container: 'kelos-agent' },
    );
    await client.create(
      taskObject(n, 'add-tests', {
        prompt: 'Add unit tests for all untested functions and open a PR with the changes.',
        credentials: { type: 'oauth', secretRef: { name: 'anthropic-api-key' } },
        workspaceRef: { name: 'my-workspace' },
        agentConfigRef: { name: 'code-reviewer' },
      }),
    );
    const task = await waitForPhase(client, n, 'add-tests', ['Succeeded', 'Failed']);
    expect(task.status?.phase).toBe('Succeeded');
    expect(task.status?.results).toEqual({
      branch: 'kelos-task-42',
      commit: '0123abcd',
      'base-branch': 'main',
      pr: 'https://github.com/your-org/your-repo/pull/42',
      'cost-usd': '0.1234',
      'input-tokens': '1500',
      'output-tokens': '320',
    });
    expect(task.status?.outputs).toContain('pr: https://github.com/your-org/your-repo/pull/42');
    expect(task.status).toMatchObject({ jobName: 'add-tests', message: 'Task completed successfully', observedGeneration: 1 });
    expect(task.status?.podName).toMatch(/^add-tests-/);
    expect(task.status?.startTime).toBeDefined();
    expect(task.status?.completionTime).toBeDefined();
    expect(task.status?.conditions).toEqual([expect.objectContaining({ type: 'Succeeded', status: 'True', reason: 'JobSucceeded' })]);
    expect(task.metadata.finalizers).toEqual(['kelos.dev/finalizer']);

    const job = (await getJob(client, n, 'add-tests'))!;
    expect(job.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'Task', name: 'add-tests', uid: task.metadata.uid, controller: true })]);
    const pod = job.spec!.template.spec!;
    expect(pod.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'plugin-setup']);
    const agent = pod.containers[0];
    expect(agent.name).toBe('kelos-agent');
    expect(agent.env).toContainEqual({
      name: 'CLAUDE_CODE_OAUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: 'anthropic-api-key', key: 'CLAUDE_CODE_OAUTH_TOKEN' } },
    });
    expect(agent.env).toContainEqual({ name: 'KELOS_MCP_SERVERS', valueFrom: { secretKeyRef: { name: 'add-tests-mcp', key: 'KELOS_MCP_SERVERS' } } });
    expect(JSON.stringify(job)).not.toContain('mcp-secret-value');
    expect(JSON.stringify(job)).not.toContain('ghp_test');

    const cm = await client.get<V1ConfigMap>(resourcePath(Resources.configMaps, { namespace: n, name: 'add-tests-plugins' }));
    expect(cm?.data).toEqual({ 'p0-skill-0.md': 'Review the current PR diff.' });
    expect(cm?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Task', uid: task.metadata.uid });
    const mcp = await client.get<V1Secret>(resourcePath(Resources.secrets, { namespace: n, name: 'add-tests-mcp' }));
    expect(JSON.parse(Buffer.from(mcp!.data!.KELOS_MCP_SERVERS, 'base64').toString())).toEqual({
      mcpServers: { github: { type: 'http', url: 'https://mcp.example/github', headers: { Authorization: 'Bearer mcp-secret-value' } } },
    });

    const events = await client.list<{ reason: string; involvedObject: { kind: string; name: string } }>(resourcePath(Resources.events, { namespace: n }));
    const reasons = events.items.filter((e) => e.involvedObject.kind === 'Task' && e.involvedObject.name === 'add-tests').map((e) => e.reason);
    // The outcome only: Job created and running show in the status.
    expect(reasons).toEqual(['JobSucceeded']);
    const metrics = await controller.metrics.registry.getSingleMetricAsString('kelos_task_cost_usd_total');
    expect(metrics).toContain(`namespace="${n}"`);
  });

  it('passes Results.branch down a three-Task dependsOn chain', async () => {
    const n = ns.name;
    writeJobLog(n, 'scaffold', agentLog([['branch', 'feature/auth']]), { container: 'kelos-agent' });
    writeJobLog(n, 'write-tests', agentLog([['branch', 'feature/auth-tests']]), { container: 'kelos-agent' });
    writeJobLog(n, 'open-pr', agentLog([['pr', 'https://github.com/your-org/your-repo/pull/7']]), { container: 'kelos-agent' });
    const stage = (name: string, prompt: string, dependsOn?: string[]) =>
      taskObject(n, name, { prompt, workspaceRef: { name: 'my-workspace' }, branch: 'feature/auth', ...(dependsOn ? { dependsOn } : {}) });
    // Created last-first: each dependant waits for a dependency that does not exist yet.
    await client.create(stage('open-pr', 'Open a PR for {{index .Deps "write-tests" "Results" "branch"}}', ['write-tests']));
    await client.create(stage('write-tests', 'Write tests on {{index .Deps "scaffold" "Results" "branch"}}', ['scaffold']));
    expect((await waitForPhase(client, n, 'open-pr', ['Waiting'])).status?.message).toMatch(/^Waiting for dependency "write-tests"/);
    await client.create(stage('scaffold', 'Scaffold the auth module'));

    const last = await waitForPhase(client, n, 'open-pr', ['Succeeded', 'Failed']);
    expect(last.status?.phase).toBe('Succeeded');
    expect(last.status?.results?.pr).toBe('https://github.com/your-org/your-repo/pull/7');
    const args = async (name: string) => (await getJob(client, n, name))!.spec!.template.spec!.containers[0].args;
    expect(await args('write-tests')).toEqual(['Write tests on feature/auth']);
    expect(await args('open-pr')).toEqual(['Open a PR for feature/auth-tests']);
  });

  it('fails the dependants of a failing Task, and a cycle', async () => {
    const n = ns.name;
    await client.create(taskObject(n, 'breaks', { podOverrides: { labels: { [OUTCOME_LABEL]: 'fail' } } }));
    await client.create(taskObject(n, 'after-break', { dependsOn: ['breaks'] }));
    await client.create(taskObject(n, 'after-after', { dependsOn: ['after-break'] }));
    await client.create(taskObject(n, 'loop-a', { dependsOn: ['loop-b'] }));
    await client.create(taskObject(n, 'loop-b', { dependsOn: ['loop-a'] }));

    const broken = await waitForPhase(client, n, 'breaks', ['Succeeded', 'Failed']);
    expect(broken.status?.phase).toBe('Failed');
    expect(broken.status?.message).toMatch(/^Job failed/);
    const dependant = await waitForPhase(client, n, 'after-break', ['Succeeded', 'Failed']);
    expect(dependant.status).toMatchObject({ phase: 'Failed', message: 'Dependency "breaks" failed' });
    expect(dependant.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'DependencyFailed' });
    expect((await waitForPhase(client, n, 'after-after', ['Failed'])).status?.message).toBe('Dependency "after-break" failed');
    expect((await waitForPhase(client, n, 'loop-a', ['Failed'])).status?.message).toBe('Circular dependency detected: loop-a -> loop-b -> loop-a');
    expect((await waitForPhase(client, n, 'loop-b', ['Failed'])).status?.message).toBe('Circular dependency detected: loop-b -> loop-a -> loop-b');
    for (const name of ['after-break', 'after-after', 'loop-a', 'loop-b']) expect(await getJob(client, n, name)).toBeUndefined();
  });

  it('runs Tasks on one (workspace, branch) one at a time, in creation order', async () => {
    const n = ns.name;
    // Names sort against creation order: the order must come from creation.
    const names = ['z-first', 'y-second', 'x-third'];
    for (const name of names) {
      await client.create(taskObject(n, name, { workspaceRef: { name: 'my-workspace' }, branch: 'shared' }));
      await new Promise((r) => setTimeout(r, 1100));
    }
    await client.create(taskObject(n, 'elsewhere', { workspaceRef: { name: 'my-workspace' }, branch: 'other' }));
    const tasks = [];
    for (const name of names) tasks.push(await waitForPhase(client, n, name, ['Succeeded', 'Failed']));
    expect(tasks.map((t) => t.status?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    const jobs = await Promise.all(names.map((name) => getJob(client, n, name)));
    const created = jobs.map((j) => Date.parse(j!.metadata!.creationTimestamp as unknown as string));
    const completed = tasks.map((t) => Date.parse(t.status!.completionTime!));
    for (let i = 1; i < names.length; i++) {
      expect(created[i]).toBeGreaterThanOrEqual(completed[i - 1]);
      expect(created[i]).toBeGreaterThan(created[i - 1]);
    }
    expect((await waitForPhase(client, n, 'elsewhere', ['Succeeded'])).status?.phase).toBe('Succeeded');
  });

  it('waits for a Workspace created later, then runs', async () => {
    const n = ns.name;
    await client.create(taskObject(n, 'needs-ws', { workspaceRef: { name: 'late-ws' } }));
    const waiting = await waitForPhase(client, n, 'needs-ws', ['Waiting']);
    expect(waiting.status?.message).toBe('Waiting for Workspace "late-ws" to be created');
    expect(waiting.status?.conditions?.[0]).toMatchObject({ status: 'Unknown', reason: 'WaitingForWorkspace' });
    await client.create({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'late-ws', namespace: n },
      spec: { repo: 'https://github.com/acme/late.git' },
    });
    expect((await waitForPhase(client, n, 'needs-ws', ['Succeeded', 'Failed'])).status?.phase).toBe('Succeeded');
  });

  it('deletes the Job of a deleted Task and hands its branch to the next Task', async () => {
    const n = ns.name;
    // A Pod that cannot be scheduled keeps the first Task holding the branch.
    await client.create(
      taskObject(n, 'stuck', { workspaceRef: { name: 'my-workspace' }, branch: 'handover', podOverrides: { nodeSelector: { 'kelos.dev/no-such-node': 'x' } } }),
    );
    const stuck = await waitFor('the stuck Pod to be reported', async () => {
      const t = await getTask(client, n, 'stuck');
      return t?.status?.message?.includes('cannot start') ? t : undefined;
    });
    expect(stuck.status?.phase).toBe('Pending');
    expect(stuck.status?.message).toMatch(/^Pod "stuck-[a-z0-9]+" cannot start: Unschedulable/);
    expect(stuck.status?.conditions?.[0]).toMatchObject({ status: 'Unknown', reason: 'JobNotStarting' });
    await new Promise((r) => setTimeout(r, 1100));
    await client.create(taskObject(n, 'next', { workspaceRef: { name: 'my-workspace' }, branch: 'handover' }));
    expect((await waitForPhase(client, n, 'next', ['Waiting'])).status?.message).toBe('Waiting for branch "handover" (locked by stuck)');

    await client.delete(resourcePath(Resources.tasks, { namespace: n, name: 'stuck' }));
    await waitFor('the Task to be gone', async () => !(await getTask(client, n, 'stuck')));
    await waitFor('its Job to be gone', async () => !(await getJob(client, n, 'stuck')));
    expect((await waitForPhase(client, n, 'next', ['Succeeded', 'Failed'])).status?.phase).toBe('Succeeded');
  });

  it('fails a Task whose Job the apiserver rejects, without retrying', async () => {
    const n = ns.name;
    const name = `a-task-name-longer-than-the-sixty-three-characters-a-job-name-may-have`;
    await client.create(taskObject(n, name));
    const t = await waitForPhase(client, n, name, ['Failed', 'Succeeded']);
    expect(t.status?.phase).toBe('Failed');
    expect(t.status?.message).toMatch(/^The Job was rejected: /);
    expect(t.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${controller.metricsAddress!.port}/metrics`)).text();
    for (const name of [
      'kelos_task_created_total',
      'kelos_task_completed_total',
      'kelos_task_duration_seconds',
      'kelos_task_cost_usd_total',
      'kelos_task_input_tokens_total',
      'kelos_task_output_tokens_total',
      'kelos_reconcile_errors_total',
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(metrics).toMatch(new RegExp(`kelos_task_completed_total\\{namespace="${ns.name}",type="claude-code",phase="Failed"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`kelos_task_input_tokens_total\\{[^}]*namespace="${ns.name}"[^}]*\\} 1500`));
    expect((await fetch(`http://127.0.0.1:${controller.healthAddress!.port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${controller.healthAddress!.port}/readyz`)).status).toBe(200);
  });

  it('deletes a finished Task after its TTL, and with it its Job and ConfigMap', async () => {
    const n = ns.name;
    const witness = new JobWitness(client, n);
    await client.create(taskObject(n, 'short-lived', { ttlSecondsAfterFinished: 10, agentConfigRef: { name: 'code-reviewer' } }));
    await waitFor('the ConfigMap', async () => !!(await client.get(resourcePath(Resources.configMaps, { namespace: n, name: 'short-lived-plugins' }))));
    const done = await waitForPhase(client, n, 'short-lived', ['Succeeded']);
    expect(done.spec.ttlSecondsAfterFinished).toBe(10);
    await waitFor('the Task to be deleted', async () => !(await getTask(client, n, 'short-lived')), 60_000);
    await waitFor('the Job to be deleted', async () => !(await getJob(client, n, 'short-lived')), 60_000);
    await waitFor(
      'the ConfigMap to be collected',
      async () => !(await client.get(resourcePath(Resources.configMaps, { namespace: n, name: 'short-lived-plugins' }))),
      60_000,
    );
    await witness.stop();
    expect(witness.uids.get('short-lived')?.size).toBe(1);
  });

  it('runs a Task declared in git once: after its TTL it keeps the Task, so a re-apply by ArgoCD runs nothing', async () => {
    const n = ns.name;
    // The Task as `kelos synth` renders it, applied the way ArgoCD syncs: server-side, its own field manager.
    const app = new KelosApp({ outdir: '/never-written' });
    const chart = new Chart(app, 'pipeline', { namespace: n });
    new TaskConstruct(chart, 'declared-once', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.apiKey({ name: 'anthropic-api-key' }),
      prompt: 'Write the changelog',
      ttlAfterFinished: Duration.seconds(1),
    });
    const manifest = parse(app.render().find((f) => f.path.endsWith('/Task.declared-once.yaml'))!.content) as Task;
    expect(manifest.metadata.annotations?.['kelos.dev/declared']).toBe('true');
    const argocd = await Client.fromConnection(staticConnection(kubeconfigPath())!, 'argocd-controller');
    const witness = new JobWitness(client, n);

    const created = await argocd.apply(manifest);
    const done = await waitForPhase(client, n, 'declared-once', ['Succeeded']);
    await waitFor('the Job to be deleted after the TTL', async () => !(await getJob(client, n, 'declared-once')), 60_000);
    const kept = await getTask(client, n, 'declared-once');
    expect(kept?.metadata.uid).toBe(created.metadata.uid);
    expect(kept?.status).toEqual(done.status);

    // selfHeal, or the next sync: the same manifest again.
    const again = await argocd.apply(manifest);
    expect(again.metadata.uid).toBe(created.metadata.uid);
    expect(again.metadata.generation).toBe(created.metadata.generation);
    // Once a Task applied after it has run, the controller has seen the re-apply too.
    await client.create(taskObject(n, 'after-the-reapply'));
    await waitForPhase(client, n, 'after-the-reapply', ['Succeeded']);
    expect((await getTask(client, n, 'declared-once'))?.status).toEqual(done.status);
    expect(await getJob(client, n, 'declared-once')).toBeUndefined();
    await witness.stop();
    expect(witness.uids.get('declared-once')?.size).toBe(1);
  });
});
