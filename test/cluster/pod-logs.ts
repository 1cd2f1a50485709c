// Pod logs served by kwok's fake kubelet, arranged by tests through files.
//
// kwok answers GET /containerLogs/<ns>/<pod>/<container> from a file named in a
// `Logs` object (namespaced, named like the pod) or, failing that, in a
// `ClusterLogs` rule. The launcher runs kwok with `--enable-crds=Logs` and this
// module's watcher creates a `Logs` object for each pod that has a log key:
//
//   * label `kelos.dev/test-log: <key>`           -> <logsDir>/<key>.log
//   * else a Job's pod (label batch.kubernetes.io/job-name=<job>)
//                                                 -> <logsDir>/job.<namespace>.<job>.log
//
// For each container, `<base>.<container>.log` is used instead when it exists
// when the pod is created (write logs before creating the pod/Job). Every
// other pod gets an empty log from the static catch-all ClusterLogs.
//
// kwok reads the files with the kubelet's CRI log parser, so they hold CRI log
// lines ("<RFC3339Nano> stdout F <text>"): use writePodLog/criLog to write them.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export const LOG_LABEL = 'kelos.dev/test-log';
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const KWOK_GROUP = 'kwok.x-k8s.io';
export const KWOK_VERSION = 'v1alpha1';

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Text -> CRI log lines as the kubelet writes them (F = full line, P = partial). */
export function criLog(content: string, stream: 'stdout' | 'stderr' = 'stdout', at = new Date()): string {
  if (content === '') return '';
  const ts = at.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  const parts = content.split('\n');
  const last = parts.pop()!; // '' when content ends with a newline
  const lines = parts.map((l) => `${ts} ${stream} F ${l}\n`);
  if (last !== '') lines.push(`${ts} ${stream} P ${last}\n`);
  return lines.join('');
}

export function logFileFor(logsDir: string, key: string, container?: string): string {
  if (!KEY_RE.test(key)) throw new Error(`pod log key ${JSON.stringify(key)} must match ${KEY_RE}`);
  if (container !== undefined && !KEY_RE.test(container)) throw new Error(`bad container name ${JSON.stringify(container)}`);
  return join(logsDir, container === undefined ? `${key}.log` : `${key}.${container}.log`);
}

export function jobLogKey(namespace: string, job: string): string {
  return `job.${namespace}.${job}`;
}

/** Writes (replaces atomically) the log served for `key` (optionally one container only). */
export function writeLogFile(logsDir: string, key: string, content: string, container?: string): string {
  const file = logFileFor(logsDir, key, container);
  mkdirSync(logsDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, criLog(content));
  renameSync(tmp, file);
  return file;
}

function keyOf(pod: k8s.V1Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  const explicit = labels[LOG_LABEL];
  if (explicit && KEY_RE.test(explicit)) return explicit;
  const job = labels[JOB_NAME_LABEL];
  if (job && pod.metadata?.namespace) return jobLogKey(pod.metadata.namespace, job);
  return undefined;
}

export interface PodLogWatcher {
  stop(): void;
  /** errors seen so far (they are also reported through onError) */
  errors: string[];
}

/** Watches pods and creates kwok `Logs` objects for those with a log key. */
export function startPodLogWatcher(kc: k8s.KubeConfig, logsDir: string, onError: (msg: string) => void = () => {}): PodLogWatcher {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const done = new Set<string>(); // pod uids handled
  const errors: string[] = [];
  const report = (msg: string): void => {
    errors.push(msg);
    onError(msg);
  };

  const ensure = async (pod: k8s.V1Pod): Promise<void> => {
    const uid = pod.metadata?.uid;
    const name = pod.metadata?.name;
    const namespace = pod.metadata?.namespace;
    if (!uid || !name || !namespace || done.has(uid) || pod.metadata?.deletionTimestamp) return;
    const key = keyOf(pod);
    if (!key) return;
    done.add(uid);
    const base = logFileFor(logsDir, key);
    if (!existsSync(base)) writeFileSync(base, '', { flag: 'a' });
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    const logs: Array<{ containers?: string[]; logsFile: string }> = [];
    for (const c of containers) {
      const own = logFileFor(logsDir, key, c);
      if (existsSync(own)) logs.push({ containers: [c], logsFile: own });
    }
    logs.push({ logsFile: base });
    const body = {
      apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
      kind: 'Logs',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'kelos-test-cluster' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid }],
      },
      spec: { logs },
    };
    try {
      await custom.createNamespacedCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, namespace, plural: 'logs', body });
    } catch (first) {
      let err = first;
      const code = (err as { code?: number }).code;
      if (code === 409) {
        // a Logs object from an earlier pod of the same name: replace it
        try {
          await custom.deleteNamespacedCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, namespace, plural: 'logs', name });
          await custom.createNamespacedCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, namespace, plural: 'logs', body });
          return;
        } catch (err2) {
          err = err2;
        }
      }
      if ((err as { code?: number }).code === 404 || (err as { code?: number }).code === 403) return; // namespace going away
      done.delete(uid);
      report(`pod-logs: creating Logs for ${namespace}/${name}: ${(err as Error).message}`);
    }
  };

  const informer = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  let stopped = false;
  informer.on('add', (pod) => void ensure(pod));
  informer.on('update', (pod) => void ensure(pod));
  informer.on('delete', (pod) => {
    if (pod.metadata?.uid) done.delete(pod.metadata.uid);
  });
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    report(`pod-logs: watch error, restarting: ${(err as Error)?.message ?? String(err)}`);
    setTimeout(() => {
      if (!stopped) informer.start().catch((e: Error) => report(`pod-logs: restart failed: ${e.message}`));
    }, 1000);
  });
  informer.start().catch((e: Error) => report(`pod-logs: start failed: ${e.message}`));
  return {
    errors,
    stop() {
      stopped = true;
      void informer.stop();
    },
  };
}
