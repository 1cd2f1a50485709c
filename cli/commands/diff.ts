import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('diff')
    .description('show how the rendered output (dist/) differs from the cluster, using server-side dry-run apply; exit 1 when it differs')
    .option('--app [command]', 'render the app first (default: `app` in cdk8s.yaml) instead of reading the committed output')
    .option('-o, --output <dir>', 'the rendered folder (default: `output` in cdk8s.yaml, else dist)')
    .option('--argocd', 'also diff the ArgoCD Applications of argocd/', false)
    .action(async (opts: { app?: boolean | string; output?: string; argocd: boolean }, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runDiff } = await import('../ops/diff.js');
      await runDiff(globalOptions(cmd), opts);
    });
}
