import type { Command } from 'commander';
import { agentTypesText } from '../../lib/agents/registry.js';
import { UserError } from '../errors.js';

/**
 * `kelos capture` and the hidden `kelos agent-config <type>`: both run inside
 * every agent pod, so this module imports nothing heavy and loads its
 * implementation only when the command runs.
 */
export function register(program: Command): void {
  program
    .command('capture')
    .description(
      "forward an agent's JSON stream from stdin to stdout unchanged, then print the outputs block " +
        '(branch, commit, base-branch, pr, token usage); used by agent image entrypoints',
    )
    .option('--agent-type <type>', `the stream format: ${agentTypesText()} (default: $KELOS_AGENT_TYPE)`)
    .option('--timeout <duration>', 'how long each git and gh command may take, e.g. 30s (default: $KELOS_CAPTURE_TIMEOUT_MS milliseconds, else 10s)')
    .action(async (opts: { agentType?: string; timeout?: string }) => {
      let timeoutMs: number | undefined;
      if (opts.timeout !== undefined) {
        const { goDurationSeconds } = await import('../../lib/api/duration.js');
        const s = goDurationSeconds(opts.timeout);
        if (s === undefined || s <= 0) throw new UserError(`'--timeout' must be a Go duration like 10s or 1m, got "${opts.timeout}"`, 2);
        timeoutMs = s * 1000;
      }
      const { runCapture } = await import('../../lib/capture/capture.js');
      process.exitCode = await runCapture({
        input: process.stdin,
        output: process.stdout,
        errors: process.stderr,
        agentType: opts.agentType,
        cwd: process.cwd(),
        env: process.env,
        timeoutMs,
        terminationLog: process.env.KELOS_TERMINATION_LOG || '/dev/termination-log',
      });
    });

  program
    .command('agent-config <type>', { hidden: true })
    .description("write KELOS_AGENTS_MD, KELOS_PLUGIN_DIR and KELOS_MCP_SERVERS into an agent CLI's own configuration files")
    .action(async (type: string) => {
      const { configureAgent } = await import('../../lib/capture/agent-config.js');
      const { agentDefinition, knownAgentTypes } = await import('../../lib/agents/registry.js');
      const agent = agentDefinition(type);
      if (!agent) throw new UserError(`unknown agent type "${type}": use ${agentTypesText(knownAgentTypes())}`, 2);
      const { homedir } = await import('node:os');
      try {
        configureAgent({
          agent,
          env: process.env,
          home: homedir(),
          cwd: process.cwd(),
          log: (msg) => process.stderr.write(`kelos agent-config: ${msg}\n`),
          warn: (msg) => process.stderr.write(`kelos agent-config: warning: ${msg}\n`),
        });
      } catch (err) {
        throw new UserError((err as Error).message);
      }
    });
}
