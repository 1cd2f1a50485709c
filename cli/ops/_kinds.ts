// The resource words `get`, `delete`, `suspend` and `resume` accept.
import { API_VERSION } from '../../lib/api/constants.js';
import type { KindDefinition } from '../../lib/api/kind.js';
import { kindDefinition } from '../../lib/api/kinds.js';
import { resourceOf, resourcePath } from '../../lib/kube/resource-path.js';
import { UserError } from '../errors.js';

const ALIASES: Record<string, string> = {
  task: 'Task',
  tasks: 'Task',
  taskspawner: 'TaskSpawner',
  taskspawners: 'TaskSpawner',
  spawner: 'TaskSpawner',
  spawners: 'TaskSpawner',
  ts: 'TaskSpawner',
  workspace: 'Workspace',
  workspaces: 'Workspace',
  ws: 'Workspace',
  agentconfig: 'AgentConfig',
  agentconfigs: 'AgentConfig',
  ac: 'AgentConfig',
};

export const RESOURCE_WORDS = ['task', 'taskspawner', 'workspace', 'agentconfig'] as const;

export function kindOf(word: string): KindDefinition {
  const kind = ALIASES[word.toLowerCase()];
  if (!kind) throw new UserError(`unknown resource type "${word}": use ${RESOURCE_WORDS.join(', ')}`, 2);
  return kindDefinition(kind)!;
}

/** The collection path of a kind, in a namespace or (undefined) all of them. */
export function collectionPath(def: KindDefinition, namespace: string | undefined): string {
  return resourcePath(resourceOf(API_VERSION, def.kind), { namespace });
}

export function objectPathOf(def: KindDefinition, namespace: string, name: string): string {
  return resourcePath(resourceOf(API_VERSION, def.kind), { namespace, name });
}

export function notFound(def: KindDefinition, name: string, namespace: string): UserError {
  return new UserError(`${def.singular} "${name}" not found in namespace "${namespace}": list them with \`kelos get ${def.singular} -n ${namespace}\``);
}
