import * as http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import type { AgentConfig } from '../api/agent-config.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE, HEALTH_PORT, Label, LabelValue, METRICS_PORT } from '../api/constants.js';
import type { Task } from '../api/task.js';
import type { TaskSpawner } from '../api/task-spawner.js';
import type { Workspace } from '../api/workspace.js';
import type { AgentTypeName } from '../api/constants.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer, type InformerStats } from '../kube/informer.js';
import { KubeClient } from '../kube/kube-client.js';
import { LeaderElector } from '../kube/leader-election.js';
import { resourcePath, Resources, type ResourceType } from '../kube/resource-path.js';
import { WorkQueue } from '../kube/work-queue.js';
import { closeServers, listen, metricsServer, parseListenAddress } from '../http/endpoints.js';
import { branchLockKey } from './branch-lock.js';
import { BY_BRANCH, BY_DEPENDENCY, dependencyKey, podIndexes, taskIndexes } from './_indexes.js';
import { ControllerMetrics } from './controller-metrics.js';
import { GitHubAppTokens } from '../github/app-tokens.js';
import { SpawnerReconciler, spawnerChanged } from './spawner-reconciler.js';
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
  /** `[host]:port` of /metrics; empty or "0" turns it off. @default `:${METRICS_PORT}` */
  readonly metricsAddr?: string;
  /** `[host]:port` of /healthz and /readyz; empty or "0" turns it off. @default `:${HEALTH_PORT}` */
  readonly healthAddr?: string;
  /** @default false */
  readonly leaderElect?: boolean;
  /** @default CONTROLLER_NAMESPACE */
  readonly leaderElectionNamespace?: string;
  /** @default CONTROLLER_NAME */
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
  /** How often every informer lists again to catch events its watch missed; 0 turns it off. @default 600_000 */
  readonly relistIntervalMs?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

const TASK = 'task';
const SPAWNER = 'spawner';

