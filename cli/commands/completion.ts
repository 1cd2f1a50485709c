import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script: bash, zsh or fish (e.g. source <(kelos completion bash))')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const { completionScript } = await import('../ops/completion.js');
      process.stdout.write(completionScript(shell));
    });

  // Called by the completion scripts with the command line in $KELOS_COMP_LINE.
  program
    .command('__complete', { hidden: true })
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_opts: unknown, cmd: Command) => {
      const { complete, splitLine, globalsFromWords, clusterLookup } = await import('../ops/completion.js');
      const words = splitLine(process.env.KELOS_COMP_LINE ?? '').slice(1);
      const candidates = await complete(cmd.parent!, words, await clusterLookup(globalsFromWords(words)));
      process.stdout.write(candidates.map((c) => `${c}\n`).join(''));
    });
}
