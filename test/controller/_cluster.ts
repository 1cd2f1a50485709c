// Helpers shared by the controller's *.cluster.test.ts files.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { beforeEach } from 'vitest';
import type { Task, TaskSpec } from '../../lib/api/task.js';
import { Controller, type ControllerOptions } from '../../lib/controller/controller-manager.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { installKelosCrds } from '../cluster/crds.js';
import { kubeconfigPath, waitFor } from '../cluster/harness.js';

export { waitFor };

/** A client of the test cluster with the kelos CRDs installed and established. */
export async function clusterClient(): Promise<KubeClient> {
  await installKelosCrds();
  return KubeClient.fromKubeconfig(kubeconfigPath());
}

/** A debug-level logger writing to a file of its own under the temp dir. */
export function testLogger(name: string): { logger: Logger; file: string } {
  const dir = join(tmpdir(), 'kelos-controller-tests');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}-${Date.now()}.log`);
  return { logger: pino({ base: undefined, messageKey: 'msg', level: 'debug' }, createWriteStream(file)), file };
}

const logFiles = new WeakMap<Controller, string>();

/**
 * When a test of this file fails, prints what the controller was doing: its
 * informers (lists, watches, last event), its queue, its warnings and the
 * end of its log, so a failure in CI can be understood from the output alone.
 */
export function explainFailures(controller: () => Controller | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      const c = controller();
      if (!c) return;
      const file = logFiles.get(c);
      let lines: string[] = [];
      try {
        lines = file ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
      } catch {
        /* no log yet */
      }
      const warnings = lines.filter((l) => /"level":(40|50|60)/.test(l)).slice(-10);
      console.error(
        [
          `controller queue: ${c.queueLength} keys; informers:`,
          ...c.informerStats().map((s) => `  ${JSON.stringify(s)}`),
          `last warnings and errors (${file}):`,
          ...warnings.map((l) => `  ${l.slice(0, 400)}`),
          'last lines:',
          ...lines.slice(-12).map((l) => `  ${l.slice(0, 400)}`),
        ].join('\n'),
      );
    });
  });
}

/** An in-process controller watching one namespace, without fixed ports. */
export async function startController(namespace: string, extra: Partial<ControllerOptions> = {}): Promise<Controller> {
  const { logger, file } = testLogger(namespace);
  const controller = await Controller.start({
    client: await clusterClient(),
    namespace,
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    logger,
    workers: 8,
    ...extra,
  });
  if (!extra.logger) logFiles.set(controller, file);
  return controller;
}

export function taskObject(namespace: string, name: string, spec: Partial<TaskSpec> = {}): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace },
    spec: {
      type: 'claude-code',
      prompt: `Work on ${name}`,
      credentials: { type: 'api-key', secretRef: { name: 'anthropic-api-key' } },
      ...spec,
    },
  };
}

export async function getTask(client: KubeClient, namespace: string, name: string): Promise<Task | undefined> {
  return client.get<Task>(resourcePath(Resources.tasks, { namespace, name }));
}

export async function getJob(client: KubeClient, namespace: string, name: string): Promise<V1Job | undefined> {
  return client.get<V1Job>(resourcePath(Resources.jobs, { namespace, name }));
}

export async function waitForPhase(client: KubeClient, namespace: string, name: string, phases: string[], timeoutMs = 90_000): Promise<Task> {
  return waitFor(
    `Task ${namespace}/${name} in ${phases.join('|')}`,
    async () => {
      const t = await getTask(client, namespace, name);
      return t && phases.includes(t.status?.phase ?? '') ? t : undefined;
    },
    timeoutMs,
  );
}

/** `kelos controller` as a child process (for SIGKILL and leader election). */
export function spawnController(args: string[], logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'kelos.mjs'), 'controller', ...args], {
    env: { ...process.env, KELOS_FROM_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  return child;
}

export function logLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Records every Job ever created in a namespace (name → uids), from a watch that starts before the Tasks. */
export class JobWitness {
  readonly uids = new Map<string, Set<string>>();
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(client: KubeClient, namespace: string) {
    const path = resourcePath(Resources.jobs, { namespace });
    this.done = (async () => {
      let rv = '0';
      while (!this.abort.signal.aborted) {
        try {
          await client.watch<V1Job>(
            path,
            { resourceVersion: rv, timeoutSeconds: 60 },
            (e) => {
              const m = e.object.metadata!;
              if (m.resourceVersion) rv = m.resourceVersion;
              if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') {
                let s = this.uids.get(m.name!);
                if (!s) this.uids.set(m.name!, (s = new Set()));
                s.add(m.uid!);
              }
            },
            this.abort.signal,
          );
        } catch {
          rv = '0'; // relist-like restart: existing Jobs come again as ADDED
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
