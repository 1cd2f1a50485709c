import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeMcpServers } from '../../lib/agents/claude-code.js';
import { codexMcpToml } from '../../lib/agents/codex.js';
import { cursorMcpServers } from '../../lib/agents/cursor.js';
import { geminiMcpServers } from '../../lib/agents/gemini.js';
import type { McpServers } from '../../lib/agents/mcp.js';
import { opencodeMcpServers } from '../../lib/agents/opencode.js';
import { type AgentTypeName, agentDefinition } from '../../lib/agents/registry.js';
import { parseMcpServers } from '../../lib/capture/mcp-config.js';

/** Each agent definition writes its MCP servers where its CLI reads them. */
const writeMcpConfig = (type: AgentTypeName, file: string, servers: McpServers, warn: (w: string) => void) =>
  agentDefinition(type).writeMcpServers(file, servers, warn);

const SERVERS = parseMcpServers(
  JSON.stringify({
    mcpServers: {
      github: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: 't0k' } },
      docs: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      events: { type: 'sse', url: 'https://sse.example.com/sse' },
    },
  }),
);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kelos-mcp-'));
  dirs.push(d);
  return d;
}

describe('parseMcpServers', () => {
  it('infers the transport and drops empty fields', () => {
    expect(parseMcpServers('{"mcpServers":{"a":{"command":"x","args":[]},"b":{"url":"https://b"}}}')).toEqual({
      a: { command: 'x', args: [] },
      b: { url: 'https://b' },
    });
    expect(claudeMcpServers(parseMcpServers('{"mcpServers":{"a":{"command":"x","args":[]},"b":{"url":"https://b"}}}'))).toEqual({
      a: { type: 'stdio', command: 'x' },
      b: { type: 'http', url: 'https://b' },
    });
  });

  it('fails on JSON that is not the mcpServers shape, naming the server and field', () => {
    expect(() => parseMcpServers('{')).toThrow(/KELOS_MCP_SERVERS is not valid JSON/);
    expect(() => parseMcpServers('{"mcpServers":[]}')).toThrow(/must be an object \{"mcpServers"/);
    expect(() => parseMcpServers('{"mcpServers":{"x":{"args":["a"]}}}')).toThrow(/server "x" needs "command" \(stdio\) or "url"/);
    expect(() => parseMcpServers('{"mcpServers":{"x":{"command":"a","args":"b"}}}')).toThrow(/server "x" field "args" must be an array/);
    expect(() => parseMcpServers('{"mcpServers":{"x":{"command":1}}}')).toThrow(/server "x" field "command" must be a string/);
  });

  it('reads an empty document as no servers', () => {
    expect(parseMcpServers('{}')).toEqual({});
  });
});

describe('per-agent MCP formats', () => {
  it('Claude Code keeps the .mcp.json shape', () => {
    expect(claudeMcpServers(SERVERS)).toEqual({
      github: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: 't0k' } },
      docs: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      events: { type: 'sse', url: 'https://sse.example.com/sse' },
    });
  });

  it('Gemini CLI uses httpUrl for streamable HTTP and url for SSE', () => {
    expect(geminiMcpServers(SERVERS)).toEqual({
      github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: 't0k' } },
      docs: { httpUrl: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      events: { url: 'https://sse.example.com/sse' },
    });
  });

  it('OpenCode uses local and remote servers with the command as one array', () => {
    expect(opencodeMcpServers(SERVERS)).toEqual({
      github: {
        type: 'local',
        command: ['npx', '-y', '@modelcontextprotocol/server-github'],
        environment: { GITHUB_TOKEN: 't0k' },
        enabled: true,
      },
      docs: { type: 'remote', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' }, enabled: true },
      events: { type: 'remote', url: 'https://sse.example.com/sse', enabled: true },
    });
  });

  it('Cursor infers the transport from command or url', () => {
    expect(cursorMcpServers(SERVERS)).toEqual({
      github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: 't0k' } },
      docs: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      events: { url: 'https://sse.example.com/sse' },
    });
  });

  it('Codex gets mcp_servers tables, with a warning for SSE', () => {
    const warnings: string[] = [];
    expect(codexMcpToml(SERVERS, (w) => warnings.push(w))).toBe(
      [
        '# BEGIN kelos: MCP servers from KELOS_MCP_SERVERS',
        '[mcp_servers."github"]',
        'command = "npx"',
        'args = ["-y", "@modelcontextprotocol/server-github"]',
        'env = { "GITHUB_TOKEN" = "t0k" }',
        '',
        '[mcp_servers."docs"]',
        'url = "https://mcp.example.com/mcp"',
        'http_headers = { "Authorization" = "Bearer abc" }',
        '',
        '[mcp_servers."events"]',
        'url = "https://sse.example.com/sse"',
        '',
        '# END kelos: MCP servers from KELOS_MCP_SERVERS',
        '',
      ].join('\n'),
    );
    expect(warnings).toEqual([expect.stringMatching(/"events" uses SSE, which Codex does not support/)]);
  });

  it('escapes TOML strings', () => {
    const toml = codexMcpToml(parseMcpServers('{"mcpServers":{"we\\"ird":{"command":"a\\\\b","args":["line\\nbreak","\\u007f"]}}}'));
    expect(toml).toContain('[mcp_servers."we\\"ird"]');
    expect(toml).toContain('command = "a\\\\b"');
    expect(toml).toContain('args = ["line\\nbreak", "\\u007f"]');
  });
});

describe('writeMcpServers', () => {
  it('merges into an existing JSON file, keeping its other settings and servers', () => {
    const dir = tmp();
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ theme: 'dark', mcpServers: { mine: { command: 'me' }, github: { command: 'old' } } }));
    writeMcpConfig('gemini', file, SERVERS, () => {});
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.theme).toBe('dark');
    expect(Object.keys(doc.mcpServers)).toEqual(['mine', 'github', 'docs', 'events']);
    expect(doc.mcpServers.github.command).toBe('npx');
  });

  it('sets an unreadable JSON file aside and writes a new one', () => {
    const dir = tmp();
    const file = join(dir, 'mcp.json');
    writeFileSync(file, '{ not json');
    const warnings: string[] = [];
    writeMcpConfig('cursor', file, SERVERS, (w) => warnings.push(w));
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe('{ not json');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).mcpServers)).toEqual(['github', 'docs', 'events']);
    expect(warnings[0]).toMatch(/is not a JSON object; it was moved/);
  });

  it('writes opencode servers under "mcp"', () => {
    const dir = tmp();
    const file = join(dir, 'opencode', 'opencode.json');
    writeMcpConfig('opencode', file, SERVERS, () => {});
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).mcp)).toEqual(['github', 'docs', 'events']);
  });

  it('replaces its own block in config.toml and keeps the rest', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'codex'));
    const file = join(dir, 'codex', 'config.toml');
    writeFileSync(file, 'model = "gpt-5-codex"\n');
    writeMcpConfig('codex', file, SERVERS, () => {});
    writeMcpConfig('codex', file, parseMcpServers('{"mcpServers":{"only":{"command":"x"}}}'), () => {});
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('model = "gpt-5-codex"\n\n# BEGIN kelos')).toBe(true);
    expect(text).toContain('[mcp_servers."only"]');
    expect(text).not.toContain('github');
    expect(text.match(/# BEGIN kelos/g)).toHaveLength(1);
    expect(existsSync(`${file}.bak`)).toBe(false);
  });
});
