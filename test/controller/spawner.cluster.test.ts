import type { V1CronJob, V1Deployment, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpawner } from '../../lib/api/task-spawner.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { CONTROLLER_RULES, CONTROLLER_SECRET_RULES } from '../../lib/render/controller-rbac.js';
import { createNamespace, kubeConfig, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, explainFailures, startController, taskObject, waitFor } from './_cluster.js';

// The controller runs here as a ServiceAccount bound to exactly
// CONTROLLER_RULES, and CONTROLLER_SECRET_RULES in this namespace: every
// request it makes (Tasks, and the RBAC of raw TaskSpawners, which must not be
// an escalation) is authorised by them.

let ns: TestNamespace;
let admin: KubeClient;
let controller: Controller;
const rbac = 'rbac.authorization.k8s.io';

async function restrictedClient(namespace: string): Promise<KubeClient> {
  const role = `kelos-controller-test-${namespace}`;
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kelos-controller', namespace } });
  await admin.apply({ apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: { name: role }, rules: CONTROLLER_RULES } as never);
  await admin.apply({
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: role },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: 'kelos-controller', namespace }],
  } as never);
  // The Secrets of MCP servers: the per-namespace grant (kelos-controller-secrets), not cluster-wide.
  await admin.apply({
    apiVersion: `${rbac}/v1`,
    kind: 'Role',
    metadata: { name: 'kelos-controller-secrets', namespace },
    rules: CONTROLLER_SECRET_RULES,
  } as never);
  await admin.apply({
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'kelos-controller-secrets', namespace },
    roleRef: { apiGroup: rbac, kind: 'Role', name: 'kelos-controller-secrets' },
    subjects: [{ kind: 'ServiceAccount', name: 'kelos-controller', namespace }],
  } as never);
  const token = await admin.json<{ status: { token: string } }>(
    'POST',
    `${resourcePath(Resources.serviceAccounts, { namespace, name: 'kelos-controller' })}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
  );
  const base = kubeConfig();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [base.getCurrentCluster()!],
    users: [{ name: 'kelos-controller', token: token.status.token }],
    contexts: [{ name: 'sa', cluster: base.getCurrentCluster()!.name, user: 'kelos-controller' }],
    currentContext: 'sa',
  });
  return KubeClient.create(kc);
}

function spawnerObject(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): TaskSpawner {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name, namespace: ns.name, ...(annotations ? { annotations } : {}) },
    spec: {
      taskTemplate: {
        type: 'claude-code',
        workspaceRef: { name: 'my-workspace' },
        credentials: { type: 'oauth', secretRef: { name: 'claude-oauth-token' } },
        promptTemplate: 'Fix issue #{{.Number}}: {{.Title}}',
      },
      ...spec,
    } as TaskSpawner['spec'],
  };
}

const get = <T>(type: (typeof Resources)[keyof typeof Resources], name: string) => admin.get<T>(resourcePath(type, { namespace: ns.name, name }));
const spawnerStatus = async (name: string) => (await get<TaskSpawner>(Resources.taskSpawners, name))?.status;

beforeAll(async () => {
  admin = await clusterClient();
  ns = await createNamespace('ctl-spawner');
  await admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'github-token', namespace: ns.name }, stringData: { GITHUB_TOKEN: 'ghp' } });
  await admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'anthropic-api-key', namespace: ns.name }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  await admin.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'my-workspace', namespace: ns.name },
    spec: { repo: 'https://github.com/your-org/your-repo.git', ref: 'main', secretRef: { name: 'github-token' } },
  });
  await admin.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'AgentConfig',
    metadata: { name: 'ac', namespace: ns.name },
    spec: {
      plugins: [{ name: 'p', skills: [{ name: 's', content: 'x' }] }],
      mcpServers: [{ name: 'm', type: 'http', url: 'https://mcp', headersFrom: { secretRef: { name: 'github-token' } } }],
    },
  });
  controller = await startController(ns.name, {
    client: await restrictedClient(ns.name),
    spawnerImage: 'registry.local/kelos:test',
  });
});

explainFailures(() => controller);

afterAll(async () => {
  await controller?.stop();
  const role = `kelos-controller-test-${ns.name}`;
  await admin.delete(`/apis/${rbac}/v1/clusterrolebindings/${role}`);
  await admin.delete(`/apis/${rbac}/v1/clusterroles/${role}`);
  await ns?.cleanup();
});

describe('the controller with exactly its ClusterRole', () => {
  it('runs a Task with plugins, MCP secrets and a TTL', async () => {
    await admin.create(
      taskObject(ns.name, 'rbac-task', { workspaceRef: { name: 'my-workspace' }, agentConfigRef: { name: 'ac' }, branch: 'b', ttlSecondsAfterFinished: 1 }),
    );
    // With a 1 s TTL a slow poll can miss the terminal phase; the controller's own count says how it ended.
    await waitFor('the Task to be deleted after it finished', async () => !(await get(Resources.tasks, 'rbac-task')), 120_000);
    const completed = await controller.metrics.registry.getSingleMetricAsString('kelos_task_completed_total');
    expect(completed).toMatch(/kelos_task_completed_total\{[^}]*phase="Succeeded"[^}]*\} 1/);
    expect(completed).not.toMatch(/phase="Failed"/);
    expect(await controller.metrics.registry.getSingleMetricAsString('kelos_reconcile_errors_total')).not.toMatch(
      /kelos_reconcile_errors_total\{[^}]*\} [1-9]/,
    );
  });

  it('creates the Deployment and RBAC of a raw polling TaskSpawner, and follows suspend', async () => {
    await admin.create(spawnerObject('fix-bugs', { when: { githubIssues: { labels: ['bug'], state: 'open' } }, maxConcurrency: 3 }));
    const deployment = await waitFor('the spawner Deployment', () => get<V1Deployment>(Resources.deployments, 'fix-bugs-spawner'));
    const spawner = (await get<TaskSpawner>(Resources.taskSpawners, 'fix-bugs'))!;
    expect(deployment.metadata!.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'TaskSpawner', name: 'fix-bugs', uid: spawner.metadata.uid, controller: true }),
    ]);
    expect(deployment.spec!.replicas).toBe(1);
    const container = deployment.spec!.template.spec!.containers[0];
    expect(container.image).toBe('registry.local/kelos:test');
    expect(container.args).toEqual(['spawner', `--taskspawner=${ns.name}/fix-bugs`]);
    expect(await get<V1ServiceAccount>(Resources.serviceAccounts, 'fix-bugs-spawner')).toBeDefined();
    const role = (await get<V1Role>(Resources.roles, 'fix-bugs-spawner'))!;
    expect(JSON.stringify(role.rules)).not.toContain('secrets');
    expect(deployment.spec!.template.spec!.volumes).toEqual([expect.objectContaining({ secret: expect.objectContaining({ secretName: 'github-token' }) })]);
    expect((await get<V1RoleBinding>(Resources.roleBindings, 'fix-bugs-spawner'))!.roleRef.name).toBe('fix-bugs-spawner');
    const status = await waitFor('a phase', async () => ((await spawnerStatus('fix-bugs'))?.phase ? spawnerStatus('fix-bugs') : undefined));
    expect(status?.deploymentName).toBe('fix-bugs-spawner');
    expect(['Pending', 'Running']).toContain(status?.phase);

    await admin.mergePatch(resourcePath(Resources.taskSpawners, { namespace: ns.name, name: 'fix-bugs' }), { spec: { suspend: true } });
    await waitFor('0 replicas', async () => (await get<V1Deployment>(Resources.deployments, 'fix-bugs-spawner'))?.spec?.replicas === 0);
    await waitFor('phase Suspended', async () => (await spawnerStatus('fix-bugs'))?.phase === 'Suspended');
    await admin.mergePatch(resourcePath(Resources.taskSpawners, { namespace: ns.name, name: 'fix-bugs' }), { spec: { suspend: false } });
    await waitFor('1 replica', async () => (await get<V1Deployment>(Resources.deployments, 'fix-bugs-spawner'))?.spec?.replicas === 1);
    await waitFor('phase no longer Suspended', async () => (await spawnerStatus('fix-bugs'))?.phase !== 'Suspended');
  });

  it('creates the CronJob of a raw cron TaskSpawner, suspended with it', async () => {
    await admin.create(spawnerObject('weekly', { when: { cron: { schedule: '0 9 * * 1' } }, suspend: true }));
    const cron = await waitFor('the CronJob', () => get<V1CronJob>(Resources.cronJobs, 'weekly-spawner'));
    expect(cron.spec).toMatchObject({ schedule: '0 9 * * 1', concurrencyPolicy: 'Forbid', suspend: true });
    expect(cron.spec!.jobTemplate.spec!.template.spec!.containers[0].args).toEqual(['spawner', `--taskspawner=${ns.name}/weekly`, '--one-shot']);
    await waitFor('status', async () => {
      const s = await spawnerStatus('weekly');
      return s?.cronJobName === 'weekly-spawner' && s.phase === 'Suspended';
    });
    expect(await get(Resources.deployments, 'weekly-spawner')).toBeUndefined();
  });

  it('fails a raw TaskSpawner with a bad schedule in its status, without failing reconciles, until it is fixed', async () => {
    const errors = async () => {
      const text = await controller.metrics.registry.getSingleMetricAsString('kelos_reconcile_errors_total');
      return Number(/kelos_reconcile_errors_total\{controller="spawner"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await errors();
    await admin.create(spawnerObject('bad-cron', { when: { cron: { schedule: 'not a cron' } } }));
    const status = await waitFor('phase Failed', async () => {
      const s = await spawnerStatus('bad-cron');
      return s?.phase === 'Failed' ? s : undefined;
    });
    const message =
      'spec.when.cron.schedule: invalid cron schedule "not a cron": expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 3 fields';
    expect(status.message).toBe(message);
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSchedule', message, observedGeneration: 1 })]);
    expect(await get(Resources.cronJobs, 'bad-cron-spawner')).toBeUndefined();
    expect(await errors()).toBe(before);

    await admin.mergePatch(resourcePath(Resources.taskSpawners, { namespace: ns.name, name: 'bad-cron' }), {
      spec: { when: { cron: { schedule: '@daily' } } },
    });
    const cron = await waitFor('the CronJob', () => get<V1CronJob>(Resources.cronJobs, 'bad-cron-spawner'));
    expect(cron.spec!.schedule).toBe('@daily');
    const fixed = await waitFor('the refusal to be gone', async () => {
      const s = await spawnerStatus('bad-cron');
      return s?.phase === 'Running' && s.cronJobName === 'bad-cron-spawner' ? s : undefined;
    });
    expect(fixed.message).toBeUndefined();
    expect(fixed.conditions ?? []).not.toContainEqual(expect.objectContaining({ reason: 'InvalidSchedule' }));
    expect(await errors()).toBe(before);
  });

  it('leaves a TaskSpawner whose workload the compiler rendered alone', async () => {
    await admin.create(spawnerObject('compiled', { when: { githubIssues: {} } }, { 'kelos.dev/workload-compiled': 'true' }));
    await admin.create(spawnerObject('marker', { when: { githubIssues: {} } }));
    await waitFor('the other spawner to be handled', () => get(Resources.deployments, 'marker-spawner'));
    expect(await get(Resources.deployments, 'compiled-spawner')).toBeUndefined();
    expect(await get(Resources.serviceAccounts, 'compiled-spawner')).toBeUndefined();
    expect((await spawnerStatus('compiled'))?.deploymentName).toBeUndefined();
  });
});
