import type { V1ConfigMap, V1ObjectMeta, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import type { AgentConfigSpec } from '../../api/agent-config.js';
import { API_VERSION, Kind, Label, LabelValue } from '../../api/constants.js';
import type { Task } from '../../api/task.js';
import { boundedName } from '../names.js';
import { controllerOwnerReference } from '../owner.js';
import { pluginFiles } from './agent-config.js';
import { AgentPod } from './agent-pod.js';

/** Names of the objects kelos creates for a Task. */
export function taskChildNames(taskName: string) {
  return {
    job: taskName,
    plugins: boundedName(taskName, '-plugins', 253),
    mcp: boundedName(taskName, '-mcp', 253),
    githubToken: boundedName(taskName, '-github-token', 253),
  };
}

/** Label values are limited to 63 characters; long Task names get a stable bounded form. */
export function taskLabelValue(taskName: string): string {
  return taskName.length <= 63 ? taskName : boundedName(taskName, '', 63);
}

export function taskLabels(taskName: string): Record<string, string> {
  return {
    [Label.NAME]: LabelValue.NAME,
    [Label.COMPONENT]: LabelValue.COMPONENT_TASK,
    [Label.MANAGED_BY]: LabelValue.MANAGED_BY,
    [Label.TASK]: taskLabelValue(taskName),
  };
}

export function taskOwnerReference(task: Task): V1OwnerReference {
  return controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK, metadata: task.metadata });
}

/** Metadata of an object kelos creates for a Task: in its namespace, with its labels, owned by it. */
export function taskChildMeta(task: Task, name: string): V1ObjectMeta & { labels: Record<string, string> } {
  return {
    name,
    namespace: task.metadata.namespace,
    labels: taskLabels(task.metadata.name!),
    ownerReferences: [taskOwnerReference(task)],
  };
}

/** The Secret `<task>-mcp` that holds the resolved MCP configuration, owned by the Task. */
export function mcpSecret(task: Task, json: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).mcp),
    type: 'Opaque',
    data: { [AgentPod.MCP_SECRET_KEY]: Buffer.from(json, 'utf8').toString('base64') },
  };
}

/**
 * The Secret `<task>-github-token` with a GitHub App installation token minted
 * by the controller (the Workspace Secret holds App keys), owned by the Task.
 */
export function githubTokenSecret(task: Task, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).githubToken),
    type: 'Opaque',
    data: { GITHUB_TOKEN: Buffer.from(token, 'utf8').toString('base64') },
  };
}

/** The ConfigMap `<task>-plugins` with the AgentConfig plugin files, owned by the Task; undefined when there are none. */
export function pluginConfigMap(task: Task, agentConfig: AgentConfigSpec | undefined): V1ConfigMap | undefined {
  const files = pluginFiles(agentConfig);
  if (files.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).plugins),
    data: Object.fromEntries(files.map((f) => [f.key, f.content])),
  };
}
