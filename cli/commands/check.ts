import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('check')
    .description('re-synthesise into a temporary folder and fail when the committed output differs (drift check)')
    .option('-a, --app <command>', 'command that runs the app (default: `app` in cdk8s.yaml)')
    .option('-o, --output <dir>', 'the committed output folder (default: `output` in cdk8s.yaml, else dist)')
    .action(async (opts: { app?: string; output?: string }) => {
      const { runCheck } = await import('../check.js');
      await runCheck(opts);
    });
}
