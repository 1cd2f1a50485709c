import { isRecord, type McpServer } from '../agents/mcp.js';

export type { McpServer, McpTransport } from '../agents/mcp.js';

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
