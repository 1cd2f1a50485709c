import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { type Logger, pino, stdTimeFunctions } from 'pino';
import type { AgentTypeName } from '../api/constants.js';
import { CONTROLLER_NAME, CONTROLLER_NAMESPACE, HEALTH_PORT, METRICS_PORT } from '../api/constants.js';
import { GitHubAppTokens } from '../github/app-tokens.js';
import { closeServers, listen, metricsServer, parseListenAddress } from '../http/endpoints.js';
import { EventRecorder } from '../kube/event-recorder.js';
import type { Cached, CacheReader, InformerStats } from '../kube/informer.js';
import { KubeClient } from '../kube/kube-client.js';
import { LeaderElector } from '../kube/leader-election.js';
import { WorkQueue } from '../kube/work-queue.js';
import { SharedInformers } from './_shared-informers.js';
import { ControllerMetrics } from './controller-metrics.js';
import type { EventHandler, ObjectKey, ReconcileResult, Reconciler, Source } from './reconciler.js';
import { SpawnerReconciler } from './spawner-reconciler.js';
import { TaskReconciler } from './task-reconciler.js';

export interface ControllerOptions {
  /** A kubeconfig file. @default - $KUBECONFIG, ~/.kube/config, or the in-cluster service account */
  readonly kubeconfig?: string;
  /** An already configured client (tests, benchmarks). Wins over `kubeconfig`. */
  readonly client?: KubeClient;
  /** Watch only this namespace. @default - all namespaces */
  readonly namespace?: string;
  /** Watch only these namespaces (a namespaced install), with `namespace`. @default - all namespaces */
  readonly namespaces?: readonly string[];
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
  /** How long a Job may fail to start its Pod before its Task fails. @default 10 minutes */
  readonly jobStartTimeoutMs?: number;
  /** Concurrent reconciles. @default 32 */
  readonly workers?: number;
  /** How often every informer lists again to catch events its watch missed; 0 turns it off. @default 600_000 */
  readonly relistIntervalMs?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** A work item: an object of the kind of the reconciler that owns it. */
interface Request extends ObjectKey {
  readonly kind: string;
}

/** The queue's identity of a request (never parsed back). */
const requestIdentity = (r: Request) => JSON.stringify([r.kind, r.namespace, r.name]);

/** `Task` → `task`, `TaskSpawner` → `taskSpawner`: the log field naming the object of a failed reconcile. */
const logField = (kind: string) => kind.charAt(0).toLowerCase() + kind.slice(1);

export function createLogger(): Logger {
  return pino({
    base: undefined,
    messageKey: 'msg',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/**
 * `kelos controller`, the manager of the Task and TaskSpawner reconcilers:
 * it starts the informers they declare (one per resource, shared), feeds
 * their events into one keyed work queue, and runs workers that hand each
 * key to the reconciler of its kind, only while this replica leads (when
 * leader election is on); /healthz, /readyz and /metrics; a graceful stop.
 */
export class Controller {
  readonly metrics = new ControllerMetrics();
  readonly identity: string;
  private readonly logger: Logger;
  private readonly queue = new WorkQueue<Request>({ baseDelayMs: 100, maxDelayMs: 120_000, identity: requestIdentity });
  private readonly stopSignal = new AbortController();
  private readonly servers: http.Server[] = [];
  private informers?: SharedInformers;
  /** By the kind they reconcile. */
  private readonly reconcilers = new Map<string, Reconciler>();
  private client!: KubeClient;
  private ownsClient = false;
  private elector?: LeaderElector;
  private recorder!: EventRecorder;
  private workers: Promise<void>[] = [];
  private synced = false;
  private active = 0;
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
    return this.informers?.stats() ?? [];
  }

  /** Keys queued and not yet taken by a worker. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Reconciles running now. */
  get reconciling(): number {
    return this.active;
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

    const logger = this.logger;
    this.informers = new SharedInformers(this.client, {
      logger,
      ...(this.watched().length ? { namespaces: this.watched() } : {}),
      ...(o.relistIntervalMs !== undefined ? { relistIntervalMs: o.relistIntervalMs } : {}),
    });
    for (const r of this.kelosReconcilers()) this.register(r, this.informers);
    await this.informers.start();
    this.synced = true;
    logger.info({ namespace: this.watched().join(','), ...this.informers.sizes() }, 'Synced caches');

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

  /** The namespaces watched; none: all. */
  private watched(): string[] {
    const o = this.options;
    return [...new Set([...(o.namespace ? [o.namespace] : []), ...(o.namespaces ?? [])])].sort();
  }

  /** The reconcilers of kelos: Tasks, and TaskSpawners applied as YAML. */
  private kelosReconcilers(): Reconciler[] {
    const o = this.options;
    return [
      new TaskReconciler({
        client: this.client,
        recorder: this.recorder,
        metrics: this.metrics,
        logger: this.logger,
        images: {
          ...(o.agentImages ? { agent: o.agentImages } : {}),
          ...(o.gitImage ? { git: o.gitImage } : {}),
          ...(o.skillsImage ? { skills: o.skillsImage } : {}),
        },
        ...(o.now ? { now: o.now } : {}),
        ...(o.githubApiBaseUrl ? { appTokens: new GitHubAppTokens({ baseUrl: o.githubApiBaseUrl }) } : {}),
        ...(o.jobStartTimeoutMs !== undefined ? { jobStartTimeoutMs: o.jobStartTimeoutMs } : {}),
      }),
      new SpawnerReconciler({
        client: this.client,
        logger: this.logger,
        ...(o.spawnerImage ? { spawnerImage: o.spawnerImage } : {}),
      }),
    ];
  }

  /** Lets `r` declare its watches; their events queue keys of its kind. */
  private register(r: Reconciler, informers: SharedInformers): void {
    if (this.reconcilers.has(r.kind)) throw new Error(`two reconcilers of ${r.kind}`);
    this.reconcilers.set(r.kind, r);
    const enqueue = (keys: Iterable<ObjectKey>) => {
      for (const { namespace, name } of keys) {
        this.queue.add({ kind: r.kind, namespace, name });
        this.metrics.queueDepth.set(this.queue.length);
      }
    };
    r.setupWithManager({
      watch: <T extends Cached>(source: Source<T>, handler?: EventHandler<T>): CacheReader<T> => {
        const informer = informers.informer(source);
        if (handler?.add) informer.on('add', (obj) => enqueue(handler.add!(obj)));
        if (handler?.update) informer.on('update', (obj, old) => enqueue(handler.update!(obj, old!)));
        if (handler?.delete) informer.on('delete', (obj) => enqueue(handler.delete!(obj)));
        return informer;
      },
    });
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
      const req = await this.queue.get();
      if (req === undefined) return;
      this.metrics.queueDepth.set(this.queue.length);
      const r = this.reconcilers.get(req.kind)!;
      this.active++;
      try {
        const result: ReconcileResult = this.leading ? await r.reconcile({ namespace: req.namespace, name: req.name }) : {};
        this.queue.forget(req);
        if (result.requeueAfter !== undefined) this.queue.addAfter(req, result.requeueAfter);
      } catch (err) {
        this.metrics.reconcileErrors.inc({ controller: r.name });
        const delay = this.queue.addRateLimited(req);
        this.logger.error({ [logField(req.kind)]: `${req.namespace}/${req.name}`, err: (err as Error).message, retryInMs: delay }, 'Reconcile failed');
      } finally {
        this.active--;
        this.queue.done(req);
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
      this.informers?.stop();
      await this.recorder?.flush();
      await closeServers(this.servers);
      if (this.ownsClient) this.client.close();
      this.logger.info('Stopped');
      this.doneResolve(reason);
    })();
    return this.stopping;
  }
}
