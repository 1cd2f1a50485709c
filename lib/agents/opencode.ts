import { join } from 'node:path';
import { type AgentDefinition, kelosAgentImage } from './agent-definition.js';
import { clean, type McpServers, mapServers, mergeJsonServers } from './mcp.js';
import { type Printed, rec, type StreamEvent, type StreamFormatter, say, status, text, tool } from './stream-format.js';
import { flatten, num, obj, SumParser, type UsageEvent } from './usage.js';

/** OpenCode (`opencode.json` `mcp`): `local` servers take the command and its args as one array. */
export function opencodeMcpServers(servers: McpServers): Record<string, object> {
  return mapServers(servers, (s, t) =>
    t === 'stdio'
      ? clean({ type: 'local', command: [s.command!, ...(s.args ?? [])], environment: s.env, enabled: true })
      : clean({ type: 'remote', url: s.url, headers: s.headers, enabled: true }),
  );
}

/** Why an `error` event ended the run: the error's name, the model API's HTTP status when it has one, and its message. */
function failure(e: UsageEvent): string {
  const error = obj(e.error);
  const data = obj(error?.data);
  const status = num(data?.statusCode);
  const name = typeof error?.name === 'string' ? flatten(error.name, 40) : 'error';
  const message = typeof data?.message === 'string' ? data.message : typeof error?.message === 'string' ? error.message : '';
  return `the opencode run ended in an error (${name}${status !== undefined ? `, HTTP ${status}` : ''})${message ? `: "${flatten(message, 300)}"` : ''}`;
}

/** `opencode run --format json`: text, tool and step events; the cost adds up over steps. */
function opencodeStreamFormatter(): StreamFormatter {
  let cost = 0;
  const event = (e: StreamEvent): Printed[] | undefined => {
    const part = rec(e.part);
    switch (e.type) {
      case 'step_start':
        return [];
      case 'text':
        return say(text(part.text));
      case 'tool_use':
        return [tool(text(part.tool ?? 'tool'), rec(part.state).input)];
      case 'step_finish':
        if (typeof part.cost === 'number') cost += part.cost;
        return part.reason === 'stop' ? [status(`[result] completed ($${cost.toFixed(4)})`)] : [];
      case 'error': {
        const error = rec(e.error);
        return [status(`[error] ${text(rec(error.data).message ?? error.message ?? e.message ?? '')}`)];
      }
      default:
        return undefined;
    }
  };
  return { event, flush: () => [] };
}

/**
 * OpenCode (`opencode`, npm `opencode-ai`). Credentials: `OPENCODE_API_KEY`,
 * which the entrypoint hands to the provider named by `KELOS_MODEL`
 * (`provider/model`). Under `~/.config/opencode` (`$XDG_CONFIG_HOME/opencode`
 * when set): `KELOS_AGENTS_MD` becomes the global rules `AGENTS.md`, skills
 * `skills/<skill>/SKILL.md`, sub-agents `agents/<name>.md` and
 * `KELOS_MCP_SERVERS` the `mcp` section of `opencode.json`. Usage: the sum
 * over `step_finish` events.
 */
export const opencode: AgentDefinition<'opencode'> = {
  type: 'opencode',
  displayName: 'OpenCode',
  constant: 'OPENCODE',
  cli: { command: 'opencode', npmPackage: 'opencode-ai' },
  credentials: { 'api-key': 'OPENCODE_API_KEY', oauth: 'OPENCODE_API_KEY' },
  defaultImage: kelosAgentImage('opencode'),
  effort: true,
  layout({ home, env }) {
    const dir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'opencode');
    return {
      instructions: join(dir, 'AGENTS.md'),
      skillsDir: join(dir, 'skills'),
      agentsDir: join(dir, 'agents'),
      agentFormat: 'opencode-markdown',
      mcpFile: join(dir, 'opencode.json'),
    };
  },
  writeMcpServers(file, servers, warn) {
    mergeJsonServers(file, 'mcp', opencodeMcpServers(servers), warn);
  },
  // One `step_finish` per model step, tokens under `part.tokens`, its cost
  // (from the model's price in OpenCode's model list) under `part.cost`.
  // An `error` event after the last step (the model API's error after OpenCode's retries) fails the run.
  usageParser: () =>
    new SumParser(
      'step_finish',
      (e) => {
        const part = obj(e.part);
        const t = obj(part?.tokens);
        return [num(t?.input), num(t?.output), num(part?.cost)];
      },
      // "error" alone is in many a tool's output
      { type: 'error', marker: '"type":"error"', reason: failure },
    ),
  streamFormatter: opencodeStreamFormatter,
};
