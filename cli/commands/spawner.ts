import type { Server } from 'node:http';
import type { Command } from 'commander';
import { METRICS_PORT } from '../../lib/api/constants.js';
import { closeServers, type ListenAddress, listen, metricsServer, parseListenAddress } from '../../lib/http/endpoints.js';
import type { SpawnerMetrics } from '../../lib/spawner/metrics.js';
import { UserError } from '../errors.js';

/**
 * `kelos spawner --taskspawner <namespace>/<name>`: runs one TaskSpawner,
 * in the Deployment the compiler renders (polling sources) or, with
 * `--one-shot`, in its CronJob. Loads the spawner only when it runs.
 */
export function register(program: Command): void {
  program
    .command('spawner')
    .description('turn GitHub issues and pull requests, Jira issues or cron ticks into Tasks for one TaskSpawner')
    .requiredOption('--taskspawner <namespace/name>', 'the TaskSpawner to run')
    .option('--one-shot', 'run one cycle and exit (the CronJob form)', false)
    .option('--github-api-base-url <url>', 'GitHub REST API base URL (default: $GITHUB_API_URL, else derived from the repository host)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)')
    .option('--metrics-addr <addr>', 'address of /metrics while polling, "0" to turn off (never served with --one-shot)', `:${METRICS_PORT}`)
    .action(async (opts: { taskspawner: string; oneShot: boolean; githubApiBaseUrl?: string; kubeconfig?: string; metricsAddr: string }) => {
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(opts.taskspawner);
      if (!m) throw new UserError(`'--taskspawner' must be <namespace>/<name>, got "${opts.taskspawner}"`, 2);
      let metricsAddr: ListenAddress | undefined;
      try {
        metricsAddr = opts.oneShot ? undefined : parseListenAddress(opts.metricsAddr, '');
      } catch (err) {
        throw new UserError(`'--metrics-addr': ${(err as Error).message}`, 2);
      }
      const { KubeClient } = await import('../../lib/kube/kube-client.js');
      const { Spawner } = await import('../../lib/spawner/spawner.js');
      let client;
      try {
        client = await KubeClient.fromKubeconfig(opts.kubeconfig);
      } catch (err) {
        throw new UserError(`cannot load kubeconfig: ${(err as Error).message}`);
      }
      let metrics: SpawnerMetrics | undefined;
      const servers: Server[] = [];
      if (metricsAddr) {
        const { SpawnerMetrics: Metrics } = await import('../../lib/spawner/metrics.js');
        metrics = new Metrics({ namespace: m[1]!, taskspawner: m[3]! });
        const server = metricsServer(metrics.registry);
        try {
          await listen(server, metricsAddr);
        } catch (err) {
          client.close();
          throw new UserError(`cannot serve /metrics: ${(err as Error).message}`);
        }
        servers.push(server);
      }
      const spawner = new Spawner({ client, namespace: m[1]!, name: m[3]!, githubApiBaseUrl: opts.githubApiBaseUrl, ...(metrics ? { metrics } : {}) });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      try {
        if (opts.oneShot) {
          const report = await spawner.runCycle();
          process.exitCode = report.ok && report.failures.length === 0 ? 0 : 1;
          return;
        }
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        await spawner.run(stop.signal);
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        await closeServers(servers);
        client.close();
      }
    });
}
