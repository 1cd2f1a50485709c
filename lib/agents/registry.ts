import type { AgentDefinition } from './agent-definition.js';
import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import { cursor } from './cursor.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';

/**
 * The agent types kelos ships, in the order of the API's enum (the CRDs list
 * them in this order, so it is part of dist/).
 *
 * Adding an agent type touches three places: its module here
 * (`lib/agents/<type>.ts`, one `AgentDefinition`, plus its entry in this
 * list), its image declaration (`images/agents/<type>.sh`: the CLI, its
 * pinned version, its flags and where the prompt goes) and its tests. The
 * CRD enum, the constructs, the renderer, `kelos capture`, `kelos
 * agent-config`, `kelos logs`, the importer and the image build all read it
 * from here. `test/agents/custom-agent.ts` is such a type, kept to the tests.
 */
const BUILT_IN = [claudeCode, codex, gemini, opencode, cursor] as const;

/** The agent types the API accepts (`Task.spec.type`). */
export type AgentTypeName = (typeof BUILT_IN)[number]['type'];

/** The agent types the API accepts, in enum order. */
export const AGENT_TYPES: readonly AgentTypeName[] = BUILT_IN.map((a) => a.type);

/** The type `kelos run` and `kelos init` use when nothing names one. */
export const DEFAULT_AGENT_TYPE: AgentTypeName = claudeCode.type;

/** The built-in definitions, in enum order. */
export const BUILT_IN_AGENTS: readonly AgentDefinition<AgentTypeName>[] = BUILT_IN;

const byType = new Map<string, AgentDefinition>(BUILT_IN.map((a) => [a.type, a]));

/** True when the API accepts `name` as an agent type. */
export function isAgentType(name: string): name is AgentTypeName {
  return (AGENT_TYPES as readonly string[]).includes(name);
}

/** The definition of an agent type, built in or registered; undefined for an unknown name. */
export function agentDefinition<T extends AgentTypeName>(type: T): AgentDefinition<T>;
export function agentDefinition(type: string): AgentDefinition | undefined;
export function agentDefinition(type: string): AgentDefinition | undefined {
  return byType.get(type);
}

/** Names for a message: "claude-code, codex, gemini, opencode or cursor". */
export function agentTypesText(types: readonly string[] = AGENT_TYPES): string {
  return types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types.at(-1)}` : types.join('');
}

/** Every known agent type: the built-in ones, then registered ones. */
export function knownAgentTypes(): string[] {
  return [...byType.keys()];
}

/**
 * Makes an agent type defined outside this folder known to this process
 * (`kelos capture`, `kelos agent-config`, `kelos logs`, the renderer). The
 * API still accepts only `AGENT_TYPES`: a type becomes part of the API by
 * joining the list above.
 */
export function registerAgent(definition: AgentDefinition): void {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.type)) {
    throw new Error(`agent type "${definition.type}" must be lowercase letters, digits and '-', starting with a letter`);
  }
  if (byType.has(definition.type)) throw new Error(`agent type "${definition.type}" is already defined`);
  byType.set(definition.type, definition);
}
