import type { V1CronJob, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { TaskSpawner, TaskSpawnerSpec, TaskSpawnerStatus } from '../../lib/api/task-spawner.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { desiredSpawner, invalidSpawner, PENDING_RECHECK_MS, type SpawnerDecision, spawnerStatus } from '../../lib/controller/spawner-desired.js';

const polling = {
  when: { githubIssues: {} },
  taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } },
} as TaskSpawnerSpec;
const cron = { ...polling, when: { cron: { schedule: '0 * * * *' } } } as TaskSpawnerSpec;

function spawner(spec: TaskSpawnerSpec = polling, status?: TaskSpawnerStatus, meta: Partial<TaskSpawner['metadata']> = {}): TaskSpawner {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 'fix-bugs', namespace: 'ns', uid: 'uid-1', generation: 1, ...meta },
    spec,
    ...(status ? { status } : {}),
  };
}

const workspace: Workspace = {
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'Workspace',
  metadata: { name: 'ws', namespace: 'ns' },
  spec: { repo: 'https://github.com/acme/app.git', secretRef: { name: 'github-token' } },
};

const owner = { apiVersion: 'kelos.dev/v1alpha1', kind: 'TaskSpawner', name: 'fix-bugs', uid: 'uid-1', controller: true, blockOwnerDeletion: true };

const applied = (availableReplicas?: number): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  status: { ...(availableReplicas !== undefined ? { availableReplicas } : {}) },
});

describe('desiredSpawner', () => {
  it('leaves a TaskSpawner being deleted alone', () => {
    expect(desiredSpawner(spawner(polling, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }), { workspace })).toBeUndefined();
  });

  it('leaves a TaskSpawner whose workload the compiler rendered alone', () => {
    expect(desiredSpawner(spawner(polling, undefined, { annotations: { 'kelos.dev/workload-compiled': 'true' } }), { workspace })).toBeUndefined();
  });

  it('creates no poller for a webhook source applied as YAML: the webhook server serves it', () => {
    for (const when of [
      { githubWebhook: { events: ['issues'] } },
      { linearWebhook: { types: ['Issue'] } },
      { webhook: { source: 'sentry', fieldMapping: { id: '$.id' } } },
      { slack: {} },
    ]) {
      expect(desiredSpawner(spawner({ ...polling, when } as TaskSpawnerSpec), { workspace })).toBeUndefined();
    }
  });

  it('wants RBAC and a Deployment for a polling source, owned by the TaskSpawner', () => {
    const d = desiredSpawner(spawner(), { workspace })!;
    expect(d.rbac.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual([
      'ServiceAccount/fix-bugs-spawner',
      'Role/fix-bugs-spawner',
      'RoleBinding/fix-bugs-spawner',
    ]);
    expect(d.workload.kind).toBe('Deployment');
    expect(d.workload.metadata).toMatchObject({ name: 'fix-bugs-spawner', namespace: 'ns', ownerReferences: [owner] });
    for (const o of d.rbac) expect(o.metadata!.ownerReferences).toEqual([owner]);
    expect(d.stale).toBeUndefined();
  });

  it('mounts the Workspace Secret into the spawner, and grants it no Secret', () => {
    const d = desiredSpawner(spawner(), { workspace })!;
    expect(d.rbac[1].rules!.find((r) => r.resources?.includes('secrets'))).toBeUndefined();
    const volumes = (d: SpawnerDecision) => (d.workload as V1Deployment).spec!.template.spec!.volumes;
    expect(volumes(d)).toEqual([{ name: 'secret-0', secret: { secretName: 'github-token', optional: true, defaultMode: 0o440 } }]);
    expect(volumes(desiredSpawner(spawner(), {})!)).toBeUndefined();
  });

  it('wants a CronJob for the cron source', () => {
    const d = desiredSpawner(spawner(cron), { workspace })!;
    expect(d.workload.kind).toBe('CronJob');
    expect((d.workload as V1CronJob).spec!.schedule).toBe('0 * * * *');
  });

  it('runs the image it is given', () => {
    const d = desiredSpawner(spawner(), { workspace }, { image: 'registry.local/kelos:dev' })!;
    expect((d.workload as V1Deployment).spec!.template.spec!.containers[0].image).toBe('registry.local/kelos:dev');
  });

  it('deletes the CronJob the status still names once the source polls', () => {
    expect(desiredSpawner(spawner(polling, { cronJobName: 'fix-bugs-spawner' }), { workspace })!.stale).toBe(
      '/apis/batch/v1/namespaces/ns/cronjobs/fix-bugs-spawner',
    );
  });

  it('deletes the Deployment the status still names once the source is cron', () => {
    expect(desiredSpawner(spawner(cron, { deploymentName: 'old' }), { workspace })!.stale).toBe('/apis/apps/v1/namespaces/ns/deployments/old');
  });
});