/** The work queue key of an object: `<kind>:<namespace>/<name>`. */
function key(kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${kind}:${namespace ?? ''}/${name ?? ''}`;
}

const keyOf = (kind: string, obj: { metadata?: { namespace?: string; name?: string } }) => key(kind, obj.metadata?.namespace, obj.metadata?.name);

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

  private constructor(private readonly options: ControllerOptions) {
    this.logger = options.logger ?? createLogger();
    this.identity = options.identity ?? `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  }

  /** What each informer has done (objects, lists, watches, last event), for diagnosis. */
  informerStats(): InformerStats[] {
    return this.informers.map((i) => i.stats());
  }

  /** Keys queued and not yet taken by a worker. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Starts the controller; resolves once its caches are synced (and, with leader election, once it campaigns). */
  static async start(options: ControllerOptions = {}): Promise<Controller> {
    const c = new Controller(options);
    await c.run();
    return c;
  }

  private async run(): Promise<void> {
    const o = this.options;
    this.client = o.client ?? (await KubeClient.fromKubeconfig(o.kubeconfig));
    this.ownsClient = !o.client;
    this.recorder = new EventRecorder(this.client, CONTROLLER_NAME, this.identity, this.logger);
    await this.startServers();

    const ns = o.namespace;
    const path = (type: ResourceType) => resourcePath(type, ns ? { namespace: ns } : {});
    const selector = `${Label.MANAGED_BY}=${LabelValue.MANAGED_BY},${Label.COMPONENT}=${LabelValue.COMPONENT_TASK}`;
    const logger = this.logger;
    const common = { logger, ...(o.relistIntervalMs !== undefined ? { relistIntervalMs: o.relistIntervalMs } : {}) };
    const tasks = new Informer<Task>(this.client, { path: path(Resources.tasks), indexes: taskIndexes, ...common });
    const jobs = new Informer<V1Job>(this.client, { path: path(Resources.jobs), labelSelector: selector, transform: slimJob, ...common });
    const pods = new Informer<V1Pod>(this.client, { path: path(Resources.pods), labelSelector: selector, transform: slimPod, indexes: podIndexes, ...common });
    const workspaces = new Informer<Workspace>(this.client, { path: path(Resources.workspaces), ...common });
    const agentConfigs = new Informer<AgentConfig>(this.client, { path: path(Resources.agentConfigs), ...common });
    const spawners = new Informer<TaskSpawner>(this.client, { path: path(Resources.taskSpawners), ...common });
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

    const enqueue = (k: string) => {
      this.queue.add(k);
      this.metrics.queueDepth.set(this.queue.length);
    };

    // A Task moved: its dependants and the Tasks queued on its branch may move too.
    const fanOut = (t: Task) => {
      const ns = t.metadata.namespace;
      for (const d of tasks.byIndex(BY_DEPENDENCY, dependencyKey(ns, t.metadata.name!))) enqueue(keyOf(TASK, d));
      const lock = branchLockKey(t);
      if (lock) {
        for (const p of tasks.byIndex(BY_BRANCH, lock)) if (p.metadata.name !== t.metadata.name) enqueue(keyOf(TASK, p));
      }
    };
    const onTask = (t: Task, old?: Task) => {
      enqueue(keyOf(TASK, t));
      const moved =
        !old ||
        old.status?.phase !== t.status?.phase ||
        old.status?.jobName !== t.status?.jobName ||
        isDeleting(old) !== isDeleting(t) ||
        JSON.stringify(old.status?.results) !== JSON.stringify(t.status?.results);
      if (moved) fanOut(t);
    };
    tasks.on('add', (t) => onTask(t));
    tasks.on('update', (t, old) => onTask(t, old));
    tasks.on('delete', (t) => {
      enqueue(keyOf(TASK, t));
      fanOut(t);
    });
    const ownerTask = (obj: { metadata?: { namespace?: string; ownerReferences?: Array<{ kind: string; name: string }> } }, kind: string) => {
      const ref = obj.metadata?.ownerReferences?.find((r) => r.kind === kind);
      if (ref) enqueue(key(TASK, obj.metadata?.namespace, ref.name));
    };
    for (const ev of ['add', 'update', 'delete'] as const) {
      jobs.on(ev, (j) => ownerTask(j, 'Task'));
      // A Job's Pods: the Job has the Task's name.
      pods.on(ev, (p) => ownerTask(p, 'Job'));
    }
    spawners.on('add', (s) => enqueue(keyOf(SPAWNER, s)));
    spawners.on('update', (s, old) => {
      if (spawnerChanged(s, old)) enqueue(keyOf(SPAWNER, s));
    });
    spawners.on('delete', (s) => enqueue(keyOf(SPAWNER, s)));
    const onReference = (field: 'workspace' | 'agentConfig') => (obj: Workspace | AgentConfig) => {
      const ns = obj.metadata.namespace;
      const name = obj.metadata.name;
      for (const t of tasks.namespace(ns).values()) {
        if (isTerminalPhase(t.status?.phase) || t.status?.jobName) continue;
        const refs =
          field === 'workspace'
            ? [t.spec?.workspaceRef?.name]
            : [t.spec?.agentConfigRef?.name, ...(t.spec?.agentConfigRefs ?? []).map((r) => r.name)];
        if (refs.includes(name)) enqueue(keyOf(TASK, t));
      }
      if (field === 'workspace') {
        for (const s of spawners.namespace(ns).values()) {
          if (s.spec?.taskTemplate?.workspaceRef?.name === name) enqueue(keyOf(SPAWNER, s));
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
        namespace: o.leaderElectionNamespace ?? CONTROLLER_NAMESPACE,
        name: o.leaderElectionId ?? CONTROLLER_NAME,
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

  private async startServers(): Promise<void> {
    const metricsAddr = parseListenAddress(this.options.metricsAddr, `:${METRICS_PORT}`);
    if (metricsAddr) {
      const server = metricsServer(this.metrics.registry);
      this.metricsAddress = await listen(server, metricsAddr);
      this.servers.push(server);
    }
    const healthAddr = parseListenAddress(this.options.healthAddr, `:${HEALTH_PORT}`);
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
      this.servers.push(server);
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
      await closeServers(this.servers);
      if (this.ownsClient) this.client.close();
      this.logger.info('Stopped');
      this.doneResolve(reason);
    })();
    return this.stopping;
  }
}
