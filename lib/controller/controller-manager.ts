import * as http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import type { AgentConfig } from '../api/agent-config.js';
import { Label, LabelValue } from '../api/constants.js';
import type { Task } from '../api/task.js';
import type { TaskSpawner } from '../api/task-spawner.js';
import type { Workspace } from '../api/workspace.js';
import type { AgentTypeName } from '../api/constants.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer, stripObject } from '../kube/informer.js';
import { KubeClient } from '../kube/kube-client.js';
import { LeaderElector } from '../kube/leader-election.js';
import { resourcePath, Resources, type ResourceType } from '../kube/resource-path.js';
import { WorkQueue } from '../kube/work-queue.js';
import { branchLockKey } from './branch-lock.js';
import { ControllerMetrics } from './controller-metrics.js';
import { GitHubAppTokens } from './github-app-tokens.js';
import { SpawnerReconciler } from './spawner-reconciler.js';
import { TaskReconciler, type ReconcileResult } from './task-reconciler.js';
import { isDeleting, isTerminalPhase } from '../api/task-phase.js';
import { slimJob, slimPod } from './_transforms.js';

export interface ControllerOptions {
  /** A kubeconfig file. @default - $KUBECONFIG, ~/.kube/config, or the in-cluster service account */
  readonly kubeconfig?: string;
  /** An already configured client (tests, benchmarks). Wins over `kubeconfig`. */
  readonly client?: KubeClient;
  /** Watch only this namespace. @default - all namespaces */
  readonly namespace?: string;
  /** `[host]:port` of /metrics; empty or "0" turns it off. @default :8080 */
  readonly metricsAddr?: string;
  /** `[host]:port` of /healthz and /readyz; empty or "0" turns it off. @default :8081 */
  readonly healthAddr?: string;
  /** @default false */
  readonly leaderElect?: boolean;
  /** @default kelos-system */
  readonly leaderElectionNamespace?: string;
  /** @default kelos-controller */
  readonly leaderElectionId?: string;
  /** @default - $POD_NAME or the host name, plus a random suffix */
  readonly identity?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Agent image per type. @default - the published Kelos agent images */
  readonly agentImages?: Partial<Record<AgentTypeName, string>>;
  readonly gitImage?: string;
  readonly skillsImage?: string;
  /** Image of spawner workloads of TaskSpawners applied as YAML. @default - the kelos runtime image */
  readonly spawnerImage?: string;
  /** GitHub REST base URL for App installation tokens. @default - api.github.com, or <host>/api/v3 of the Workspace repo */
  readonly githubApiBaseUrl?: string;
  /** Concurrent reconciles. @default 32 */
  readonly workers?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

const TASK = 'task';
const SPAWNER = 'spawner';

/** `:8080` → { port 8080 }, `127.0.0.1:0` → an ephemeral port on loopback. */
function parseAddr(addr: string | undefined, fallback: string): { host?: string; port: number } | undefined {
  const a = addr ?? fallback;
  if (a === '' || a === '0') return undefined;
  const i = a.lastIndexOf(':');
  const host = i > 0 ? a.slice(0, i) : undefined;
  const port = Number(a.slice(i + 1));
  if (!Number.isInteger(port) || port < 0) throw new Error(`invalid address "${a}": expected [host]:port`);
  return { ...(host ? { host } : {}), port };
}

export function createLogger(): Logger {
  return pino({
    base: undefined,
    messageKey: 'msg',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/**
 * `kelos controller`: informers for Tasks, Jobs, Pods, Workspaces,
 * AgentConfigs and TaskSpawners feeding one keyed work queue; workers that
 * reconcile only while this replica leads (when leader election is on);
 * /healthz, /readyz and /metrics; a graceful stop.
 */
export class Controller {
  readonly metrics = new ControllerMetrics();
  readonly identity: string;
  private readonly logger: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 120_000 });
  private readonly stopSignal = new AbortController();
  private readonly servers: http.Server[] = [];
  private readonly informers: Informer<any>[] = [];
  private client!: KubeClient;
  private ownsClient = false;
  private elector?: LeaderElector;
  private recorder!: EventRecorder;
  private taskReconciler!: TaskReconciler;
  private spawnerReconciler!: SpawnerReconciler;
  private workers: Promise<void>[] = [];
  private synced = false;
  private leading = false;
  private stopping?: Promise<void>;
  private doneResolve!: (reason: 'stopped' | 'lost-leadership') => void;
  /** Resolves when the controller stopped: asked to, or because it lost leadership. */
  readonly done: Promise<'stopped' | 'lost-leadership'> = new Promise((r) => (this.doneResolve = r));
  /** Bound addresses of the servers (ports resolved). */
  metricsAddress?: AddressInfo;
  healthAddress?: AddressInfo;

  // Indexes for fan-out: who depends on a Task name, who shares a branch lock.
  private readonly dependants = new Map<string, Set<string>>();
  private readonly branchPeers = new Map<string, Set<string>>();

  private constructor(private readonly options: ControllerOptions) {
    this.logger = options.logger ?? createLogger();
    this.identity = options.identity ?? `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  }

  /** Starts the controller; resolves once its caches are synced (and, with leader election, once it campaigns). */
  static async start(options: ControllerOptions = {}): Promise<Controller> {
    const c = new Controller(options);
    await c.run();
    return c;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private async run(): Promise<void> {
    const o = this.options;
    this.client = o.client ?? (await KubeClient.fromKubeconfig(o.kubeconfig));
    this.ownsClient = !o.client;
    this.recorder = new EventRecorder(this.client, 'kelos-controller', this.identity, this.logger);
    await this.startServers();

    const ns = o.namespace;
    const path = (type: ResourceType) => resourcePath(type, ns ? { namespace: ns } : {});
    const selector = `${Label.MANAGED_BY}=${LabelValue.MANAGED_BY},${Label.COMPONENT}=${LabelValue.COMPONENT_TASK}`;
    const logger = this.logger;
    const tasks = new Informer<Task>(this.client, { path: path(Resources.tasks), logger });
    const jobs = new Informer<V1Job>(this.client, { path: path(Resources.jobs), labelSelector: selector, transform: slimJob, logger });
    const pods = new Informer<V1Pod>(this.client, { path: path(Resources.pods), labelSelector: selector, transform: slimPod, logger });
    const workspaces = new Informer<Workspace>(this.client, { path: path(Resources.workspaces), logger });
    const agentConfigs = new Informer<AgentConfig>(this.client, { path: path(Resources.agentConfigs), logger });
    const spawners = new Informer<TaskSpawner>(this.client, { path: path(Resources.taskSpawners), transform: stripObject, logger });
    this.informers.push(tasks, jobs, pods, workspaces, agentConfigs, spawners);

    this.taskReconciler = new TaskReconciler({
      client: this.client,
      tasks,
      jobs,
      pods,
      workspaces,
      agentConfigs,
      recorder: this.recorder,
      metrics: this.metrics,
      logger,
      images: {
        ...(o.agentImages ? { agent: o.agentImages } : {}),
        ...(o.gitImage ? { git: o.gitImage } : {}),
        ...(o.skillsImage ? { skills: o.skillsImage } : {}),
      },
      ...(o.now ? { now: o.now } : {}),
      ...(o.githubApiBaseUrl ? { appTokens: new GitHubAppTokens({ baseUrl: o.githubApiBaseUrl }) } : {}),
    });
    this.spawnerReconciler = new SpawnerReconciler({
      client: this.client,
      spawners,
      workspaces,
      logger,
      ...(o.spawnerImage ? { spawnerImage: o.spawnerImage } : {}),
    });

    const key = (kind: string, obj: { metadata?: { namespace?: string; name?: string } }) =>
      `${kind}:${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const enqueue = (k: string) => {
      this.queue.add(k);
      this.metrics.queueDepth.set(this.queue.length);
    };

    const onTask = (t: Task, old?: Task) => {
      this.index(t, old);
      enqueue(key(TASK, t));
      const moved =
        !old ||
        old.status?.phase !== t.status?.phase ||
        old.status?.jobName !== t.status?.jobName ||
        isDeleting(old) !== isDeleting(t) ||
        JSON.stringify(old.status?.results) !== JSON.stringify(t.status?.results);
      if (moved) this.fanOut(t, enqueue);
    };
    tasks.on('add', (t) => onTask(t));
    tasks.on('update', (t, old) => onTask(t, old));
    tasks.on('delete', (t) => {
      this.unindex(t);
      enqueue(key(TASK, t));
      this.fanOut(t, enqueue);
    });
    const ownerTask = (obj: { metadata?: { namespace?: string; ownerReferences?: Array<{ kind: string; name: string }> } }, kind: string) => {
      const ref = obj.metadata?.ownerReferences?.find((r) => r.kind === kind);
      if (ref) enqueue(`${TASK}:${obj.metadata?.namespace ?? ''}/${ref.name}`);
    };
    for (const ev of ['add', 'update', 'delete'] as const) {
      jobs.on(ev, (j) => ownerTask(j, 'Task'));
      // A Job's Pods: the Job has the Task's name.
      pods.on(ev, (p) => ownerTask(p, 'Job'));
      spawners.on(ev, (s) => enqueue(key(SPAWNER, s)));
    }
    const onReference = (field: 'workspace' | 'agentConfig') => (obj: Workspace | AgentConfig) => {
      const ns = obj.metadata.namespace;
      const name = obj.metadata.name;
      for (const t of tasks.namespace(ns).values()) {
        if (isTerminalPhase(t.status?.phase) || t.status?.jobName) continue;
        const refs =
          field === 'workspace'
            ? [t.spec.workspaceRef?.name]
            : [t.spec.agentConfigRef?.name, ...(t.spec.agentConfigRefs ?? []).map((r) => r.name)];
        if (refs.includes(name)) enqueue(key(TASK, t));
      }
      if (field === 'workspace') {
        for (const s of spawners.namespace(ns).values()) {
          if (s.spec.taskTemplate.workspaceRef?.name === name) enqueue(key(SPAWNER, s));
        }
      }
    };
    for (const ev of ['add', 'update'] as const) {
      workspaces.on(ev, onReference('workspace'));
      agentConfigs.on(ev, onReference('agentConfig'));
    }

    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((i) => i.synced()));
    this.synced = true;
    logger.info({ namespace: ns ?? '', tasks: tasks.size, jobs: jobs.size, pods: pods.size }, 'Synced caches');

    if (o.leaderElect) {
      this.elector = new LeaderElector(this.client, {
        namespace: o.leaderElectionNamespace ?? 'kelos-system',
        name: o.leaderElectionId ?? 'kelos-controller',
        identity: this.identity,
        logger,
        ...(o.leaseDurationMs ? { leaseDurationMs: o.leaseDurationMs } : {}),
        ...(o.renewDeadlineMs ? { renewDeadlineMs: o.renewDeadlineMs } : {}),
        ...(o.retryPeriodMs ? { retryPeriodMs: o.retryPeriodMs } : {}),
      });
      void this.campaign(this.elector);
    } else {
      this.lead();
    }
  }

  private async campaign(elector: LeaderElector): Promise<void> {
    const signal = this.stopSignal.signal;
    if (!(await elector.acquire(signal))) return;
    this.lead();
    const outcome = await elector.hold(signal);
    if (outcome === 'lost') {
      // A replica that lost the lease may be behind the new leader: stop at once (the process restarts).
      this.leading = false;
      this.metrics.leader.set(0);
      await this.stop('lost-leadership');
    }
  }

  private lead(): void {
    this.leading = true;
    this.metrics.leader.set(1);
    const n = this.options.workers ?? 32;
    for (let i = 0; i < n; i++) this.workers.push(this.worker());
  }

  private async worker(): Promise<void> {
    for (;;) {
      const k = await this.queue.get();
      if (k === undefined) return;
      this.metrics.queueDepth.set(this.queue.length);
      const [kind, rest] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      const slash = rest.indexOf('/');
      const ns = rest.slice(0, slash);
      const name = rest.slice(slash + 1);
      try {
        let result: ReconcileResult;
        if (!this.leading) result = {};
        else if (kind === TASK) result = await this.taskReconciler.reconcile(ns, name);
        else result = await this.spawnerReconciler.reconcile(ns, name);
        this.queue.forget(k);
        if (result.requeueAfter !== undefined) this.queue.addAfter(k, result.requeueAfter);
      } catch (err) {
        this.metrics.reconcileErrors.inc({ controller: kind });
        const delay = this.queue.addRateLimited(k);
        this.logger.error({ [kind === TASK ? 'task' : 'taskSpawner']: rest, err: (err as Error).message, retryInMs: delay }, 'Reconcile failed');
      } finally {
        this.queue.done(k);
      }
    }
  }

  private index(t: Task, old?: Task): void {
    if (old) this.unindex(old);
    const ns = t.metadata.namespace ?? '';
    for (const dep of t.spec.dependsOn ?? []) addTo(this.dependants, `${ns}/${dep}`, t.metadata.name!);
    const lock = branchLockKey(t);
    if (lock) addTo(this.branchPeers, lock, t.metadata.name!);
  }

  private unindex(t: Task): void {
    const ns = t.metadata.namespace ?? '';
    for (const dep of t.spec.dependsOn ?? []) removeFrom(this.dependants, `${ns}/${dep}`, t.metadata.name!);
    const lock = branchLockKey(t);
    if (lock) removeFrom(this.branchPeers, lock, t.metadata.name!);
  }

  /** A Task moved: its dependants and the Tasks queued on its branch may move too. */
  private fanOut(t: Task, enqueue: (k: string) => void): void {
    const ns = t.metadata.namespace ?? '';
    for (const n of this.dependants.get(`${ns}/${t.metadata.name}`) ?? []) enqueue(`${TASK}:${ns}/${n}`);
    const lock = branchLockKey(t);
    if (lock) {
      for (const n of this.branchPeers.get(lock) ?? []) if (n !== t.metadata.name) enqueue(`${TASK}:${ns}/${n}`);
    }
  }

  private async startServers(): Promise<void> {
    const listen = async (server: http.Server, addr: { host?: string; port: number }): Promise<AddressInfo> => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(addr.port, addr.host, () => resolve());
      });
      this.servers.push(server);
      return server.address() as AddressInfo;
    };
    const metricsAddr = parseAddr(this.options.metricsAddr, ':8080');
    if (metricsAddr) {
      const server = http.createServer((req, res) => {
        if (req.url?.split('?')[0] !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        void this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(text),
          (err) => res.writeHead(500).end(String(err)),
        );
      });
      this.metricsAddress = await listen(server, metricsAddr);
    }
    const healthAddr = parseAddr(this.options.healthAddr, ':8081');
    if (healthAddr) {
      const server = http.createServer((req, res) => {
        const path = req.url?.split('?')[0];
        if (path === '/healthz') res.writeHead(200).end('ok');
        else if (path === '/readyz') {
          if (this.synced && !this.stopping) res.writeHead(200).end('ok');
          else res.writeHead(503).end('caches not synced');
        } else res.writeHead(404).end();
      });
      this.healthAddress = await listen(server, healthAddr);
    }
  }

  /** Stops taking work, lets running reconciles finish, gives up the lease, stops watches and servers. */
  stop(reason: 'stopped' | 'lost-leadership' = 'stopped'): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info({ reason }, 'Stop requested');
      this.stopSignal.abort();
      this.queue.shutDown();
      await Promise.all(this.workers);
      this.leading = false;
      await this.elector?.release();
      for (const inf of this.informers) inf.stop();
      await this.recorder?.flush();
      await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      for (const s of this.servers) s.closeAllConnections?.();
      if (this.ownsClient) this.client.close();
      this.logger.info('Stopped');
      this.doneResolve(reason);
    })();
    return this.stopping;
  }
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(value);
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const s = index.get(key);
  if (!s) return;
  s.delete(value);
  if (s.size === 0) index.delete(key);
}


