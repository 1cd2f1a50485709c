import type { CoreV1Event, V1ContainerState, V1ContainerStatus, V1Job, V1ObjectMeta, V1OwnerReference, V1Pod } from '@kubernetes/client-node';

// The informer caches keep only what the reconciler reads: thousands of Jobs
// and Pods then cost a few hundred bytes each instead of kilobytes.

function meta(m: V1ObjectMeta) {
  return {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    ...(m.labels ? { labels: m.labels } : {}),
    ...(m.ownerReferences
      ? { ownerReferences: m.ownerReferences.map((r: V1OwnerReference) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid })) }
      : {}),
  };
}

export function slimJob(job: V1Job): V1Job {
  const s = job.status ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(job.metadata ?? {}),
    status: {
      ...(s.active !== undefined ? { active: s.active } : {}),
      ...(s.succeeded !== undefined ? { succeeded: s.succeeded } : {}),
      ...(s.failed !== undefined ? { failed: s.failed } : {}),
      ...(s.startTime ? { startTime: s.startTime } : {}),
      ...(s.completionTime ? { completionTime: s.completionTime } : {}),
      ...(s.conditions
        ? {
            conditions: s.conditions
              .filter((c) => c.type === 'Complete' || c.type === 'Failed')
              .map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime })),
          }
        : {}),
    },
  } as V1Job;
}

const MAX_TERMINATION_MESSAGE = 1024;

const slimState = (st: V1ContainerState | undefined) =>
  st?.waiting
    ? { waiting: { reason: st.waiting.reason, message: st.waiting.message } }
    : st?.running
      ? { running: {} }
      : st?.terminated
        ? {
            terminated: {
              exitCode: st.terminated.exitCode,
              reason: st.terminated.reason,
              // the termination message the container wrote (kelos capture: why the run failed), bounded
              ...(st.terminated.message ? { message: st.terminated.message.slice(0, MAX_TERMINATION_MESSAGE) } : {}),
            },
          }
        : {};

export function slimPod(pod: V1Pod): V1Pod {
  const s = pod.status ?? {};
  const containers = (list: V1ContainerStatus[] | undefined) => list?.map((c) => ({ name: c.name, state: slimState(c.state) }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(pod.metadata ?? {}),
    status: {
      phase: s.phase,
      ...(s.startTime ? { startTime: s.startTime } : {}),
      ...(s.initContainerStatuses ? { initContainerStatuses: containers(s.initContainerStatuses) } : {}),
      ...(s.containerStatuses ? { containerStatuses: containers(s.containerStatuses) } : {}),
      ...(s.conditions ? { conditions: s.conditions.filter((c) => c.type === 'PodScheduled' && c.status === 'False') } : {}),
    },
  } as V1Pod;
}

/** A Job's FailedCreate Event: whose, why, and when it was last seen. */
export function slimEvent(e: CoreV1Event): CoreV1Event {
  const io = e.involvedObject ?? {};
  return {
    metadata: { name: e.metadata?.name, namespace: e.metadata?.namespace, resourceVersion: e.metadata?.resourceVersion },
    involvedObject: { kind: io.kind, name: io.name, namespace: io.namespace, uid: io.uid },
    reason: e.reason,
    message: e.message,
    ...(e.lastTimestamp ? { lastTimestamp: e.lastTimestamp } : {}),
    ...(e.eventTime ? { eventTime: e.eventTime } : {}),
    ...(e.series?.lastObservedTime ? { series: { lastObservedTime: e.series.lastObservedTime } } : {}),
  } as CoreV1Event;
}
