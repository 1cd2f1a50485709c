import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentTypeName } from '../api/constants.js';

/** One entry of `KELOS_MCP_SERVERS` (`{"mcpServers":{name: server}}`, the `.mcp.json` shape). */
export interface McpServer {
  /** `stdio`, `http` or `sse`; inferred from `command` / `url` when absent. */
  readonly type?: string;
  readonly command?: string;
  readonly args?: string[];
  readonly env?: Record<string, string>;
  readonly url?: string;
  readonly headers?: Record<string, string>;
}

export type McpTransport = 'stdio' | 'http' | 'sse';

/**
 * Parses `KELOS_MCP_SERVERS`. Throws an Error naming the server and field
 * when the value is not the expected shape.
 */
export function parseMcpServers(json: string): Record<string, McpServer> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`KELOS_MCP_SERVERS is not valid JSON: ${(err as Error).message}`);
  }
  const servers = isRecord(doc) ? doc.mcpServers : undefined;
  if (servers === undefined && isRecord(doc)) return {};
  if (!isRecord(servers)) throw new Error('KELOS_MCP_SERVERS must be an object {"mcpServers": {<name>: {...}}}');
  const out: Record<string, McpServer> = {};
  for (const [name, raw] of Object.entries(servers)) {
    if (!isRecord(raw)) throw new Error(`KELOS_MCP_SERVERS: server "${name}" must be an object`);
    const server: {
      type?: string;
      command?: string;
      args?: string[];
      env?: Record<string, string>;
      url?: string;
      headers?: Record<string, string>;
    } = {};
    for (const key of ['type', 'command', 'url'] as const) {
      const v = raw[key];
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'string') throw new Error(`KELOS_MCP_SERVERS: server "${name}" field "${key}" must be a string`);
      server[key] = v;
    }
    if (raw.args !== undefined && raw.args !== null) {
      if (!Array.isArray(raw.args)) throw new Error(`KELOS_MCP_SERVERS: server "${name}" field "args" must be an array`);
      server.args = raw.args.map(String);
    }
    for (const key of ['env', 'headers'] as const) {
      const v = raw[key];
      if (v === undefined || v === null) continue;
      if (!isRecord(v)) throw new Error(`KELOS_MCP_SERVERS: server "${name}" field "${key}" must be an object`);
      server[key] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
    }
    if (!server.command && !server.url) {
      throw new Error(`KELOS_MCP_SERVERS: server "${name}" needs "command" (stdio) or "url" (http, sse)`);
    }
    out[name] = server;
  }
  return out;
}

export function transportOf(server: McpServer): McpTransport {
  if (server.type === 'sse') return 'sse';
  if (server.type === 'http' || server.type === 'streamable-http' || (!server.command && server.url)) return 'http';
  return 'stdio';
}

/** Claude Code (`~/.claude.json` `mcpServers`) and the `.mcp.json` shape. */
export function claudeMcpServers(servers: Record<string, McpServer>): Record<string, object> {
  return mapServers(servers, (s, t) =>
    t === 'stdio'
      ? clean({ type: 'stdio', command: s.command, args: s.args, env: s.env })
      : clean({ type: t, url: s.url, headers: s.headers }),
  );
}

/** Gemini CLI (`~/.gemini/settings.json` `mcpServers`): `httpUrl` for streamable HTTP, `url` for SSE. */
export function geminiMcpServers(servers: Record<string, McpServer>): Record<string, object> {
  return mapServers(servers, (s, t) => {
    if (t === 'stdio') return clean({ command: s.command, args: s.args, env: s.env });
    return t === 'sse' ? clean({ url: s.url, headers: s.headers }) : clean({ httpUrl: s.url, headers: s.headers });
  });
}

