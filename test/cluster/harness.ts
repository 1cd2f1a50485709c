// Helpers for *.cluster.test.ts files: the injected kubeconfig, a client
// KubeConfig, throw-away namespaces, and pod logs served by kwok.
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { ProvidedCluster } from './context.js';
import { FAIL_EXIT_CODE, OUTCOME_LABEL } from './kwok-config.js';
import { jobLogKey, LOG_LABEL, writeLogFile } from './pod-logs.js';

export type { ProvidedCluster };
export { FAIL_EXIT_CODE, LOG_LABEL, OUTCOME_LABEL };

/** Path of the admin kubeconfig of the test cluster. */
export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

export function clusterInfo(): ProvidedCluster {
  return inject('kelosCluster');
}

/** A @kubernetes/client-node KubeConfig for the test cluster (cluster-admin). */
export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

export interface TestNamespace {
  name: string;
  /** deletes the namespace (does not wait for it to be gone) */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Creates a namespace `<prefix>-<random>` and waits until its `default`
 * ServiceAccount exists (pods are rejected before that).
 */
export async function createNamespace(prefix = 'test', kc: k8s.KubeConfig = kubeConfig()): Promise<TestNamespace> {
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'test';
  const name = `${base}-${randomBytes(4).toString('hex')}`;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels: { 'kelos.dev/test-namespace': 'true' } } } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      break;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      if (Date.now() > deadline) throw new Error(`namespace ${name}: ServiceAccount "default" did not appear within 30s`);
      await sleep(100);
    }
  }
  const cleanup = async (): Promise<void> => {
    try {
      await core.deleteNamespace({ name });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  };
  return { name, cleanup, [Symbol.asyncDispose]: cleanup };
}

function podLogsDir(): string {
  const dir = clusterInfo().podLogsDir;
  if (!dir) {
    throw new Error('pod logs can only be arranged on a control plane started by this harness (or npm run cluster:start)');
  }
  return dir;
}

/**
 * Sets the log kwok serves for pods labelled `kelos.dev/test-log: <key>`
 * (all containers, or only `container`). Write it before the pod is created.
 */
export function writePodLog(key: string, content: string, opts: { container?: string } = {}): string {
  return writeLogFile(podLogsDir(), key, content, opts.container);
}

/** Sets the log served for the pods of Job `<namespace>/<job>` that carry no `kelos.dev/test-log` label. */
export function writeJobLog(namespace: string, job: string, content: string, opts: { container?: string } = {}): string {
  return writeLogFile(podLogsDir(), jobLogKey(namespace, job), content, opts.container);
}

/** Polls `fn` until it returns a value other than undefined/false. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    }
    await sleep(200);
  }
}
