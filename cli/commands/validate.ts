import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate the kelos.dev objects in YAML files against the CRD schemas and CEL rules')
    .argument('<paths...>', 'files or directories')
    .option('-q, --quiet', 'print only errors')
    .action(async (paths: string[], opts: { quiet?: boolean }) => {
      const { runValidate } = await import('../validate.js');
      runValidate(paths, opts.quiet === true);
    });
}
