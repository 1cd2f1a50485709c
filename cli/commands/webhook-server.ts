import type { Server } from 'node:http';
import * as http from 'node:http';
import type { Command } from 'commander';
import { HEALTH_PORT, METRICS_PORT } from '../../lib/api/constants.js';
import { closeServers, type ListenAddress, listen, metricsServer, parseListenAddress } from '../../lib/http/endpoints.js';
import type { GenericRouteConfig } from '../../lib/webhook/config.js';
import { parseGenericFlag, secretNameProblem, WEBHOOK_PORT } from '../../lib/webhook/config.js';
import { UserError } from '../errors.js';

interface Flags {
  namespace?: string;
  kubeconfig?: string;
  addr: string;
  metricsAddr: string;
  healthAddr: string;
  githubSecret?: string;
  linearSecret?: string;
  slackSecret?: string;
  slackBotUserId?: string;
  generic: string[];
  maxBodyBytes: string;
  shutdownDelay: string;
  report?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `kelos webhook-server --namespace <ns>`: receives GitHub, Linear, Slack and
 * generic webhook deliveries for the TaskSpawners of one namespace and turns
 * them into Tasks. Every route needs its secret: there is no unauthenticated mode.
 */
export function register(program: Command): void {
  program
    .command('webhook-server')
    .description('turn GitHub, Linear, Slack and generic webhook deliveries into Tasks for the TaskSpawners of one namespace')
    .option('--namespace <name>', 'the namespace served (default: $POD_NAMESPACE)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)')
    .option('--addr <addr>', 'address of the /webhook/<route> endpoints', `:${WEBHOOK_PORT}`)
    .option('--metrics-addr <addr>', 'address of /metrics, "0" to turn off', `:${METRICS_PORT}`)
    .option('--health-addr <addr>', 'address of /healthz and /readyz, "0" to turn off', `:${HEALTH_PORT}`)
    .option('--github-secret <secret>', 'serve /webhook/github; the Secret whose WEBHOOK_SECRET key is the GitHub webhook secret')
    .option('--linear-secret <secret>', 'serve /webhook/linear; the Secret whose WEBHOOK_SECRET key is the Linear signing secret')
    .option('--slack-secret <secret>', 'serve /webhook/slack; the Secret whose SLACK_SIGNING_SECRET (or WEBHOOK_SECRET) key is the Slack signing secret')
    .option('--slack-bot-user-id <id>', "the Slack bot's user id (default: from each event's authorizations)")
    .option('--generic <source=secret[,auth=hmac|bearer][,header=name]>', 'serve /webhook/<source>; repeatable', collect, [])
    .option('--report', "report the Tasks of githubWebhook spawners with reporting to GitHub, with their Workspace's token (one replica at a time)")
    .option('--max-body-bytes <n>', 'larger deliveries are answered 413', String(1024 * 1024))
    .option('--shutdown-delay <seconds>', 'on SIGTERM, keep answering this long while /readyz fails, then finish the deliveries in flight', '5')
    .action(async (flags: Flags) => {
      const namespace = flags.namespace ?? process.env.POD_NAMESPACE;
      if (!namespace || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
        throw new UserError(`'--namespace' must name a namespace (or set $POD_NAMESPACE), got ${JSON.stringify(namespace ?? '')}`, 2);
      }
      const maxBodyBytes = Number(flags.maxBodyBytes);
      if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024)
        throw new UserError(`'--max-body-bytes' must be an integer >= 1024, got ${flags.maxBodyBytes}`, 2);
      for (const [flag, value] of [
        ['github-secret', flags.githubSecret],
        ['linear-secret', flags.linearSecret],
        ['slack-secret', flags.slackSecret],
      ] as const) {
        const problem = value === undefined ? undefined : secretNameProblem(value);
        if (problem) throw new UserError(`'--${flag}': ${problem}`, 2);
      }
      const generic = new Map<string, GenericRouteConfig>();
      for (const g of flags.generic) {
        try {
          const [source, config] = parseGenericFlag(g);
          if (generic.has(source)) throw new Error(`source "${source}" is given twice`);
          generic.set(source, config);
        } catch (err) {
          throw new UserError(`'--generic': ${(err as Error).message}`, 2);
        }
      }
      if (!flags.githubSecret && !flags.linearSecret && !flags.slackSecret && generic.size === 0) {
        throw new UserError('no route to serve: give --github-secret, --linear-secret, --slack-secret or --generic', 2);
      }
      if (!/^\d{1,3}$/.test(flags.shutdownDelay)) throw new UserError(`'--shutdown-delay' must be a number of seconds, got ${flags.shutdownDelay}`, 2);
      const addrs: Record<string, ListenAddress | undefined> = {};
      for (const [flag, value] of [
        ['addr', flags.addr],
        ['metrics-addr', flags.metricsAddr],
        ['health-addr', flags.healthAddr],
      ] as const) {
        try {
          addrs[flag] = parseListenAddress(value, '');
        } catch (err) {
          throw new UserError(`'--${flag}': ${(err as Error).message}`, 2);
        }
      }
      if (!addrs.addr) throw new UserError("'--addr' cannot be turned off", 2);

      const { KubeClient } = await import('../../lib/kube/kube-client.js');
      const { WebhookServer } = await import('../../lib/webhook/server.js');
      const { WebhookMetrics } = await import('../../lib/webhook/metrics.js');
      let client;
      try {
        client = await KubeClient.fromKubeconfig(flags.kubeconfig);
      } catch (err) {
        throw new UserError(`cannot load kubeconfig: ${(err as Error).message}`);
      }
      const metrics = new WebhookMetrics();
      const webhooks = new WebhookServer({
        client,
        namespace,
        metrics,
        maxBodyBytes,
        ...(flags.githubSecret ? { github: { secretName: flags.githubSecret } } : {}),
        ...(flags.linearSecret ? { linear: { secretName: flags.linearSecret } } : {}),
        ...(flags.slackSecret ? { slack: { secretName: flags.slackSecret, ...(flags.slackBotUserId ? { botUserId: flags.slackBotUserId } : {}) } } : {}),
        generic,
        ...(flags.report ? { reporting: { ...(process.env.GITHUB_API_URL ? { githubApiBaseUrl: process.env.GITHUB_API_URL } : {}) } } : {}),
      });
      const servers: Server[] = [];
      let server: Server;
      const delayMs = Number(flags.shutdownDelay) * 1000;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        if (addrs['health-addr']) {
          const health = http.createServer((req, res) => {
            const path = req.url?.split('?')[0];
            if (path === '/healthz') res.writeHead(200).end('ok');
            else if (path === '/readyz') res.writeHead(webhooks.ready ? 200 : 503).end(webhooks.ready ? 'ok' : 'TaskSpawners not listed yet');
            else res.writeHead(404).end();
          });
          await listen(health, addrs['health-addr']);
          servers.push(health);
        }
        if (addrs['metrics-addr']) {
          const m = metricsServer(metrics.registry);
          await listen(m, addrs['metrics-addr']);
          servers.push(m);
        }
        server = webhooks.httpServer();
        const bound = await listen(server, addrs.addr);
        servers.push(server);
        webhooks.log.info({ port: bound.port, routes: webhooks.routes() }, 'Serving webhooks');
        await webhooks.start();
        webhooks.log.info('Listed TaskSpawners; ready');
        const reporting = webhooks.reporting
          ?.run(stop.signal, process.env.HOSTNAME || `webhook-server-${process.pid}`)
          .catch((err) => webhooks.log.error({ err: (err as Error).message }, 'Reporting stopped'));
        if (!stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
        // Unready first, so endpoints drop this pod, then answer what was taken before closing.
        webhooks.log.info({ delayMs }, 'Stopping: draining deliveries');
        await webhooks.drain(0);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        server.close();
        server.closeIdleConnections();
        await webhooks.drain(20_000);
        await reporting;
      } catch (err) {
        throw new UserError(`webhook server: ${(err as Error).message}`);
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        webhooks.stop();
        await closeServers(servers);
        client.close();
      }
    });
}
