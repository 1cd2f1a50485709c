import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AgentDefinition, kelosAgentImage } from './agent-definition.js';
import { type McpServers, tomlInlineTable, tomlString, transportOf } from './mcp.js';
import { list, oneLine, type Printed, rec, type StreamEvent, type StreamFormatter, say, status, str, text, tool } from './stream-format.js';
import { flatten, num, obj, SumParser } from './usage.js';

export const CODEX_BLOCK_BEGIN = '# BEGIN kelos: MCP servers from KELOS_MCP_SERVERS';
export const CODEX_BLOCK_END = '# END kelos: MCP servers from KELOS_MCP_SERVERS';

/**
 * Codex (`$CODEX_HOME/config.toml`): one `[mcp_servers."<name>"]` table per
 * server, `command`/`args`/`env` for stdio and `url`/`http_headers` for
 * streamable HTTP. Codex has no SSE transport; such servers get their URL and
 * a warning.
 */
export function codexMcpToml(servers: McpServers, warn: (msg: string) => void = () => {}): string {
  const lines = [CODEX_BLOCK_BEGIN];
  for (const [name, s] of Object.entries(servers)) {
    const t = transportOf(s);
    lines.push(`[mcp_servers.${tomlString(name)}]`);
    if (t === 'stdio') {
      lines.push(`command = ${tomlString(s.command!)}`);
      if (s.args?.length) lines.push(`args = [${s.args.map(tomlString).join(', ')}]`);
      if (s.env && Object.keys(s.env).length) lines.push(`env = ${tomlInlineTable(s.env)}`);
    } else {
      if (t === 'sse') warn(`MCP server "${name}" uses SSE, which Codex does not support; it is configured as streamable HTTP`);
      lines.push(`url = ${tomlString(s.url!)}`);
      if (s.headers && Object.keys(s.headers).length) lines.push(`http_headers = ${tomlInlineTable(s.headers)}`);
    }
    lines.push('');
  }
  lines.push(CODEX_BLOCK_END);
  return lines.join('\n') + '\n';
}

/** Replaces kelos's block in config.toml, keeping the rest of the file. */
function writeCodexMcp(file: string, servers: McpServers, warn: (msg: string) => void): void {
  mkdirSync(dirname(file), { recursive: true });
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = stripBlock(existing).replace(/\s*$/, '');
  writeFileSync(file, (kept ? kept + '\n\n' : '') + codexMcpToml(servers, warn), { mode: 0o600 });
}

function stripBlock(content: string): string {
  const start = content.indexOf(CODEX_BLOCK_BEGIN);
  if (start < 0) return content;
  const end = content.indexOf(CODEX_BLOCK_END, start);
  if (end < 0) return content.slice(0, start);
  return content.slice(0, start) + content.slice(end + CODEX_BLOCK_END.length).replace(/^\n/, '');
}

/** Codex parses auth.json strictly: re-serialize valid JSON, else drop the raw line breaks a Secret may carry. */
function normalizeJson(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value));
  } catch {
    return value.replace(/[\r\n]/g, '');
  }
}

/** `codex exec --json`: thread and turn events, and items (messages, commands, edits) started and completed. */
function codexStreamFormatter(): StreamFormatter {
  const started = new Set<string>();
  const event = (e: StreamEvent): Printed[] | undefined => {
    switch (e.type) {
      case 'thread.started':
        return [status(`[init] thread=${text(e.thread_id ?? '?')}`)];
      case 'turn.started':
        return [];
      case 'turn.completed': {
        const u = rec(e.usage);
        return [status(`[turn] completed (input ${text(u.input_tokens ?? 0)} tokens, output ${text(u.output_tokens ?? 0)} tokens)`)];
      }
      case 'turn.failed':
        return [status(`[turn] failed: ${text(rec(e.error).message ?? 'unknown error')}`)];
      case 'error':
        return [status(`[error] ${text(e.message ?? JSON.stringify(e))}`)];
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return item(e, started);
      default:
        return undefined;
    }
  };
  return { event, flush: () => [] };
}

