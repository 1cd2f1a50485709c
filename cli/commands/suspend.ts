import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('suspend')
    .description('stop a taskspawner from creating Tasks (running Tasks continue)')
    .argument('<kind>', 'taskspawner')
    .argument('<name>', 'name of the taskspawner')
    .action(async (kind: string, name: string, _opts: unknown, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runSuspend } = await import('../ops/suspend.js');
      await runSuspend(globalOptions(cmd), kind, name, true);
    });
}
