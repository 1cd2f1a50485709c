import { describe, expect, it } from 'vitest';
import type { TaskSpawner } from '../../lib/api/task-spawner.js';
import { spawnerChanged, spawnersOfWorkspace } from '../../lib/controller/spawner-reconciler.js';

const spawner: TaskSpawner = {
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'TaskSpawner',
  metadata: { name: 'fix-bugs', namespace: 'ns', uid: 'u', generation: 1, resourceVersion: '10' },
  spec: {
    when: { githubIssues: {} },
    taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } },
  } as TaskSpawner['spec'],
  status: { phase: 'Running', deploymentName: 'fix-bugs-spawner', lastDiscoveryTime: '2026-01-01T00:00:00Z' },
};

const next = (change: { metadata?: Partial<TaskSpawner['metadata']>; status?: Partial<NonNullable<TaskSpawner['status']>> }): TaskSpawner => ({
  ...spawner,
  metadata: { ...spawner.metadata, resourceVersion: '11', ...change.metadata },
  status: { ...spawner.status, ...change.status },
});

describe('spawnerChanged', () => {
  it('is true for a new spawner', () => {
    expect(spawnerChanged(spawner, undefined)).toBe(true);
  });

  it('is false when the spawner only recorded a poll', () => {
    expect(spawnerChanged(next({ status: { lastDiscoveryTime: '2026-01-01T00:05:00Z', totalDiscovered: 3 } }), spawner)).toBe(false);
  });

  it.each([
    ['a spec change', { metadata: { generation: 2 } }],
    ['the compiled annotation', { metadata: { annotations: { 'kelos.dev/workload-compiled': 'true' } } }],
    ['deletion', { metadata: { deletionTimestamp: '2026-01-01T00:06:00Z' } }],
    ['the phase', { status: { phase: 'Failed' } }],
    ['the Deployment name', { status: { deploymentName: undefined } }],
    ['the CronJob name', { status: { cronJobName: 'fix-bugs-spawner' } }],
  ] as const)('is true on %s', (_, change) => {
    expect(spawnerChanged(next(change as Parameters<typeof next>[0]), spawner)).toBe(true);
  });
});

describe('spawnersOfWorkspace', () => {
  const named = (name: string, workspace?: string): TaskSpawner => ({
    ...spawner,
    metadata: { ...spawner.metadata, name },
    spec: {
      ...spawner.spec,
      taskTemplate: { ...spawner.spec.taskTemplate, ...(workspace ? { workspaceRef: { name: workspace } } : { workspaceRef: undefined }) },
    },
  });

  it('names the TaskSpawners whose Task template uses the Workspace', () => {
    const keys = spawnersOfWorkspace([named('a', 'ws'), named('b', 'other'), named('c'), named('d', 'ws')], 'ws');
    expect(keys).toEqual([
      { namespace: 'ns', name: 'a' },
      { namespace: 'ns', name: 'd' },
    ]);
  });
});
