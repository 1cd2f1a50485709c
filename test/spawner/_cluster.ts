// Shared set-up of the spawner's tests on the real control plane.
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Task, TaskSpawner, TaskSpawnerSpec } from '../../lib/api/index.js';
import { Spawner, type SpawnerOptions } from '../../lib/spawner/spawner.js';
import { installKelosCrds } from '../cluster/crds.js';
import { waitFor } from '../cluster/harness.js';

export const GROUP = { group: 'kelos.dev', version: 'v1alpha1' };

/** Installs the kelos CRDs and waits until the kinds the spawner uses are served. */
export async function ensureCrds(kc: k8s.KubeConfig): Promise<void> {
  await installKelosCrds();
  const objects = kc.makeApiClient(k8s.CustomObjectsApi);
  for (const plural of ['tasks', 'taskspawners', 'workspaces']) {
    await waitFor(`${plural}.kelos.dev to be served`, async () => {
      await objects.listClusterCustomObject({ ...GROUP, plural });
      return true;
    });
  }
}

export class ClusterFixture {
  readonly objects: k8s.CustomObjectsApi;
  readonly core: k8s.CoreV1Api;

  constructor(
    readonly kc: k8s.KubeConfig,
    readonly namespace: string,
  ) {
    this.objects = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async secret(name: string, data: Record<string, string>): Promise<void> {
    await this.core.createNamespacedSecret({ namespace: this.namespace, body: { metadata: { name }, stringData: data } });
  }

  async workspace(name: string, repo: string, secretName?: string): Promise<void> {
    await this.objects.createNamespacedCustomObject({
      ...GROUP,
      plural: 'workspaces',
      namespace: this.namespace,
      body: {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Workspace',
        metadata: { name },
        spec: { repo, ...(secretName ? { secretRef: { name: secretName } } : {}) },
      },
    });
  }

  async taskSpawner(name: string, spec: TaskSpawnerSpec): Promise<TaskSpawner> {
    return (await this.objects.createNamespacedCustomObject({
      ...GROUP,
      plural: 'taskspawners',
      namespace: this.namespace,
      body: { apiVersion: 'kelos.dev/v1alpha1', kind: 'TaskSpawner', metadata: { name }, spec },
    })) as TaskSpawner;
  }

  async getSpawner(name: string): Promise<TaskSpawner> {
    return (await this.objects.getNamespacedCustomObject({ ...GROUP, plural: 'taskspawners', namespace: this.namespace, name })) as TaskSpawner;
  }

  async patchSpawnerSpec(name: string, spec: Partial<TaskSpawnerSpec>): Promise<void> {
    await this.objects.patchNamespacedCustomObject(
      { ...GROUP, plural: 'taskspawners', namespace: this.namespace, name, body: { spec } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  async setSpawnerStatus(name: string, status: TaskSpawner['status']): Promise<void> {
    const ts = await this.getSpawner(name);
    await this.objects.replaceNamespacedCustomObjectStatus({ ...GROUP, plural: 'taskspawners', namespace: this.namespace, name, body: { ...ts, status } });
  }

  async tasks(spawner?: string): Promise<Task[]> {
    const list = (await this.objects.listNamespacedCustomObject({
      ...GROUP,
      plural: 'tasks',
      namespace: this.namespace,
      ...(spawner ? { labelSelector: `kelos.dev/taskspawner=${spawner}` } : {}),
    })) as { items: Task[] };
    return list.items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  }

  async taskNames(spawner?: string): Promise<string[]> {
    return (await this.tasks(spawner)).map((t) => t.metadata.name!);
  }

  /** Marks a Task finished, as the controller would. */
  async finishTask(name: string, phase: 'Succeeded' | 'Failed' = 'Succeeded', completionTime = new Date()): Promise<void> {
    const task = (await this.objects.getNamespacedCustomObject({ ...GROUP, plural: 'tasks', namespace: this.namespace, name })) as Task;
    await this.objects.replaceNamespacedCustomObjectStatus({
      ...GROUP,
      plural: 'tasks',
      namespace: this.namespace,
      name,
      body: { ...task, status: { phase, completionTime: completionTime.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
    });
  }

  spawner(name: string, options: Partial<SpawnerOptions> = {}): Spawner {
    return new Spawner({
      kubeConfig: this.kc,
      namespace: this.namespace,
      name,
      log: pino({ level: process.env.KELOS_TEST_LOG ?? 'silent' }),
      env: {},
      github: { retryBaseMs: 20, rateLimitSecondMs: 50, timeoutMs: 2000 },
      jira: { retryBaseMs: 20 },
      ...options,
    });
  }

  /**
   * Records every ADDED event of the spawner's Tasks (name → UIDs), to prove
   * that no Task was created twice.
   */
  async recordCreations(spawner: string): Promise<{ uids: Map<string, string[]>; stop: () => void }> {
    const uids = new Map<string, string[]>();
    const watch = new k8s.Watch(this.kc);
    const controller = await watch.watch(
      `/apis/kelos.dev/v1alpha1/namespaces/${this.namespace}/tasks`,
      { labelSelector: `kelos.dev/taskspawner=${spawner}` },
      (type, obj: Task) => {
        if (type !== 'ADDED') return;
        const list = uids.get(obj.metadata.name!) ?? [];
        if (!list.includes(obj.metadata.uid!)) list.push(obj.metadata.uid!);
        uids.set(obj.metadata.name!, list);
      },
      () => undefined,
    );
    return { uids, stop: () => controller.abort() };
  }
}

/** The seed's kelos-workers TaskSpawner (self-development), with an exclude label added. */
export function kelosWorkersSpec(overrides: Partial<TaskSpawnerSpec['when']['githubIssues']> = {}): TaskSpawnerSpec {
  return {
    when: {
      githubIssues: {
        labels: ['actor/kelos'],
        excludeLabels: ['kelos/blocked'],
        triggerComment: '/kelos pick-up',
        excludeComments: ['/kelos needs-input'],
        priorityLabels: ['priority/critical-urgent', 'priority/important-soon', 'priority/important-longterm', 'priority/backlog'],
        ...overrides,
      },
    },
    maxConcurrency: 3,
    taskTemplate: {
      workspaceRef: { name: 'kelos-agent' },
      model: 'opus',
      type: 'claude-code',
      ttlSecondsAfterFinished: 3600,
      credentials: { type: 'oauth', secretRef: { name: 'kelos-credentials' } },
      branch: 'kelos-task-{{.Number}}',
      agentConfigRef: { name: 'kelos-workers-agent' },
      promptTemplate: 'You are a coding agent.\nIssue #{{.Number}}: {{.Title}}\n{{.Body}}\nCheck if a PR already exists for branch kelos-task-{{.Number}}.\n',
    },
    pollInterval: '1h',
  };
}
