import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('uninstall')
    .description('delete all kelos resources (waiting for their finalizers), then the controller and the CRDs')
    .option('--keep-crds', 'keep the CRDs', false)
    .option('--force', 'remove the finalizers of kelos resources instead of waiting for the controller', false)
    .option('-y, --yes', 'do not ask before deleting resources', false)
    .option('--workloads', 'also delete the spawner workloads applied from dist/ (Deployments, CronJobs and their RBAC); without it they are listed', false)
    .option('--timeout <duration>', 'how long to wait for each step, e.g. 90s or 5m (0: no limit)', '5m')
    .action(async (opts: { keepCrds: boolean; force: boolean; yes: boolean; timeout: string; workloads: boolean }, cmd: Command) => {
      const { globalOptions } = await import('../ops/_context.js');
      const { runUninstall } = await import('../ops/uninstall.js');
      await runUninstall(globalOptions(cmd), opts);
    });
}
