import { join } from 'node:path';
import { type AgentDefinition, kelosAgentImage } from './agent-definition.js';
import { clean, type McpServers, mapServers, mergeJsonServers } from './mcp.js';
import { oneLine, type Printed, rec, type StreamEvent, type StreamFormatter, say, status, text, tool } from './stream-format.js';
import { flatten, LastResultParser, obj, pick, tokens, type UsageEvent } from './usage.js';

/** Gemini CLI (`~/.gemini/settings.json` `mcpServers`): `httpUrl` for streamable HTTP, `url` for SSE. */
export function geminiMcpServers(servers: McpServers): Record<string, object> {
  return mapServers(servers, (s, t) => {
    if (t === 'stdio') return clean({ command: s.command, args: s.args, env: s.env });
    return t === 'sse' ? clean({ url: s.url, headers: s.headers }) : clean({ httpUrl: s.url, headers: s.headers });
  });
}

/**
 * `--output-format stream-json` ends with
 * `{"type":"result","status":…,"stats":{"total_tokens","input_tokens","output_tokens","cached","input",…}}`
 * (totals over all models). Older releases used camelCase names; both are read.
 */
function usage(e: UsageEvent): Array<[string, string]> {
  const s = obj(e.stats);
  return tokens(pick(s, 'input_tokens', 'inputTokens'), pick(s, 'output_tokens', 'outputTokens'));
}

/** A final result with status `error` (the model API's error after the CLI's attempts, in its words) fails the run. */
function failure(last: UsageEvent | undefined): string | undefined {
  if (last?.status !== 'error') return undefined;
  const message = obj(last.error)?.message;
  return `the gemini run ended in an error${typeof message === 'string' && message !== '' ? `: "${flatten(message, 300)}"` : ''}`;
}

/** Assistant text arrives in `delta` pieces: they are joined and printed when something else comes. */
function geminiStreamFormatter(): StreamFormatter {
  let pending = '';
  const flush = (): Printed[] => {
    const held = pending;
    pending = '';
    return say(held);
  };
  const event = (e: StreamEvent): Printed[] | undefined => {
    if (e.type === 'message' && e.role === 'assistant') {
      if (e.delta === true) {
        pending += text(e.content);
        return [];
      }
      return [...flush(), ...say(text(e.content))];
    }
    switch (e.type) {
      case 'init':
        return [...flush(), status(`[init] model=${text(e.model ?? '?')}`)];
      case 'message':
        return flush(); // the user's prompt
      case 'tool_use':
        return [...flush(), tool(text(e.tool_name ?? 'tool'), e.parameters)];
      case 'tool_result':
        return [
          ...flush(),
          ...(e.status && e.status !== 'success' ? [status(`[tool] ${text(e.status)}${e.output ? `: ${oneLine(text(e.output))}` : ''}`)] : []),
        ];
      case 'error':
        return [...flush(), status(`[error] ${text(e.message ?? '')}`)];
      case 'result': {
        const s = rec(e.stats);
        return [...flush(), status(`[result] ${text(e.status ?? 'done')}${typeof s.total_tokens === 'number' ? ` (${s.total_tokens} tokens)` : ''}`)];
      }
      default:
        return undefined;
    }
  };
  return { event, flush };
}

/**
 * Google Gemini CLI (`gemini`, npm `@google/gemini-cli`). Credentials:
 * `GEMINI_API_KEY`, read by `gemini` itself. `KELOS_AGENTS_MD` becomes the
 * global context file `~/.gemini/GEMINI.md`, skills go to
 * `~/.gemini/skills/<skill>/`, sub-agents to `~/.gemini/agents/<name>.md`,
 * `KELOS_MCP_SERVERS` to `mcpServers` in `~/.gemini/settings.json`. No
 * documented reasoning-effort option.
 */
export const gemini: AgentDefinition<'gemini'> = {
  type: 'gemini',
  displayName: 'Google Gemini CLI',
  constant: 'GEMINI',
  cli: { command: 'gemini', npmPackage: '@google/gemini-cli' },
  credentials: { 'api-key': 'GEMINI_API_KEY', oauth: 'GEMINI_API_KEY' },
  defaultImage: kelosAgentImage('gemini'),
  effort: false,
  layout({ home }) {
    const dir = join(home, '.gemini');
    return {
      instructions: join(dir, 'GEMINI.md'),
      skillsDir: join(dir, 'skills'),
      agentsDir: join(dir, 'agents'),
      agentFormat: 'markdown',
      mcpFile: join(dir, 'settings.json'),
    };
  },
  writeMcpServers(file, servers, warn) {
    mergeJsonServers(file, 'mcpServers', geminiMcpServers(servers), warn);
  },
  usageParser: () => new LastResultParser('result', usage, failure),
  streamFormatter: geminiStreamFormatter,
};