describe('spawnerStatus', () => {
  const status = (s: TaskSpawner, deployment?: V1Deployment) => spawnerStatus(s, desiredSpawner(s, { workspace })!, deployment ? { deployment } : {});

  it('says Running and names the Deployment once a replica is available', () => {
    expect(status(spawner(), applied(1))).toEqual({
      status: { deploymentName: 'fix-bugs-spawner', phase: 'Running' },
      patch: { deploymentName: 'fix-bugs-spawner', phase: 'Running' },
    });
  });

  it('says Pending and checks again while no replica is available', () => {
    expect(status(spawner(), applied())).toEqual({
      status: { deploymentName: 'fix-bugs-spawner', phase: 'Pending' },
      patch: { deploymentName: 'fix-bugs-spawner', phase: 'Pending' },
      requeueAfter: PENDING_RECHECK_MS,
    });
  });

  it('says Running for a CronJob as soon as it is applied', () => {
    expect(status(spawner(cron))).toEqual({
      status: { cronJobName: 'fix-bugs-spawner', phase: 'Running' },
      patch: { cronJobName: 'fix-bugs-spawner', phase: 'Running' },
    });
  });

  it('says Suspended and does not check again for a suspended spawner', () => {
    expect(status(spawner({ ...polling, suspend: true }), applied())).toEqual({
      status: { deploymentName: 'fix-bugs-spawner', phase: 'Suspended' },
      patch: { deploymentName: 'fix-bugs-spawner', phase: 'Suspended' },
    });
  });

  it('leaves a phase the spawner set itself', () => {
    expect(status(spawner(polling, { phase: 'Failed', deploymentName: 'fix-bugs-spawner', message: 'bad token' }), applied(1))).toEqual({
      status: { deploymentName: 'fix-bugs-spawner' },
    });
  });

  it('writes nothing when the status already says so', () => {
    expect(status(spawner(polling, { phase: 'Running', deploymentName: 'fix-bugs-spawner' }), applied(1)).patch).toBeUndefined();
  });

  it('clears the name of the workload of the other form', () => {
    expect(status(spawner(cron, { phase: 'Running', deploymentName: 'fix-bugs-spawner' })).patch).toEqual({
      cronJobName: 'fix-bugs-spawner',
      deploymentName: null,
    });
  });
});

describe('invalidSpawner', () => {
  const now = new Date('2026-01-02T03:04:05Z');
  const bad = { ...polling, when: { cron: { schedule: 'not a cron' } } } as TaskSpawnerSpec;
  const message =
    'spec.when.cron.schedule: invalid cron schedule "not a cron": expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 3 fields';
  const condition = {
    type: 'Ready',
    status: 'False',
    reason: 'InvalidSchedule',
    message,
    lastTransitionTime: '2026-01-02T03:04:05Z',
    observedGeneration: 1,
  } as const;

  it('has nothing to say about a spawner it can build, or one it leaves alone', () => {
    expect(invalidSpawner(spawner(cron), now)).toBeUndefined();
    expect(invalidSpawner(spawner({ ...cron, when: { cron: { schedule: '@daily' } } } as TaskSpawnerSpec), now)).toBeUndefined();
    expect(invalidSpawner(spawner(polling), now)).toBeUndefined();
    expect(invalidSpawner(spawner(bad, undefined, { annotations: { 'kelos.dev/workload-compiled': 'true' } }), now)).toBeUndefined();
    expect(invalidSpawner(spawner(bad, undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }), now)).toBeUndefined();
  });

  it("fails a spawner whose schedule a CronJob would refuse, with the parser's reason", () => {
    expect(invalidSpawner(spawner(bad), now)).toEqual({ delete: [], patch: { phase: 'Failed', message, conditions: [condition] } });
  });

  it('writes nothing once the status says so', () => {
    expect(invalidSpawner(spawner(bad, { phase: 'Failed', message, conditions: [condition] }), new Date('2026-02-01T00:00:00Z'))).toEqual({ delete: [] });
  });

  it('deletes the CronJob it made for the schedule before, and keeps other conditions', () => {
    const other = { type: 'Other', status: 'True', reason: 'X', message: 'x', lastTransitionTime: '2025-01-01T00:00:00Z' } as const;
    const d = invalidSpawner(spawner(bad, { phase: 'Running', cronJobName: 'fix-bugs-spawner', conditions: [other] }), now)!;
    expect(d.delete).toEqual(['/apis/batch/v1/namespaces/ns/cronjobs/fix-bugs-spawner']);
    expect(d.patch).toEqual({ phase: 'Failed', message, conditions: [other, condition], cronJobName: null });
  });

  it('deletes no workload the controller did not name after the spawner', () => {
    expect(invalidSpawner(spawner(bad, { deploymentName: 'someone-elses-app' }), now)!.delete).toEqual([]);
  });

  it('hands the status back once the schedule is valid again', () => {
    const fixed = spawner(cron, { phase: 'Failed', message, conditions: [condition] });
    expect(spawnerStatus(fixed, desiredSpawner(fixed, {})!, {})).toEqual({
      status: { cronJobName: 'fix-bugs-spawner', phase: 'Running' },
      patch: { cronJobName: 'fix-bugs-spawner', phase: 'Running', conditions: [], message: null },
    });
  });
});
