import { AgentConfigDefinition } from './agent-config.js';
import type { KindDefinition } from './kind.js';
import { TaskDefinition } from './task.js';
import { TaskSpawnerDefinition } from './task-spawner.js';
import { WorkspaceDefinition } from './workspace.js';

/** Every kind of kelos.dev/v1alpha1, in the order CRDs are rendered. */
export const KINDS: readonly KindDefinition[] = [AgentConfigDefinition, TaskDefinition, TaskSpawnerDefinition, WorkspaceDefinition];

export function kindDefinition(kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.kind === kind);
}
