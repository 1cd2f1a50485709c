import { join } from 'node:path';
import { OutputKey } from '../api/outputs.js';
import { type AgentDefinition, kelosAgentImage } from './agent-definition.js';
import { clean, type McpServers, mapServers, mergeJsonServers } from './mcp.js';
import { list, money, oneLine, type Printed, rec, type StreamEvent, type StreamFormatter, say, status, str, text, tool } from './stream-format.js';
import { flatten, LastResultParser, num, obj, tokens, type UsageEvent } from './usage.js';

/** Claude Code (`~/.claude.json` `mcpServers`) and the `.mcp.json` shape. */
export function claudeMcpServers(servers: McpServers): Record<string, object> {
  return mapServers(servers, (s, t) =>
    t === 'stdio' ? clean({ type: 'stdio', command: s.command, args: s.args, env: s.env }) : clean({ type: t, url: s.url, headers: s.headers }),
  );
}

/**
 * The final `{"type":"result"}` event: `total_cost_usd` and
 * `usage.input_tokens` / `usage.output_tokens` (input excludes cache reads and
 * writes, as Claude Code reports it).
 */
function usage(e: UsageEvent): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const cost = num(e.total_cost_usd);
  if (cost !== undefined) out.push([OutputKey.COST_USD, String(cost)]);
  const u = obj(e.usage);
  out.push(...tokens(num(u?.input_tokens), num(u?.output_tokens)));
  return out;
}

/**
 * A Claude Code run completed normally only if its last result says so. A
 * model API error (`api_error_status`, and the CLI's own words in `result`)
 * is named; a refused credential and an overloaded API say so.
 */
function failure(last: UsageEvent | undefined): string | undefined {
  if (!last) return 'the claude-code stream ended without a final result event';
  const subtype = typeof last.subtype === 'string' ? last.subtype : '(none)';
  if (subtype === 'success' && last.is_error !== true) return undefined;
  const message = `the claude-code run did not complete normally (subtype ${subtype}, is_error ${String(last.is_error ?? false)})`;
  const status = num(last.api_error_status);
  if (status === undefined) return message;
  const type = typeof last.api_error_type === 'string' ? ` ${flatten(last.api_error_type, 40)}` : '';
  const said = typeof last.result === 'string' && last.result !== '' ? `: "${flatten(last.result, 200)}"` : '';
  const overloaded = status === 529 || last.api_error_type === 'overloaded_error';
  const cause =
    status === 401 || status === 403
      ? `the model API refused the credentials (HTTP ${status}${type})${said}; check the API key or OAuth token of the Task's credentials`
      : overloaded
        ? `the model API was overloaded (HTTP ${status}${type})${said}; the CLI gave up after its retries, run the Task again later`
        : `the model API answered HTTP ${status}${type}${said}`;
  return `${message}: ${cause}`;
}

/** `--output-format stream-json`: system init, assistant and user messages, a final result. */
export function claudeStreamFormatter(): StreamFormatter {
  let turns = 0;
  const event = (e: StreamEvent): Printed[] | undefined => {
    switch (e.type) {
      case 'system':
        return e.subtype === 'init' ? [status(`[init] model=${text(e.model ?? '?')}${e.cwd ? ` cwd=${text(e.cwd)}` : ''}`)] : [];
      case 'assistant': {
        turns++;
        const out: Printed[] = [];
        for (const block of list(rec(e.message).content)) {
          if (block.type === 'text') out.push(...say(text(block.text)));
          else if (block.type === 'tool_use') out.push(tool(text(block.name ?? 'tool'), block.input));
          else if (block.type === 'thinking') {
            const thinking = str(block.thinking);
            if (thinking) out.push(status(`[thinking] ${oneLine(thinking)}`));
          }
        }
        return out;
      }
      case 'user':
        return []; // the prompt and tool results: the agent's next message tells what they meant
      case 'result': {
        const ok = e.is_error !== true && (e.subtype === undefined || e.subtype === 'success');
        const n = typeof e.num_turns === 'number' ? e.num_turns : turns;
        const outcome = ok ? 'completed' : `error${e.subtype && e.subtype !== 'success' ? ` (${text(e.subtype)})` : ''}`;
        const out = [status(`[result] ${outcome} (${n} turns${money(e.total_cost_usd)})`)];
        const result = str(e.result);
        if (!ok && result) out.push(...say(result));
        return out;
      }
      default:
        return undefined;
    }
  };
  return { event, flush: () => [] };
}

/**
 * Claude Code (`claude`, npm `@anthropic-ai/claude-code`). Credentials:
 * `ANTHROPIC_API_KEY` or `CLAUDE_CODE_OAUTH_TOKEN`, read by `claude` itself.
 * `KELOS_AGENTS_MD` becomes the user memory `~/.claude/CLAUDE.md`,
 * `KELOS_MCP_SERVERS` the user-scope `mcpServers` of `~/.claude.json` (both
 * under `$CLAUDE_CONFIG_DIR` when set); plugins stay where they are and the
 * entrypoint passes each with `--plugin-dir` (Claude Code's own plugin layout).
 */
export const claudeCode: AgentDefinition<'claude-code'> = {
  type: 'claude-code',
  displayName: 'Claude Code',
  constant: 'CLAUDE_CODE',
  cli: { command: 'claude', npmPackage: '@anthropic-ai/claude-code' },
  credentials: { 'api-key': 'ANTHROPIC_API_KEY', oauth: 'CLAUDE_CODE_OAUTH_TOKEN' },
  defaultImage: kelosAgentImage('claude-code'),
  effort: true,
  layout({ home, env }) {
    // CLAUDE_CONFIG_DIR moves both ~/.claude and ~/.claude.json.
    const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude');
    return {
      instructions: join(configDir, 'CLAUDE.md'),
      agentFormat: 'markdown',
      mcpFile: env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, '.claude.json') : join(home, '.claude.json'),
    };
  },
  writeMcpServers(file, servers, warn) {
    mergeJsonServers(file, 'mcpServers', claudeMcpServers(servers), warn);
  },
  usageParser: () => new LastResultParser('result', usage, failure),
  streamFormatter: claudeStreamFormatter,
};
