import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('logs')
    .description("show a task's logs: init containers (stderr), then the agent, its JSON stream pretty-printed (text to stdout, tools and status to stderr)")
    .argument('<task>', 'name of the task')
    .option('-f, --follow', 'stream the logs until the agent finishes, waiting for the pod and each container to start', false)
    .option('--raw', "print the agent's stream as it is", false)
    .option('--agent-only', 'only the agent container, not the init containers', false)
    .action(async (task: string, opts: { follow: boolean; raw: boolean; agentOnly: boolean }, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runLogs } = await import('../ops/logs.js');
      await runLogs(globalOptions(cmd), task, opts);
    });
}
