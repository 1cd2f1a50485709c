import { join } from 'node:path';
import { type AgentDefinition, kelosAgentImage } from './agent-definition.js';
import { claudeStreamFormatter } from './claude-code.js';
import { clean, type McpServers, mapServers, mergeJsonServers } from './mcp.js';
import { rec, type StreamFormatter, tool } from './stream-format.js';
import { LastResultParser, obj, pick, tokens, type UsageEvent } from './usage.js';

/** The name of the always-applied project rule that carries `KELOS_AGENTS_MD`. */
export const CURSOR_RULE_FILE = 'kelos-agents-md.mdc';

/** Cursor (`~/.cursor/mcp.json` `mcpServers`): the transport follows from `command` or `url`. */
export function cursorMcpServers(servers: McpServers): Record<string, object> {
  return mapServers(servers, (s, t) => (t === 'stdio' ? clean({ command: s.command, args: s.args, env: s.env }) : clean({ url: s.url, headers: s.headers })));
}

/**
 * The stream-json terminal event:
 * `{"type":"result","subtype":"success",…,"usage":{"inputTokens","outputTokens","cacheReadTokens","cacheWriteTokens"}}`.
 * snake_case names are read as well, in case the CLI aligns with Claude Code's.
 */
function usage(e: UsageEvent): Array<[string, string]> {
  const u = obj(e.usage);
  return tokens(pick(u, 'inputTokens', 'input_tokens'), pick(u, 'outputTokens', 'output_tokens'));
}

/** Claude Code's stream-json shape, plus `tool_call` events: `{"tool_call": {"shellToolCall": {"args": {...}}}}`. */
function cursorStreamFormatter(): StreamFormatter {
  const claude = claudeStreamFormatter();
  return {
    event(e) {
      if (e.type !== 'tool_call') return claude.event(e);
      if (e.subtype !== 'started') return [];
      const [kind, call] = Object.entries(rec(e.tool_call))[0] ?? [];
      if (!kind) return [];
      return [tool(kind.replace(/ToolCall$/, ''), rec(call).args)];
    },
    flush: () => claude.flush(),
  };
}

/**
 * Cursor CLI (`agent`, a per-version download package, not on npm).
 * Credentials: `CURSOR_API_KEY`, read by `agent` itself. Cursor keeps user
 * rules in its settings, not in a file, so `KELOS_AGENTS_MD` becomes an
 * always-applied project rule `.cursor/rules/kelos-agents-md.mdc` listed in
 * `.git/info/exclude`; skills go to `~/.cursor/skills/<skill>/`, sub-agents
 * to `~/.cursor/agents/<name>.md`, `KELOS_MCP_SERVERS` to `mcpServers` in
 * `~/.cursor/mcp.json`. No documented reasoning-effort option.
 */
export const cursor: AgentDefinition<'cursor'> = {
  type: 'cursor',
  displayName: 'Cursor CLI',
  constant: 'CURSOR',
  cli: { command: 'agent' },
  credentials: { 'api-key': 'CURSOR_API_KEY', oauth: 'CURSOR_API_KEY' },
  defaultImage: kelosAgentImage('cursor'),
  effort: false,
  layout({ home, cwd }) {
    const dir = join(home, '.cursor');
    return {
      instructions: join(cwd, '.cursor', 'rules', CURSOR_RULE_FILE),
      instructionsExclude: `/.cursor/rules/${CURSOR_RULE_FILE}`,
      skillsDir: join(dir, 'skills'),
      agentsDir: join(dir, 'agents'),
      agentFormat: 'markdown',
      mcpFile: join(dir, 'mcp.json'),
    };
  },
  instructions: (markdown) => `---\ndescription: User-level instructions from the Kelos AgentConfig\nalwaysApply: true\n---\n\n${markdown}`,
  writeMcpServers(file, servers, warn) {
    mergeJsonServers(file, 'mcpServers', cursorMcpServers(servers), warn);
  },
  usageParser: () => new LastResultParser('result', usage),
  streamFormatter: cursorStreamFormatter,
};
