import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** Where and how to connect, for credentials that need no plugin. */
export interface StaticConnection {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTLSVerify?: boolean;
  readonly tlsServerName?: string;
  /** A fixed bearer token. */
  readonly token?: string;
  /** A file holding the bearer token, re-read now and then (projected service account tokens rotate). */
  readonly tokenFile?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The in-cluster connection (client-go's InClusterConfig), or undefined when
 * not running in a pod.
 */
export function inClusterConnection(dir = SERVICE_ACCOUNT_DIR, env = process.env): StaticConnection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const caFile = join(dir, 'ca.crt');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...(existsSync(caFile) ? { ca: readFileSync(caFile) } : {}),
    tokenFile,
  };
}

interface NamedEntry<K extends string, T> {
  name: string;
  [key: string]: unknown;
  _?: K;
  cluster?: T;
  user?: T;
  context?: T;
}

/**
 * Reads a kubeconfig whose current context uses static credentials (client
 * certificates, a token or token file). Returns undefined for anything that
 * needs a plugin or more (exec, auth-provider, basic auth, impersonation,
 * proxies, several files in $KUBECONFIG): callers then use
 * @kubernetes/client-node's full loader.
 */
export function staticConnectionFromFile(file: string): StaticConnection | undefined {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  if (!doc) return undefined;
  const find = <T>(list: unknown, name: string | undefined): T | undefined =>
    (Array.isArray(list) ? (list as Array<NamedEntry<string, T>>) : []).find((e) => e.name === name) as T | undefined;
  const ctxEntry = find<{ context?: { cluster?: string; user?: string } }>(doc.contexts, doc['current-context'] as string);
  const ctx = ctxEntry?.context;
  if (!ctx) return undefined;
  const cluster = find<{ cluster?: Record<string, unknown> }>(doc.clusters, ctx.cluster)?.cluster;
  const user = find<{ user?: Record<string, unknown> }>(doc.users, ctx.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') return undefined;
  const supportedUser = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
  const supportedCluster = new Set([
    'server',
    'certificate-authority',
    'certificate-authority-data',
    'insecure-skip-tls-verify',
    'tls-server-name',
    'extensions',
  ]);
  if (Object.keys(user).some((k) => !supportedUser.has(k))) return undefined;
  if (Object.keys(cluster).some((k) => !supportedCluster.has(k))) return undefined;
  const base = dirname(file);
  const read = (path: unknown): Buffer | undefined => (typeof path === 'string' ? readFileSync(isAbsolute(path) ? path : join(base, path)) : undefined);
  const data = (b64: unknown): Buffer | undefined => (typeof b64 === 'string' ? Buffer.from(b64, 'base64') : undefined);
  const ca = data(cluster['certificate-authority-data']) ?? read(cluster['certificate-authority']);
  const cert = data(user['client-certificate-data']) ?? read(user['client-certificate']);
  const key = data(user['client-key-data']) ?? read(user['client-key']);
  const tokenFile = typeof user.tokenFile === 'string' ? (isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile)) : undefined;
  return {
    server: cluster.server,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTLSVerify: true } : {}),
    ...(typeof cluster['tls-server-name'] === 'string' ? { tlsServerName: cluster['tls-server-name'] } : {}),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
    ...(tokenFile ? { tokenFile } : {}),
  };
}

/**
 * The connection client-go would pick, when it needs no plugin: the given
 * file, else the single file of $KUBECONFIG, else ~/.kube/config, else the
 * in-cluster service account. Undefined means: let the full loader decide.
 */
export function staticConnection(kubeconfig?: string, env = process.env): StaticConnection | undefined {
  if (kubeconfig) return staticConnectionFromFile(kubeconfig);
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(':').filter(Boolean);
    return files.length === 1 ? staticConnectionFromFile(files[0]) : undefined;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return staticConnectionFromFile(home);
  return inClusterConnection(SERVICE_ACCOUNT_DIR, env);
}
