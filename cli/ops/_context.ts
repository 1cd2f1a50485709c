// What every cluster command needs: the global options, the kubeconfig and
// context, the namespace, a client, and errors turned into one clear line.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import { GROUP, VERSION } from '../../lib/api/constants.js';
import { goDurationSeconds } from '../../lib/api/duration.js';
import { KINDS } from '../../lib/api/kinds.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { isNotFound, KubeError } from '../../lib/kube/kube-error.js';
import { sleep } from '../../lib/kube/sleep.js';
import { UserError } from '../errors.js';
import { type KelosConfig, loadConfig } from './config.js';

/** The options `kelos` takes before or after any command. */
export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly config?: string;
  readonly verbose?: boolean;
}

/** The field manager of the CLI's writes (install and diff use the compiler's, `kelos`). */
export const CLI_FIELD_MANAGER = 'kelos-cli';

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as GlobalOptions;
  return { kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace, config: o.config, verbose: o.verbose };
}

export interface Cluster {
  readonly kc: k8s.KubeConfig;
  readonly client: KubeClient;
  /** The namespace the command works in. */
  readonly namespace: string;
  /** The loaded kelos config file (empty when there is none). */
  readonly config: KelosConfig;
  /** Where the kubeconfig came from, for messages. */
  readonly source: string;
  close(): void;
}

/** Loads the kubeconfig the way kubectl finds it, with errors that say what to do. */
export function loadKubeConfig(g: GlobalOptions): { kc: k8s.KubeConfig; source: string } {
  const kc = new k8s.KubeConfig();
  let source: string;
  const load = (file: string) => {
    if (!existsSync(file)) {
      throw new UserError(`kubeconfig ${file} does not exist: pass --kubeconfig <file> or set KUBECONFIG to a kubeconfig of your cluster`);
    }
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new UserError(`kubeconfig ${file} cannot be read: ${(err as Error).message}`);
    }
  };
  if (g.kubeconfig) {
    source = resolve(g.kubeconfig);
    load(source);
  } else if (process.env.KUBECONFIG) {
    const files = process.env.KUBECONFIG.split(delimiter).filter(Boolean);
    source = files.join(delimiter);
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) load(files[0]!);
    load(present[0]!);
    for (const f of present.slice(1)) {
      const more = new k8s.KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more);
    }
  } else if (existsSync(join(homedir(), '.kube', 'config'))) {
    source = join(homedir(), '.kube', 'config');
    load(source);
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    source = 'in-cluster service account';
    kc.loadFromCluster();
  } else {
    throw new UserError('no kubeconfig found (~/.kube/config does not exist and KUBECONFIG is not set): pass --kubeconfig <file>');
  }
  if (g.context) {
    if (!kc.getContextObject(g.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UserError(`context "${g.context}" is not in kubeconfig ${source}${known.length ? `; it has ${known.map((c) => `"${c}"`).join(', ')}` : ''}`);
    }
    kc.setCurrentContext(g.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new UserError(`kubeconfig ${source} has no current context: pass --context <name>`);
  }
  return { kc, source };
}

/** The namespace: -n, else the config file's, else the kubeconfig context's, else "default". */
export function resolveNamespace(g: GlobalOptions, config: KelosConfig, kc?: k8s.KubeConfig): string {
  const fromContext = kc ? kc.getContextObject(kc.getCurrentContext())?.namespace : undefined;
  return g.namespace ?? config.namespace ?? fromContext ?? 'default';
}

/** Connects to the cluster of the global options. */
export async function connect(g: GlobalOptions, fieldManager = CLI_FIELD_MANAGER): Promise<Cluster> {
  const config = loadConfig(g.config);
  const { kc, source } = loadKubeConfig(g);
  let client: KubeClient;
  try {
    client = await KubeClient.create(kc, fieldManager);
  } catch (err) {
    throw new UserError(`cannot use the credentials of kubeconfig ${source}: ${(err as Error).message}`);
  }
  return { kc, client, namespace: resolveNamespace(g, config, kc), config, source, close: () => client.close() };
}

/** The API server URL of the current context. */
export function serverOf(kc: k8s.KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no server)';
}

/**
 * Throws a clear error unless the kelos.dev CRDs are served. `kinds` limits
 * the check to the resources the command uses.
 */
export async function requireCrds(client: KubeClient, kinds: readonly string[] = KINDS.map((k) => k.kind)): Promise<void> {
  let served: Array<{ kind: string }> = [];
  try {
    const list = await client.json<{ resources: Array<{ kind: string; name: string }> }>('GET', `/apis/${GROUP}/${VERSION}`);
    served = list.resources.filter((r) => !r.name.includes('/'));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const missing = kinds.filter((k) => !served.some((r) => r.kind === k));
  if (missing.length > 0) {
    const what =
      missing.length === kinds.length && kinds.length > 1 ? 'the kelos.dev CRDs are' : `the ${missing.join(', ')} CRD${missing.length > 1 ? 's are' : ' is'}`;
    throw new UserError(`${what} not installed in this cluster: run \`kelos install\` first`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENETUNREACH']);

/** Turns errors of the apiserver and the network into one clear line. */
export function explain(err: unknown, kc?: k8s.KubeConfig): unknown {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? (err as { cause?: NodeJS.ErrnoException })?.cause?.code;
  const server = kc ? serverOf(kc) : 'the API server';
  if (code && NETWORK_CODES.has(code)) {
    return new UserError(
      `cannot reach the Kubernetes API server at ${server} (${code}): is the cluster running, and is this the right --kubeconfig/--context?`,
    );
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new UserError(`the TLS certificate of ${server} is not trusted (${code}): check the certificate-authority of your kubeconfig`);
  }
  if (/timed out after/.test((err as Error)?.message ?? '')) {
    return new UserError(`the API server at ${server} did not answer: ${(err as Error).message}`);
  }
  if (err instanceof KubeError) {
    if (/storage is \(re\)initializing/.test(err.message)) {
      return new UserError(`the API server at ${server} is still starting to serve a resource (${err.message}): try again in a few seconds`);
    }
    if (err.statusCode === 401) return new UserError(`the API server at ${server} did not accept the credentials of your kubeconfig (401 Unauthorized)`);
    if (err.statusCode === 403) return new UserError(`not allowed: ${err.message}`);
    if (err.statusCode === 422 || err.statusCode === 400) return new UserError(`the API server rejected the object: ${err.message}`);
  }
  return err;
}

/** Runs `fn` with a connection, closing it after and explaining errors. */
export async function withCluster<T>(g: GlobalOptions, fn: (c: Cluster) => Promise<T>, fieldManager?: string): Promise<T> {
  const c = await connect(g, fieldManager);
  try {
    return await fn(c);
  } catch (err) {
    throw explain(err, c.kc);
  } finally {
    c.close();
  }
}

export { sleep };

/** Polls `fn` until it returns a value; undefined after `timeoutMs`. */
export async function poll<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 500): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

/**
 * `--timeout` in milliseconds. Every command means the same by it: how long
 * the command waits (for a rollout, a deletion, a Task, a watch), as a Go
 * duration; 0 waits without a limit (Infinity).
 */
export function timeoutMs(text: string | undefined, fallback: string): number {
  const s = goDurationSeconds(text ?? fallback);
  if (s === undefined || s < 0) throw new UserError(`'--timeout' must be a Go duration like 90s, 5m or 1h30m (0: no limit), got "${text}"`, 2);
  return s === 0 ? Infinity : s * 1000;
}
