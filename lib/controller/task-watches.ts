import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import type { AgentConfig } from '../api/agent-config.js';
import { Kind, Label, LabelValue } from '../api/constants.js';
import type { Task } from '../api/task.js';
import { isDeleting, isTerminalPhase } from '../api/task-phase.js';
import type { Workspace } from '../api/workspace.js';
import { Resources } from '../kube/resource-path.js';
import { BY_BRANCH, BY_DEPENDENCY, BY_SPAWNER_GATE, dependencyKey, eventIndexes, podIndexes, taskIndexes } from './_indexes.js';
import { slimEvent, slimJob, slimPod } from './_transforms.js';
import { branchLockKey } from './branch-lock.js';
import { objectKey, ownerKeys } from './handlers.js';
import type { EventHandler, ObjectKey, Source } from './reconciler.js';
import { spawnerGate } from './spawner-gate.js';

// What the Task reconciler watches, and which Tasks each event touches.

/** Jobs and Pods kelos made for Tasks. */
const TASK_CHILD_SELECTOR = `${Label.MANAGED_BY}=${LabelValue.MANAGED_BY},${Label.COMPONENT}=${LabelValue.COMPONENT_TASK}`;

export const TaskSources = {
  tasks: { resource: Resources.tasks, indexes: taskIndexes } satisfies Source<Task>,
  jobs: { resource: Resources.jobs, labelSelector: TASK_CHILD_SELECTOR, transform: slimJob } satisfies Source<V1Job>,
  pods: { resource: Resources.pods, labelSelector: TASK_CHILD_SELECTOR, transform: slimPod, indexes: podIndexes } satisfies Source<V1Pod>,
  /** The Job controller's "could not create the Pod" (PodSecurity, ResourceQuota, LimitRange): no Job condition says it. */
  jobEvents: {
    resource: Resources.events,
    fieldSelector: 'involvedObject.kind=Job,reason=FailedCreate',
    transform: slimEvent,
    indexes: eventIndexes,
  } satisfies Source<CoreV1Event>,
  workspaces: { resource: Resources.workspaces } satisfies Source<Workspace>,
  agentConfigs: { resource: Resources.agentConfigs } satisfies Source<AgentConfig>,
} as const;

/** The Tasks of the cache, by the indexes of TaskSources.tasks. */
export interface IndexedTasks {
  byIndex(index: string, key: string): Task[];
}

/**
 * Whether a Task changed in a way the Tasks waiting on it care about: its
 * phase, its Job, its deletion or its results.
 */
export function taskMoved(t: Task, old: Task | undefined): boolean {
  return (
    !old ||
    old.status?.phase !== t.status?.phase ||
    old.status?.jobName !== t.status?.jobName ||
    isDeleting(old) !== isDeleting(t) ||
    JSON.stringify(old.status?.results) !== JSON.stringify(t.status?.results)
  );
}

/** The Tasks that may move when `t` moves: its dependants, the other Tasks on its branch, and those waiting at its spawner's gate. */
export function taskFanOut(t: Task, tasks: IndexedTasks): ObjectKey[] {
  const keys = tasks.byIndex(BY_DEPENDENCY, dependencyKey(t.metadata.namespace, t.metadata.name!)).map(objectKey);
  const lock = branchLockKey(t);
  if (lock) {
    for (const p of tasks.byIndex(BY_BRANCH, lock)) if (p.metadata.name !== t.metadata.name) keys.push(objectKey(p));
  }
  const gate = spawnerGate(t);
  if (gate) {
    for (const p of tasks.byIndex(BY_SPAWNER_GATE, gate.key)) {
      if (p.metadata.name !== t.metadata.name && !p.status?.jobName && !isTerminalPhase(p.status?.phase)) keys.push(objectKey(p));
    }
  }
  return keys;
}

/** A Task event: the Task itself, and on a move its fan-out. */
export function taskEvents(tasks: IndexedTasks): EventHandler<Task> {
  return {
    add: (t) => [objectKey(t), ...taskFanOut(t, tasks)],
    update: (t, old) => (taskMoved(t, old) ? [objectKey(t), ...taskFanOut(t, tasks)] : [objectKey(t)]),
    delete: (t) => [objectKey(t), ...taskFanOut(t, tasks)],
  };
}

/** A Job event: the Task that owns it. */
export const jobOwner = (job: V1Job): ObjectKey[] => ownerKeys(job, Kind.TASK);

/** A Job's Event: the Task of the Job's name (desired checks the Job's uid). */
export const eventJob = (e: CoreV1Event): ObjectKey[] =>
  e.involvedObject?.name && e.involvedObject.namespace ? [{ namespace: e.involvedObject.namespace, name: e.involvedObject.name }] : [];

/** A Pod event: its Job, which has the Task's name. */
export const podOwner = (pod: V1Pod): ObjectKey[] => ownerKeys(pod, 'Job');

/**
 * The Tasks of a namespace that still wait to start (not finished, no Job
 * yet) and name `name` as their Workspace or one of their AgentConfigs: a
 * reference that appears (or changes) may let them start.
 */
export function pendingTasksReferencing(tasks: Iterable<Task>, field: 'workspace' | 'agentConfig', name: string | undefined): ObjectKey[] {
  const keys: ObjectKey[] = [];
  for (const t of tasks) {
    if (isTerminalPhase(t.status?.phase) || t.status?.jobName) continue;
    const refs = field === 'workspace' ? [t.spec?.workspaceRef?.name] : [t.spec?.agentConfigRef?.name, ...(t.spec?.agentConfigRefs ?? []).map((r) => r.name)];
    if (refs.includes(name)) keys.push(objectKey(t));
  }
  return keys;
}
