import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('synth')
    .description('render the pipelines app into the output folder (default: dist/ from cdk8s.yaml)')
    .option('-a, --app <command>', 'command that runs the app (default: `app` in cdk8s.yaml)')
    .option('-o, --output <dir>', 'output folder (default: `output` in cdk8s.yaml, else dist)')
    .action(async (opts: { app?: string; output?: string }) => {
      const { readProjectConfig } = await import('../project.js');
      const { runApp } = await import('../synth.js');
      const config = readProjectConfig();
      const app = opts.app ?? config.app;
      const output = opts.output ?? config.output;
      await runApp(app, output);
      process.stdout.write(`Synthesised \`${app}\` into ${output}/\n`);
    });
}
