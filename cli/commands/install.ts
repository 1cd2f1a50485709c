import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('install')
    .description('install the kelos CRDs and controller into the cluster (server-side apply), then wait until they are ready')
    .option('--image <image>', 'controller and spawner image (default: the kelos image of this version)')
    .option('--version <version>', 'kelos release whose image to run, e.g. 0.1.0')
    .option('--dry-run', 'print the YAML instead of applying it', false)
    .option('--no-wait', 'do not wait for the CRDs to be established and the controller to be available')
    .option('--timeout <duration>', 'how long to wait, e.g. 90s or 5m (0: no limit)', '5m')
    .option(
      '--namespaces <list>',
      'a namespaced install: the controller serves only these comma-separated namespaces, with RoleBindings there and no rights elsewhere',
    )
    .option(
      '--secret-namespaces <list>',
      'comma-separated namespaces where the controller may read and write Secrets (MCP server Secrets, GitHub App Workspaces)',
    )
    .action(
      async (
        opts: { image?: string; version?: string; dryRun: boolean; wait: boolean; timeout: string; namespaces?: string; secretNamespaces?: string },
        cmd: Command,
      ) => {
        const { globalOptions } = await import('../ops/_context.js');
        const { runInstall } = await import('../ops/install.js');
        await runInstall(globalOptions(cmd), opts);
      },
    );
}
