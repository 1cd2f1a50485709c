// What the real-node test files share: whether this machine can run them,
// a control plane with the real node and its API clients, namespaces whose
// pods go to the node, and the controller installed from its image as
// kelos synth renders the KelosController chart.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { KelosApp, KelosController } from '../../constructs/index.js';
import { isTerminalPhase } from '../../lib/api/task-phase.js';
import { DEFAULT_KELOS_IMAGE } from '../../lib/render/images.js';
import { DEFAULT_GIT_IMAGE } from '../../lib/render/job.js';
import { type ControlPlane, startControlPlane } from '../cluster/launcher.js';
import { normalizeRef, readImageManifest } from '../cluster/node/image-manifest.js';
import { REAL_NODE_NAMESPACE_ANNOTATIONS, realNodePrerequisites } from '../cluster/node/real-node.js';
import { resolveBinaries } from '../cluster/paths.js';

const run = promisify(execFile);
export const GROUP = 'kelos.dev';
export const VERSION = 'v1alpha1';

/**
 * Whether to skip: true (and says why) where the machine cannot run a real
 * node with the kelos and git images and `agentImage`, unless
 * KELOS_TEST_REQUIRE_REAL_NODE=1 (CI), where the tests then run and fail.
 */
export function skipRealNode(agentImage: string, tag: string, what: string): boolean {
  let kubelet: string | undefined;
  try {
    kubelet = resolveBinaries().kubelet;
  } catch {
    kubelet = undefined;
  }
  const { missing } = realNodePrerequisites(kubelet);
  // the images these tests run, beyond the pause image the node itself needs
  const built = new Set(readImageManifest()?.images.flatMap((i) => i.refs) ?? []);
  const images = [agentImage, DEFAULT_KELOS_IMAGE, DEFAULT_GIT_IMAGE].map(normalizeRef).filter((r) => !built.has(r));
  if (images.length && !missing.some((m) => m.includes('npm run images'))) missing.push(`the images ${images.join(', ')} (npm run images)`);
  const skip = missing.length > 0 && process.env.KELOS_TEST_REQUIRE_REAL_NODE !== '1';
  if (skip) console.warn(`[${tag}] skipping ${what}: this machine lacks ${missing.join('; ')}`);
  return skip;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` every 250 ms until it gives a value (not undefined or false); its last error is in the timeout's message. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(250);
  }
}

/** A Task as these tests read it. */
export interface TaskObject {
  metadata: { creationTimestamp?: string | Date };
  status?: { phase?: string; message?: string; results?: Record<string, string>; outputs?: string[] };
}

export interface RealNodeCluster {
  readonly cp: ControlPlane;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly custom: k8s.CustomObjectsApi;
  kubectl(args: string[]): Promise<string>;
  /** A namespace whose pods go to the real node (its scheduler annotations), ready once its default ServiceAccount exists. */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** The KelosController chart for `namespaces` (which must exist), applied, and its Deployment available on the node. */
  installController(namespaces: string[], secretNamespaces: string[]): Promise<void>;
  /**
   * Packets the real node's bridge dropped on their way out (to anything but
   * the bridge itself): unchanged over a test means no pod tried to reach an
   * address outside the test network.
   */
  droppedPackets(): Promise<number>;
  /** The Task once Succeeded or Failed. */
  finishedTask<T extends { status?: { phase?: string } } = TaskObject>(namespace: string, name: string, timeoutMs?: number): Promise<T>;
  /** The first Pod of a Task's Job. */
  agentPod(namespace: string, task: string): Promise<k8s.V1Pod | undefined>;
  /** The agent container's log of every Pod of a Task ('' where there is none yet). */
  agentLog(namespace: string, task: string): Promise<string>;
}

/** A control plane of the caller's own with the real node required, and its clients. */
export async function startRealNodeCluster(tag: string): Promise<RealNodeCluster> {
  const cp = await startControlPlane({
    runsRoot: mkdtempSync(join(tmpdir(), `kelos-${tag.replace(/\W+/g, '-')}-`)),
    realNode: 'required',
    log: (m) => console.error(`[${tag}] ${m}`),
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const kubectl = async (args: string[]): Promise<string> => {
    try {
      const { stdout } = await run('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], { timeout: 120_000 });
      return stdout;
    } catch (err) {
      throw new Error(`kubectl ${args.join(' ')}: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
    }
  };
  const bridge = cp.realNode?.bridge;
  const forward = bridge ? (await run('iptables', ['-w', '-S', 'FORWARD'])).stdout : '';
  const dropChain = bridge ? new RegExp(`-A FORWARD -i ${bridge} -j (\\S+)`).exec(forward)?.[1] : undefined;
  return {
    cp,
    core,
    apps,
    custom,
    kubectl,
    async createNamespace(name, labels = {}) {
      await core.createNamespace({ body: { metadata: { name, labels, annotations: { ...REAL_NODE_NAMESPACE_ANNOTATIONS } } } });
      await waitFor(`ServiceAccount ${name}/default`, () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), 30_000);
    },
    async installController(namespaces, secretNamespaces) {
      const out = mkdtempSync(join(tmpdir(), 'kelos-real-node-dist-'));
      const app = new KelosApp({ outdir: out });
      new KelosController(app, 'kelos-system', { namespaces, secretNamespaces, createNamespaces: false });
      app.synth();
      await kubectl(['apply', '--server-side', '--field-manager=kelos', '-f', join(out, 'kelos-system')]);
      await waitFor(
        'the kelos controller Deployment available on the real node',
        async () => ((await apps.readNamespacedDeployment({ name: 'kelos-controller', namespace: 'kelos-system' })).status?.availableReplicas ?? 0) >= 1,
        180_000,
      );
    },
    finishedTask<T extends { status?: { phase?: string } } = TaskObject>(namespace: string, name: string, timeoutMs = 360_000) {
      return waitFor(
        `Task ${namespace}/${name} to finish`,
        async () => {
          const t = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'tasks', name })) as T;
          return isTerminalPhase(t.status?.phase) ? t : undefined;
        },
        timeoutMs,
      );
    },
    async agentPod(namespace, task) {
      return (await core.listNamespacedPod({ namespace, labelSelector: `kelos.dev/task=${task}` })).items[0];
    },
    async agentLog(namespace, task) {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: `kelos.dev/task=${task}` })).items;
      const logs = await Promise.all(
        pods.map((p) => core.readNamespacedPodLog({ name: p.metadata!.name!, namespace, container: 'kelos-agent' }).catch(() => '')),
      );
      return logs.join('\n');
    },
    async droppedPackets() {
      if (!dropChain) throw new Error(`no FORWARD rule for the real node's bridge ${bridge}`);
      const { stdout } = await run('iptables', ['-w', '-t', 'filter', '-L', dropChain, '-v', '-x', '-n']);
      const rule = stdout.split('\n').find((l) => /\bDROP\b/.test(l));
      if (!rule) throw new Error(`no DROP rule in ${dropChain}:\n${stdout}`);
      return Number(rule.trim().split(/\s+/)[0]);
    },
  };
}