/** OpenCode (`opencode.json` `mcp`): `local` servers take the command and its args as one array. */
export function opencodeMcpServers(servers: Record<string, McpServer>): Record<string, object> {
  return mapServers(servers, (s, t) =>
    t === 'stdio'
      ? clean({ type: 'local', command: [s.command!, ...(s.args ?? [])], environment: s.env, enabled: true })
      : clean({ type: 'remote', url: s.url, headers: s.headers, enabled: true }),
  );
}

/** Cursor (`~/.cursor/mcp.json` `mcpServers`): the transport follows from `command` or `url`. */
export function cursorMcpServers(servers: Record<string, McpServer>): Record<string, object> {
  return mapServers(servers, (s, t) =>
    t === 'stdio' ? clean({ command: s.command, args: s.args, env: s.env }) : clean({ url: s.url, headers: s.headers }),
  );
}

export const CODEX_BLOCK_BEGIN = '# BEGIN kelos: MCP servers from KELOS_MCP_SERVERS';
export const CODEX_BLOCK_END = '# END kelos: MCP servers from KELOS_MCP_SERVERS';

/**
 * Codex (`$CODEX_HOME/config.toml`): one `[mcp_servers."<name>"]` table per
 * server, `command`/`args`/`env` for stdio and `url`/`http_headers` for
 * streamable HTTP. Codex has no SSE transport; such servers get their URL and
 * a warning.
 */
export function codexMcpToml(servers: Record<string, McpServer>, warn: (msg: string) => void = () => {}): string {
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

/**
 * Writes the servers into the agent's MCP configuration file, keeping what
 * else the file holds (servers of the same name are replaced).
 */
export function writeMcpConfig(
  type: AgentTypeName,
  file: string,
  servers: Record<string, McpServer>,
  warn: (msg: string) => void,
): void {
  mkdirSync(dirname(file), { recursive: true });
  if (type === 'codex') {
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = stripBlock(existing).replace(/\s*$/, '');
    writeFileSync(file, (kept ? kept + '\n\n' : '') + codexMcpToml(servers, warn), { mode: 0o600 });
    return;
  }
  const [key, entries] =
    type === 'claude-code'
      ? ['mcpServers', claudeMcpServers(servers)]
      : type === 'gemini'
        ? ['mcpServers', geminiMcpServers(servers)]
        : type === 'opencode'
          ? ['mcp', opencodeMcpServers(servers)]
          : ['mcpServers', cursorMcpServers(servers)];
  const doc = readJsonObject(file, warn);
  const current = isRecord(doc[key]) ? doc[key] : {};
  doc[key] = { ...current, ...entries };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
}

/** Reads a JSON object file; a missing file is `{}`, an unreadable one is set aside as `<file>.bak`. */
export function readJsonObject(file: string, warn: (msg: string) => void): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isRecord(doc)) return doc;
  } catch {
    // Handled below.
  }
  warn(`${file} is not a JSON object; it was moved to ${file}.bak and written anew`);
  renameSync(file, `${file}.bak`);
  return {};
}

function stripBlock(text: string): string {
  const start = text.indexOf(CODEX_BLOCK_BEGIN);
  if (start < 0) return text;
  const end = text.indexOf(CODEX_BLOCK_END, start);
  if (end < 0) return text.slice(0, start);
  return text.slice(0, start) + text.slice(end + CODEX_BLOCK_END.length).replace(/^\n/, '');
}

/** A TOML basic string: JSON's escapes are valid TOML, except that TOML also forbids a raw DEL. */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f');
}

function tomlInlineTable(map: Record<string, string>): string {
  return `{ ${Object.entries(map)
    .map(([k, v]) => `${tomlString(k)} = ${tomlString(v)}`)
    .join(', ')} }`;
}

function mapServers(
  servers: Record<string, McpServer>,
  fn: (s: McpServer, t: McpTransport) => object,
): Record<string, object> {
  return Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, fn(s, transportOf(s))]));
}

/** Drops undefined fields and empty maps and lists. */
function clean(o: Record<string, unknown>): object {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => {
      if (v === undefined) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (isRecord(v)) return Object.keys(v).length > 0;
      return true;
    }),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
