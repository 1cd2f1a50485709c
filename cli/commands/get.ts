import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('get')
    .description('list tasks, taskspawners, workspaces or agentconfigs, or show some by name')
    .argument('<kind>', 'task, taskspawner, workspace or agentconfig (plurals too)')
    .argument('[names...]', 'names of the objects (default: all)')
    .option('-o, --output <format>', 'yaml or json instead of a table')
    .option('-d, --detail', 'show every field of the objects', false)
    .option('-A, --all-namespaces', 'list across all namespaces', false)
    .option('--phase <phases>', 'only objects in these phases, comma-separated (tasks: Pending, Waiting, Running, Succeeded, Failed)')
    .action(async (kind: string, names: string[], opts: { output?: string; detail: boolean; allNamespaces: boolean; phase?: string }, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runGet } = await import('../ops/get.js');
      await runGet(globalOptions(cmd), kind, names, opts);
    });
}
