import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

export type McpServers = Readonly<Record<string, McpServer>>;

export function transportOf(server: McpServer): McpTransport {
  if (server.type === 'sse') return 'sse';
  if (server.type === 'http' || server.type === 'streamable-http' || (!server.command && server.url)) return 'http';
  return 'stdio';
}

/** Each server in a CLI's own shape, by name. */
export function mapServers(servers: McpServers, fn: (s: McpServer, t: McpTransport) => object): Record<string, object> {
  return Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, fn(s, transportOf(s))]));
}

/** Drops undefined fields and empty maps and lists. */
export function clean(o: Record<string, unknown>): object {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => {
      if (v === undefined) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (isRecord(v)) return Object.keys(v).length > 0;
      return true;
    }),
  );
}

/**
 * Merges servers into the object at `key` of a JSON configuration file,
 * keeping what else the file holds (servers of the same name are replaced).
 */
export function mergeJsonServers(file: string, key: string, entries: Record<string, object>, warn: (msg: string) => void): void {
  mkdirSync(dirname(file), { recursive: true });
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

/** A TOML basic string: JSON's escapes are valid TOML, except that TOML also forbids a raw DEL. */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f');
}

export function tomlInlineTable(map: Record<string, string>): string {
  return `{ ${Object.entries(map)
    .map(([k, v]) => `${tomlString(k)} = ${tomlString(v)}`)
    .join(', ')} }`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
