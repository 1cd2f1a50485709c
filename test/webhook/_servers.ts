// Webhook servers of the cluster tests: in process, on loopback, each as the
// ServiceAccount the rendered Role binds, so its RBAC is what is tested.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskSpawner } from '../../lib/api/index.js';
import { closeServers, listen } from '../../lib/http/endpoints.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { staticConnection } from '../../lib/kube/static-kubeconfig.js';
import { type WebhookServerInstallOptions, webhookServerInstall } from '../../lib/render/webhook-server.js';
import { WebhookMetrics } from '../../lib/webhook/metrics.js';
import { WebhookServer, type WebhookServerOptions } from '../../lib/webhook/server.js';
import { kubeconfigPath } from '../cluster/harness.js';
import { testLogger } from '../controller/_cluster.js';
import type { Delivery } from './_deliveries.js';

/** Applies the rendered ServiceAccount, Role and RoleBinding, and returns a client holding the ServiceAccount's token. */
export async function webhookServerClient(
  admin: KubeClient,
  options: WebhookServerInstallOptions,
  variant?: { readonly name: string; readonly rules: (rules: any[]) => any[] },
): Promise<KubeClient> {
  const install = webhookServerInstall(options);
  const rename = <T extends { metadata?: { name?: string } }>(o: T): T => (variant ? { ...o, metadata: { ...o.metadata, name: variant.name } } : o);
  await admin.apply(rename(install.serviceAccount) as never);
  await admin.apply(rename({ ...install.role, rules: variant ? variant.rules(structuredClone(install.role.rules!)) : install.role.rules }) as never);
  await admin.apply(
    rename({
      ...install.roleBinding,
      roleRef: { ...install.roleBinding.roleRef, name: variant?.name ?? install.roleBinding.roleRef.name },
      subjects: install.roleBinding.subjects!.map((x) => ({ ...x, name: variant?.name ?? x.name })),
    }) as never,
  );
  const sa = rename(install.serviceAccount).metadata!;
  const { status } = await admin.json<{ status: { token: string } }>(
    'POST',
    `${resourcePath(Resources.serviceAccounts, { namespace: sa.namespace!, name: sa.name! })}/token`,
    {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    },
  );
  const conn = staticConnection(kubeconfigPath())!;
  return KubeClient.fromConnection({ server: conn.server, ...(conn.ca ? { ca: conn.ca } : {}), token: status.token });
}

export interface RunningServer {
  readonly server: WebhookServer;
  readonly metrics: WebhookMetrics;
  readonly url: string;
  readonly logFile: string;
  close(): Promise<void>;
}

export async function startWebhookServer(client: KubeClient, options: Omit<WebhookServerOptions, 'client'>, name = 'webhook'): Promise<RunningServer> {
  const { logger, file } = testLogger(`${name}-${options.namespace}`);
  const metrics = new WebhookMetrics();
  const server = new WebhookServer({ ...options, client, log: logger, metrics });
  await server.start();
  const http: Server = server.httpServer();
  const addr: AddressInfo = await listen(http, { host: '127.0.0.1', port: 0 });
  return {
    server,
    metrics,
    url: `http://127.0.0.1:${addr.port}`,
    logFile: file,
    close: async () => {
      server.stop();
      await closeServers([http]);
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly body: { tasks?: Array<{ name: string; created: boolean }>; errors?: string[]; error?: string; challenge?: string; ignored?: string };
}

export async function send(server: { url: string }, d: Delivery, init: { method?: string } = {}): Promise<Answer> {
  const res = await fetch(server.url + d.path, { method: init.method ?? 'POST', headers: d.headers, ...(init.method === 'GET' ? {} : { body: d.body }) });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  return { status: res.status, body };
}

/** Creates a TaskSpawner as a user would apply it, and returns it as stored. */
export async function createSpawner(admin: KubeClient, spawner: TaskSpawner): Promise<TaskSpawner> {
  const { uid: _, ...metadata } = spawner.metadata;
  return admin.create({ ...spawner, metadata } as TaskSpawner);
}
