import { join } from 'node:path';
import type { AgentDefinition } from '../../lib/agents/agent-definition.js';
import { clean, mapServers, mergeJsonServers } from '../../lib/agents/mcp.js';
import { say, stateless, status, text, tool } from '../../lib/agents/stream-format.js';
import { LastResultParser, num, obj, tokens } from '../../lib/agents/usage.js';

/**
 * A sixth agent type, kept to the tests: `custom-agent`, a CLI of our own
 * making (npm `@kelos-test/custom-agent`, not published). Its stream is JSON
 * lines — `{"type":"message","text":…}`, `{"type":"tool","name":…,"input":…}`
 * and a final `{"type":"done","usage":{"in":…,"out":…}}`.
 *
 * It shows what adding an agent type takes: this module (one
 * `AgentDefinition`), its image declaration (`custom-agent.sh` beside it: the
 * CLI, its pinned version, its flags and where the prompt goes) and its tests
 * (`custom-agent.test.ts`). No other file changes: `kelos capture`,
 * `kelos agent-config`, `kelos logs`, the renderer, the entrypoint core and the
 * image build take it from there. A type for real use lives in
 * `lib/agents/<type>.ts` and `images/agents/<type>.sh` and joins the list in
 * `lib/agents/registry.ts`, which also adds it to the API's enum (the CRDs in
 * dist/ change with it); here `registerAgent` makes it known to the process.
 */
export const custom: AgentDefinition<'custom'> = {
  type: 'custom',
  displayName: 'Custom Agent (test fixture)',
  constant: 'CUSTOM',
  cli: { command: 'custom-agent', npmPackage: '@kelos-test/custom-agent' },
  credentials: { 'api-key': 'CUSTOM_AGENT_API_KEY', oauth: 'CUSTOM_AGENT_TOKEN' },
  defaultImage: 'ghcr.io/kelos-test/custom-agent:1.2.3',
  effort: true,
  layout({ home }) {
    const dir = join(home, '.custom-agent');
    return {
      instructions: join(dir, 'INSTRUCTIONS.md'),
      skillsDir: join(dir, 'skills'),
      agentsDir: join(dir, 'agents'),
      agentFormat: 'markdown',
      mcpFile: join(dir, 'mcp.json'),
    };
  },
  writeMcpServers(file, servers, warn) {
    const entries = mapServers(servers, (s, t) =>
      t === 'stdio' ? clean({ run: [s.command, ...(s.args ?? [])], env: s.env }) : clean({ url: s.url, transport: t }),
    );
    mergeJsonServers(file, 'servers', entries, warn);
  },
  usageParser: () =>
    new LastResultParser(
      'done',
      (e) => {
        const u = obj(e.usage);
        return tokens(num(u?.in), num(u?.out));
      },
      (last) => (last ? undefined : 'the custom-agent stream ended without a done event'),
    ),
  streamFormatter: () =>
    stateless((e) => {
      switch (e.type) {
        case 'message':
          return say(text(e.text));
        case 'tool':
          return [tool(text(e.name), e.input)];
        case 'done':
          return [status('[result] completed')];
        default:
          return undefined;
      }
    }),
};
