import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Task, TaskSpec, TaskStatus } from '../../lib/api/task.js';
import { taskIndexes } from '../../lib/controller/_indexes.js';
import { type IndexedTasks, jobOwner, pendingTasksReferencing, podOwner, taskEvents, taskMoved } from '../../lib/controller/task-watches.js';

function task(name: string, spec: Partial<TaskSpec> = {}, status?: TaskStatus, meta: Partial<Task['metadata']> = {}): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', ...meta },
    spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'none' }, ...spec },
    ...(status ? { status } : {}),
  };
}

/** The Tasks filed under the controller's real index functions. */
function indexed(tasks: Task[]): IndexedTasks {
  return {
    byIndex: (index, key) => tasks.filter((t) => taskIndexes[index as keyof typeof taskIndexes](t).includes(key)),
  };
}

const names = (keys: Iterable<{ namespace: string; name: string }>) => [...keys].map((k) => `${k.namespace}/${k.name}`);

describe('taskMoved', () => {
  const t = task('a', {}, { phase: 'Running', jobName: 'a', results: { pr: '1' } });

  it('is true for a new Task', () => {
    expect(taskMoved(t, undefined)).toBe(true);
  });

  it('is false when only the spec or an unrelated status field changed', () => {
    expect(taskMoved({ ...t, spec: { ...t.spec, prompt: 'q' }, status: { ...t.status, message: 'm' } }, t)).toBe(false);
  });

  it.each([
    ['the phase', { status: { ...t.status, phase: 'Succeeded' } }],
    ['the Job', { status: { ...t.status, jobName: undefined } }],
    ['the results', { status: { ...t.status, results: { pr: '2' } } }],
    ['deletion', { metadata: { ...t.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }],
  ] as const)('is true on %s', (_, change) => {
    expect(taskMoved({ ...t, ...change } as Task, t)).toBe(true);
  });
});

describe('taskEvents', () => {
  const dep = task('dep');
  const dependant = task('dependant', { dependsOn: ['dep'] });
  const other = task('other', { dependsOn: ['elsewhere'] });
  const holder = task('holder', { branch: 'fix', workspaceRef: { name: 'ws' } }, { phase: 'Running', jobName: 'holder' });
  const queued = task('queued', { branch: 'fix', workspaceRef: { name: 'ws' } });
  const otherBranch = task('other-branch', { branch: 'main', workspaceRef: { name: 'ws' } });
  const events = taskEvents(indexed([dep, dependant, other, holder, queued, otherBranch]));

  it('enqueues a new Task and its dependants', () => {
    expect(names(events.add!(dep))).toEqual(['ns/dep', 'ns/dependant']);
  });

  it('enqueues the other Tasks on the branch when the one holding it moves', () => {
    const done = { ...holder, status: { phase: 'Succeeded', jobName: 'holder' } };
    expect(names(events.update!(done, holder))).toEqual(['ns/holder', 'ns/queued']);
  });

  it('enqueues only the Task itself when it did not move', () => {
    expect(names(events.update!({ ...dep, metadata: { ...dep.metadata, resourceVersion: '2' } }, dep))).toEqual(['ns/dep']);
  });

  it('enqueues the dependants of a deleted Task', () => {
    expect(names(events.delete!(dep))).toEqual(['ns/dep', 'ns/dependant']);
  });
});

describe('owner mappings', () => {
  it('maps a Job to the Task that owns it', () => {
    const job: V1Job = { metadata: { name: 'a', namespace: 'ns', ownerReferences: [{ apiVersion: 'kelos.dev/v1alpha1', kind: 'Task', name: 'a', uid: 'u' }] } };
    expect(jobOwner(job)).toEqual([{ namespace: 'ns', name: 'a' }]);
  });

  it('maps a Pod to its Job, which has the Task name', () => {
    const pod: V1Pod = { metadata: { name: 'a-xyz', namespace: 'ns', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'a', uid: 'u' }] } };
    expect(podOwner(pod)).toEqual([{ namespace: 'ns', name: 'a' }]);
  });

  it('maps an object without an owner of that kind to nothing', () => {
    expect(jobOwner({ metadata: { name: 'a', namespace: 'ns' } })).toEqual([]);
  });
});

describe('pendingTasksReferencing', () => {
  const waiting = task('waiting', { workspaceRef: { name: 'ws' }, agentConfigRefs: [{ name: 'ac' }] });
  const running = task('running', { workspaceRef: { name: 'ws' } }, { phase: 'Pending', jobName: 'running' });
  const finished = task('finished', { workspaceRef: { name: 'ws' } }, { phase: 'Failed' });
  const legacy = task('legacy', { agentConfigRef: { name: 'ac' } });
  const tasks = [waiting, running, finished, legacy];

  it('names the Tasks without a Job that wait for a Workspace', () => {
    expect(names(pendingTasksReferencing(tasks, 'workspace', 'ws'))).toEqual(['ns/waiting']);
  });

  it('names the Tasks that reference an AgentConfig in either field', () => {
    expect(names(pendingTasksReferencing(tasks, 'agentConfig', 'ac'))).toEqual(['ns/waiting', 'ns/legacy']);
  });
});
