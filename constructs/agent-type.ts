import { claudeCode, codex, cursor, gemini, opencode } from '../lib/agents/index.js';
import { AGENT_TYPES, type AgentTypeName, isAgentType } from '../lib/agents/registry.js';

/**
 * The agent CLI a Task runs: one of the types of the agent registry
 * (lib/agents), which the API accepts. A custom image implementing the agent
 * image interface declares which one it speaks. Each built-in type has a
 * constant (its definition's `constant`); `AgentType.of(name)` takes any.
 */
export class AgentType {
  public static readonly CLAUDE_CODE = new AgentType(claudeCode.type);
  public static readonly CODEX = new AgentType(codex.type);
  public static readonly GEMINI = new AgentType(gemini.type);
  public static readonly OPENCODE = new AgentType(opencode.type);
  public static readonly CURSOR = new AgentType(cursor.type);

  /** An agent type by its API name; throws for a name the API does not accept. */
  public static of(name: string): AgentType {
    if (!isAgentType(name)) {
      throw new Error(`'type' must be one of ${AGENT_TYPES.map((t) => `"${t}"`).join(', ')}, got "${name}"`);
    }
    return new AgentType(name);
  }

  private constructor(public readonly name: AgentTypeName) {}

  public toString(): string {
    return this.name;
  }
}

/**
 * A model name passed to the agent (`KELOS_MODEL`). The constants are common
 * aliases; any model the agent CLI accepts can be given with `Model.of()`.
 */
export class Model {
  public static readonly OPUS = new Model('opus');
  public static readonly SONNET = new Model('sonnet');
  public static readonly HAIKU = new Model('haiku');

  public static of(name: string): Model {
    if (name.trim() === '') throw new Error(`'model' must not be empty`);
    return new Model(name);
  }

  private constructor(public readonly name: string) {}

  public toString(): string {
    return this.name;
  }
}
