import { Annotation, API_VERSION, Kind, Label, type Task, type TaskSpawner, type TaskSpec } from '../api/index.js';
import type { TaskTemplate } from '../api/task-spawner.js';
import { controllerOwnerReference } from './owner.js';

/**
 * The spec of a Task made from a TaskSpawner's taskTemplate, by the spawner
 * or the webhook server: the template's fields copied, with the prompt and
 * branch its caller rendered (an empty branch is left out).
 */
export function spawnedTaskSpec(t: TaskTemplate, rendered: { prompt: string; branch?: string; upstreamRepo?: string }): TaskSpec {
  const spec: TaskSpec = { type: t.type, credentials: structuredClone(t.credentials), prompt: rendered.prompt };
  if (t.model !== undefined) spec.model = t.model;
  if (t.effort !== undefined) spec.effort = t.effort;
  if (t.image !== undefined) spec.image = t.image;
  if (t.workspaceRef) spec.workspaceRef = { ...t.workspaceRef };
  if (t.agentConfigRef) spec.agentConfigRef = { ...t.agentConfigRef };
  if (t.agentConfigRefs) spec.agentConfigRefs = t.agentConfigRefs.map((r) => ({ ...r }));
  if (t.dependsOn) spec.dependsOn = [...t.dependsOn];
  if (rendered.branch) spec.branch = rendered.branch;
  if (t.ttlSecondsAfterFinished !== undefined) spec.ttlSecondsAfterFinished = t.ttlSecondsAfterFinished;
  if (t.podOverrides) spec.podOverrides = structuredClone(t.podOverrides);
  if (rendered.upstreamRepo) spec.upstreamRepo = rendered.upstreamRepo;
  return spec;
}

/** Annotations only kelos writes on a spawned Task: a template's value for them is dropped, never trusted by reporting. */
const KELOS_WRITTEN_ANNOTATIONS: ReadonlySet<string> = new Set([
  Annotation.SOURCE_SHA,
  Annotation.REPORT_COMMENT_ID,
  Annotation.REPORT_CHECK_RUN_ID,
  Annotation.REPORTED,
]);

/** A taskTemplate's annotations, each value rendered by the caller, without those only kelos writes. */
export function templateAnnotations(t: TaskTemplate, render: (text: string, what: string) => string): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.metadata?.annotations ?? {})) {
    if (!KELOS_WRITTEN_ANNOTATIONS.has(k)) annotations[k] = render(v, `metadata.annotations[${k}]`);
  }
  return annotations;
}

/** A Task of `spawner` in its namespace: the `kelos.dev/taskspawner` label and a controller owner reference to it. */
export function spawnedTask(spawner: TaskSpawner, name: string, labels: Record<string, string>, annotations: Record<string, string>, spec: TaskSpec): Task {
  return {
    apiVersion: API_VERSION,
    kind: Kind.TASK,
    metadata: {
      name,
      namespace: spawner.metadata.namespace!,
      labels: { ...labels, [Label.TASK_SPAWNER]: spawner.metadata.name! },
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: spawner.metadata })],
    },
    spec,
  };
}
