import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('get')
    .description('list tasks, taskspawners, workspaces or agentconfigs, or show some by name')
    .argument('<kind>', 'task, taskspawner, workspace or agentconfig (plurals too)')
    .argument('[names...]', 'names of the objects (default: all)')
    .option('-o, --output <format>', 'wide (more columns), name, yaml or json instead of a table')
    .option('-d, --detail', 'show every field of the objects', false)
    .option('-A, --all-namespaces', 'list across all namespaces', false)
    .option('-l, --selector <selector>', 'only objects with these labels, e.g. team=web,tier!=batch')
    .option('--spawner <name>', 'only the Tasks of this TaskSpawner (its kelos.dev/taskspawner label)')
    .option('--phase <phases>', 'only objects in these phases, comma-separated (tasks: Pending, Waiting, Running, Succeeded, Failed)')
    .option('-w, --watch', 'after listing, print each change until interrupted (or --timeout)', false)
    .option('--timeout <duration>', 'with --watch: stop watching after this long, e.g. 10m (default: 0, no limit)')
    .action(async (kind: string, names: string[], opts: Record<string, any>, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runGet } = await import('../ops/get.js');
      await runGet(globalOptions(cmd), kind, names, opts);
    });
}
