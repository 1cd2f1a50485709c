import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('delete')
    .description('delete tasks, taskspawners, workspaces or agentconfigs by name, or all of a kind with --all')
    .argument('<kind>', 'task, taskspawner, workspace or agentconfig')
    .argument('[names...]', 'names of the objects')
    .option('--all', 'delete every object of the kind in the namespace', false)
    .option('--wait', 'wait until they are gone (Tasks wait for the controller to finalize them)', false)
    .option('--timeout <duration>', 'how long --wait waits, e.g. 30s (0: no limit)', '2m')
    .action(async (kind: string, names: string[], opts: { all: boolean; wait: boolean; timeout: string }, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runDelete } = await import('../ops/delete.js');
      await runDelete(globalOptions(cmd), kind, names, opts);
    });
}
