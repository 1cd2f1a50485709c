import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('init')
    .description('write the config file (~/.kelos/config.yaml, or --config), or with --project scaffold a new pipelines repository')
    .option('-f, --force', 'replace an existing config file, or write into a non-empty project directory', false)
    .option('--project <dir>', 'scaffold a pipelines project: package.json, cdk8s.yaml, pipelines/main.ts, .gitignore, CI workflow')
    .option(
      '--kelos <spec>',
      'the kelos dependency of a new project: a package tarball or kelos directory (packed into vendor/), or an npm version spec (default: this kelos, packed into vendor/)',
    )
    .action(async (opts: { force: boolean; project?: string; kelos?: string }, cmd: Command) => {
      const { runInit } = await import('../ops/init.js');
      runInit({ ...opts, config: (cmd.optsWithGlobals() as { config?: string }).config });
    });
}
