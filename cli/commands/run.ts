import type { Command } from 'commander';
import { agentTypesText, DEFAULT_AGENT_TYPE } from '../../lib/agents/registry.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command('run')
    .description('create a Task (credentials, workspace and defaults from the config file), optionally watching it until it finishes')
    .option('-p, --prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file, or from stdin with -')
    .option('-t, --type <type>', `agent type: ${agentTypesText()} (default: the config file's, else ${DEFAULT_AGENT_TYPE})`)
    .option('--model <model>', 'model, e.g. opus or sonnet')
    .option('--effort <effort>', 'reasoning effort (agent-specific)')
    .option('--image <image>', 'custom agent image implementing the agent image interface')
    .option('--name <name>', 'Task name (default: task-<random>)')
    .option('--workspace <name>', "Workspace to work in (default: the config file's)")
    .option('--agent-config <name>', 'AgentConfig to use; repeat to merge several in order', collect)
    .option('--depends-on <task>', 'Task that must succeed first; repeatable', collect)
    .option('--branch <branch>', 'git branch to work on')
    .option('--active-deadline <duration>', "maximum run time of the agent's pod (activeDeadlineSeconds), e.g. 30m or 1h")
    .option('--env <NAME=VALUE>', 'extra environment variable of the agent; repeatable', collect)
    .option('--secret <name>', 'existing Secret with the credentials (instead of oauthToken/apiKey of the config file)')
    .option('--credential-type <type>', 'api-key, oauth or none (default: api-key with --secret)')
    .option('--dry-run', 'print the Task instead of creating it', false)
    .option('-w, --watch', 'print phase changes until the Task finishes; exit non-zero when it fails', false)
    .option('--timeout <duration>', 'with --watch: how long to watch before giving up (the Task runs on), e.g. 1h (default: 0, no limit)')
    .option('-y, --yes', 'replace Secret kelos-credentials and Workspace kelos-workspace without asking', false)
    .action(async (opts: Record<string, any>, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runRun } = await import('../ops/run.js');
      await runRun(globalOptions(cmd), opts);
    });
}