function item(e: StreamEvent, started: Set<string>): Printed[] {
  const it = rec(e.item);
  const done = e.type === 'item.completed';
  switch (it.type) {
    case 'agent_message':
      return done ? say(text(it.text)) : [];
    case 'reasoning': {
      const thinking = str(it.text);
      return done && thinking ? [status(`[thinking] ${oneLine(thinking)}`)] : [];
    }
    case 'command_execution': {
      const call = tool('shell', { command: it.command });
      if (e.type === 'item.started') {
        started.add(String(it.id));
        return [call];
      }
      if (!done) return [];
      // A command may appear only when completed.
      const out = started.has(String(it.id)) ? [] : [call];
      if (it.exit_code !== null && it.exit_code !== undefined && it.exit_code !== 0) out.push(status(`[tool] shell exited ${text(it.exit_code)}`));
      return out;
    }
    case 'file_change':
      return done ? list(it.changes).map((c) => status(`[edit] ${text(c.kind ?? 'update')} ${String(c.path)}`)) : [];
    case 'mcp_tool_call':
      return e.type === 'item.started' ? [tool(`${text(it.server ?? 'mcp')}.${text(it.tool ?? '?')}`, it.arguments)] : [];
    case 'web_search':
      return e.type === 'item.started' ? [tool('web_search', { query: it.query })] : [];
    case 'todo_list':
      return [];
    case 'error':
      return [status(`[error] ${text(it.message ?? '')}`)];
    default:
      return [];
  }
}

/**
 * OpenAI Codex CLI (`codex`, npm `@openai/codex`). Credentials:
 * `CODEX_API_KEY` (read by `codex exec`) or `CODEX_AUTH_JSON` (written to
 * `$CODEX_HOME/auth.json`). `KELOS_AGENTS_MD` becomes the global
 * `~/.codex/AGENTS.md`, skills go to `~/.agents/skills/<skill>/` and
 * sub-agents become custom agents `~/.codex/agents/<name>.toml`,
 * `KELOS_MCP_SERVERS` becomes `[mcp_servers."<name>"]` tables in
 * `~/.codex/config.toml` (`$CODEX_HOME` when set). Usage: the sum over
 * `turn.completed` events.
 */
export const codex: AgentDefinition<'codex'> = {
  type: 'codex',
  displayName: 'OpenAI Codex CLI',
  constant: 'CODEX',
  cli: { command: 'codex', npmPackage: '@openai/codex' },
  credentials: { 'api-key': 'CODEX_API_KEY', oauth: 'CODEX_AUTH_JSON' },
  defaultImage: kelosAgentImage('codex'),
  effort: true,
  layout({ home, env }) {
    const codexHome = env.CODEX_HOME || join(home, '.codex');
    return {
      instructions: join(codexHome, 'AGENTS.md'),
      // Codex reads user skills from $HOME/.agents/skills and custom agents from $CODEX_HOME/agents/*.toml.
      skillsDir: join(home, '.agents', 'skills'),
      agentsDir: join(codexHome, 'agents'),
      agentFormat: 'codex-toml',
      mcpFile: join(codexHome, 'config.toml'),
    };
  },
  credentialFiles({ home, env }) {
    if (!env.CODEX_AUTH_JSON) return [];
    const path = join(env.CODEX_HOME || join(home, '.codex'), 'auth.json');
    return [{ path, content: normalizeJson(env.CODEX_AUTH_JSON), mode: 0o600 }];
  },
  writeMcpServers: writeCodexMcp,
  // One `turn.completed` per turn, each with that turn's usage; a `turn.failed` last (the model API's error after Codex's retries) fails the run.
  usageParser: () =>
    new SumParser(
      'turn.completed',
      (e) => {
        const u = obj(e.usage);
        return [num(u?.input_tokens), num(u?.output_tokens)];
      },
      { type: 'turn.failed', reason: (e) => `the codex turn failed: "${flatten(text(obj(e.error)?.message ?? ''), 300)}"` },
    ),
  streamFormatter: codexStreamFormatter,
};
