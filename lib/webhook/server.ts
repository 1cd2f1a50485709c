import * as http from 'node:http';
import { type Logger, pino } from 'pino';
import { API_VERSION, Kind, type Task, type TaskSpawner } from '../api/index.js';
import { Informer } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { isAlreadyExists, isConflict, isInvalid, KubeError } from '../kube/kube-error.js';
import { objectPath, Resources, resourcePath } from '../kube/resource-path.js';
import type { GenericRouteConfig } from './config.js';
import { resolveContext } from './context.js';
import { BUILTIN_ROUTES, type DeliveryPlan, type PlannedTask, planDelivery, type Route, routeName } from './delivery.js';
import type { WebhookMetrics } from './metrics.js';
import { WebhookReporting, type WebhookReportingOptions } from './reporting.js';
import { SecretMissingError, SecretStore, SLACK_SIGNING_SECRET_KEY, WEBHOOK_SECRET_KEY } from './secrets.js';
import { WebhookAnnotation } from './task.js';

export type { GenericRouteConfig } from './config.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Deliveries handled at once; more wait, unread, so memory stays bounded. */
export const DEFAULT_MAX_IN_FLIGHT = 64;

export interface WebhookServerConfig {
  /** The namespace served: its TaskSpawners, its Secrets, its Tasks. */
  readonly namespace: string;
  /** Secret with the GitHub webhook secret (WEBHOOK_SECRET). @default - /webhook/github is not served */
  readonly github?: { readonly secretName: string };
  /** Secret with the Linear webhook signing secret (WEBHOOK_SECRET). @default - /webhook/linear is not served */
  readonly linear?: { readonly secretName: string };
  /** Secret with the Slack signing secret (SLACK_SIGNING_SECRET or WEBHOOK_SECRET). @default - /webhook/slack is not served */
  readonly slack?: { readonly secretName: string; readonly botUserId?: string };
  /** Generic sources by name (`/webhook/<name>`). @default - none */
  readonly generic?: ReadonlyMap<string, GenericRouteConfig>;
  /** Larger bodies are answered 413. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** @default DEFAULT_MAX_IN_FLIGHT */
  readonly maxInFlight?: number;
  /** How long a Secret read is used before it is read again. @default 60 s */
  readonly secretTtlMs?: number;
  /** The cap on a context source's timeoutSeconds. @default WEBHOOK_CONTEXT_TIMEOUT_SECONDS (5) */
  readonly contextTimeoutSeconds?: number;
}

export interface WebhookServerOptions extends WebhookServerConfig {
  readonly client: KubeClient;
  readonly log?: Logger;
  readonly metrics?: WebhookMetrics;
  /** @default Date.now */
  readonly now?: () => number;
  /** Periodic list of the TaskSpawner cache (see Informer). @default 600_000 */
  readonly relistIntervalMs?: number;
  /**
   * Report the Tasks of githubWebhook spawners with `reporting` back to GitHub
   * (runReporting; the Role must allow it, see webhookServerRules). @default - no reporting
   */
  readonly reporting?: Pick<WebhookReportingOptions, 'githubApiBaseUrl' | 'github' | 'backoff' | 'intervalMs'>;
}

/** What became of one planned Task. */
type Outcome = { readonly name: string } & (
  | { readonly result: 'created' | 'duplicate' }
  | { readonly result: 'replay'; readonly message: string }
  | { readonly result: 'invalid' | 'unavailable' | 'limit'; readonly message: string }
);

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

class BodyTooLarge extends Error {}

/**
 * The webhook server of one namespace: it verifies each delivery, decides
 * with `planDelivery`, and answers 2xx only once every Task the delivery
 * becomes exists in the apiserver — created now or by an earlier delivery of
 * the same identity (409 AlreadyExists is success), so a redelivery, or the
 * same delivery at two replicas, makes one Task. When a Task cannot be made
 * durable (the apiserver is unreachable or refuses for now) it answers 503
 * so the sender retries; when it never can (the template fails on this
 * delivery, the object is invalid) it answers 422, naming the spawners.
 * A spawner's contextSources are fetched before its Task is built; one with
 * failurePolicy Fail that fails is answered 503 like an unreachable
 * apiserver (the source may answer on the retry), each source's timeout
 * capped so the answer comes within a sender's deadline (GitHub: 10 s).
 */
export class WebhookServer {
  readonly log: Logger;
  private readonly spawners: Informer<TaskSpawner>;
  private readonly secrets: SecretStore;
  private readonly now: () => number;
  private readonly maxBodyBytes: number;
  private readonly gate: Semaphore;
  private synced = false;
  private stopping = false;
  private inFlight = 0;
  private readonly idle: Array<() => void> = [];
  /** Set when the server reports its GitHub Tasks (options.reporting). */
  readonly reporting?: WebhookReporting;

  constructor(private readonly o: WebhookServerOptions) {
    this.log = (o.log ?? pino({ name: 'kelos-webhook-server' })).child({ namespace: o.namespace });
    this.now = o.now ?? Date.now;
    this.maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.gate = new Semaphore(o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.secrets = new SecretStore(o.client, o.namespace, o.secretTtlMs, this.now);
    this.spawners = new Informer<TaskSpawner>(o.client, {
      path: resourcePath(Resources.taskSpawners, { namespace: o.namespace }),
      logger: this.log,
      ...(o.relistIntervalMs !== undefined ? { relistIntervalMs: o.relistIntervalMs } : {}),
    });
    if (o.reporting) {
      this.reporting = new WebhookReporting({
        ...o.reporting,
        client: o.client,
        namespace: o.namespace,
        log: this.log.child({ component: 'reporting' }),
        spawners: () => this.spawners.namespace(o.namespace).values(),
        secrets: this.secrets,
        now: this.now,
      });
    }
  }

  /** Starts the TaskSpawner cache; resolves once it has listed. */
  async start(): Promise<void> {
    this.spawners.start();
    await this.spawners.synced();
    this.synced = true;
  }

  stop(): void {
    this.spawners.stop();
  }

  /** Ready once the TaskSpawners are known (a delivery before that could miss its spawner), until draining starts. */
  get ready(): boolean {
    return this.synced && !this.stopping;
  }

  /**
   * Stops being ready (the Service stops sending deliveries here) and
   * resolves once the deliveries being handled are answered, or after
   * `timeoutMs`: a stopping pod answers what it took.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** The routes served, for logs: github, linear, slack and the generic sources. */
  routes(): string[] {
    return [...(this.o.github ? ['github'] : []), ...(this.o.linear ? ['linear'] : []), ...(this.o.slack ? ['slack'] : []), ...(this.o.generic?.keys() ?? [])];
  }

  /** An http.Server answering POST /webhook/<route>. */
  httpServer(): http.Server {
    const server = http.createServer((req, res) => void this.handle(req, res));
    // Idle keep-alive connections outlive a load balancer's (60 s), so a proxy never reuses one the server is closing.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 120_000;
    return server;
  }

  private route(path: string): Route | undefined {
    const m = /^\/webhook\/([a-z0-9]([a-z0-9-]*[a-z0-9])?)\/?$/.exec(path);
    if (!m) return undefined;
    const name = m[1]!;
    if ((BUILTIN_ROUTES as readonly string[]).includes(name)) {
      const kind = name as (typeof BUILTIN_ROUTES)[number];
      return this.o[kind] ? { kind } : undefined;
    }
    return this.o.generic?.has(name) ? { kind: 'generic', source: name } : undefined;
  }

  private secretOf(route: Route): { name: string; keys: string[] } {
    switch (route.kind) {
      case 'github':
        return { name: this.o.github!.secretName, keys: [WEBHOOK_SECRET_KEY] };
      case 'linear':
        return { name: this.o.linear!.secretName, keys: [WEBHOOK_SECRET_KEY] };
      case 'slack':
        return { name: this.o.slack!.secretName, keys: [SLACK_SIGNING_SECRET_KEY, WEBHOOK_SECRET_KEY] };
      case 'generic':
        return { name: this.o.generic!.get(route.source)!.secretName, keys: [WEBHOOK_SECRET_KEY] };
    }
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) throw new BodyTooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > this.maxBodyBytes) throw new BodyTooLarge();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.serve(req, res);
    } finally {
      if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.route(path);
    const reply = (status: number, body: Record<string, unknown>, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'Content-Type': 'application/json', ...extra });
      res.end(JSON.stringify(body));
      this.o.metrics?.delivery(route ? routeName(route) : 'unknown', status);
    };
    if (!route) {
      req.resume();
      return reply(404, {
        error: `no webhook route ${path.slice(0, 100)}: this server serves ${
          this.routes()
            .map((r) => `/webhook/${r}`)
            .join(', ') || 'none'
        }`,
      });
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(405, { error: 'only POST is accepted' }, { Allow: 'POST' });
    }
    const release = await this.gate.acquire();
    try {
      let body: Buffer;
      try {
        body = await this.readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          reply(413, { error: `the body is larger than ${this.maxBodyBytes} bytes` }, { Connection: 'close' });
          req.destroy();
          return;
        }
        throw err;
      }
      const received = performance.now();
      const status = await this.deliver(route, req.headers, body, reply);
      this.log.debug({ route: routeName(route), status, ms: Math.round(performance.now() - received) }, 'Answered delivery');
    } catch (err) {
      this.log.error({ route: routeName(route), err: (err as Error).message }, 'Delivery failed');
      reply(500, { error: 'internal error' });
    } finally {
      release();
    }
  }

  private async deliver(
    route: Route,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
    reply: (status: number, body: Record<string, unknown>) => void,
  ): Promise<number> {
    const name = routeName(route);
    if (!this.synced) {
      reply(503, { error: 'the server is starting: its TaskSpawners are not listed yet' });
      return 503;
    }
    const { name: secretName, keys } = this.secretOf(route);
    const plan = async (maxAgeMs?: number): Promise<DeliveryPlan> => {
      const secret = await this.secrets.value(secretName, keys, maxAgeMs);
      return planDelivery({
        route,
        headers,
        body,
        secret,
        now: this.now(),
        spawners: this.spawners.namespace(this.o.namespace).values(),
        ...(route.kind === 'generic' ? { genericAuth: this.o.generic!.get(route.source)!.auth } : {}),
        ...(route.kind === 'slack' && this.o.slack?.botUserId ? { slackBotUserId: this.o.slack.botUserId } : {}),
      });
    };
    let decision: DeliveryPlan;
    try {
      decision = await plan();
      // A secret rotated since it was read: read it again, at most every 10 s.
      if (decision.kind === 'refused' && decision.status === 401 && this.now() - (this.secrets.readAt(secretName) ?? 0) > 10_000) decision = await plan(0);
    } catch (err) {
      const missing = err instanceof SecretMissingError;
      this.log.error({ route: name, secret: secretName, err: (err as Error).message }, missing ? 'Webhook secret missing' : 'Webhook secret unreadable');
      reply(503, { error: `the ${name} webhook secret cannot be read` });
      return 503;
    }

    if (decision.kind === 'refused') {
      this.log.info({ route: name, status: decision.status, reason: decision.reason }, 'Refused delivery');
      reply(decision.status, { error: decision.reason });
      return decision.status;
    }
    if (decision.kind === 'challenge') {
      reply(200, { challenge: decision.challenge });
      return 200;
    }
    const started = performance.now();
    const context = await resolveContext(decision.contextual, {
      // Only the Secrets the Role names are readable: the contextSources' headersFrom of the namespace's spawners.
      readSecret: (secret, key) => this.secrets.value(secret, [key]),
      onIgnored: (source, error) => this.log.warn({ route: name, delivery: decision.deliveryId, source, error }, 'Ignored a context source that failed'),
      ...(this.o.contextTimeoutSeconds !== undefined ? { maxTimeoutSeconds: this.o.contextTimeoutSeconds } : {}),
    });
    for (const u of context.unavailable) this.log.warn({ route: name, delivery: decision.deliveryId, task: u.name, err: u.error }, 'A context source failed');
    const failures = [...decision.failures, ...context.failures];
    const outcomes: Outcome[] = [
      ...(await Promise.all([...decision.creates, ...context.creates].map((p) => this.create(p, decision.deliveryId)))),
      ...context.unavailable.map((u) => ({ name: u.name, result: 'unavailable' as const, message: u.message })),
    ];
    for (const o of outcomes) this.o.metrics?.task(name, o.result === 'replay' ? 'duplicate' : o.result);
    for (const f of failures) {
      this.o.metrics?.task(name, 'invalid');
      this.log.warn({ route: name, delivery: decision.deliveryId, err: f }, 'Delivery matched a TaskSpawner but its Task cannot be built');
    }
    const tasks = outcomes.filter((o) => o.result === 'created' || o.result === 'duplicate').map((o) => ({ name: o.name, created: o.result === 'created' }));
    const errors = [...failures, ...outcomes.flatMap((o) => ('message' in o ? [o.message] : []))];
    const seconds = (performance.now() - started) / 1000;
    let status = 200;
    if (outcomes.some((o) => o.result === 'unavailable')) status = 503;
    else if (outcomes.length > 0 && outcomes.every((o) => o.result === 'replay')) status = 403;
    else if (failures.length > 0 || outcomes.some((o) => o.result === 'invalid')) status = 422;
    for (const o of outcomes) {
      if (o.result === 'created') this.log.info({ route: name, delivery: decision.deliveryId, task: o.name }, 'Created Task');
      else if ('message' in o)
        this.log.warn({ route: name, delivery: decision.deliveryId, task: o.name, result: o.result, err: o.message }, 'Task not created');
    }
    reply(status, {
      tasks,
      ...(errors.length ? { errors } : {}),
      ...(decision.ignored ? { ignored: decision.ignored } : {}),
    });
    this.o.metrics?.latency(name, seconds);
    return status;
  }

  /** Makes one planned Task exist: create it, or find it made already by this delivery. */
  private async create(p: PlannedTask, deliveryId: string): Promise<Outcome> {
    const name = p.task.metadata.name!;
    const taskPath = objectPath(p.task);
    try {
      const max = p.spawner.spec.maxTotalTasks ?? 0;
      if (max > 0) {
        const existing = await this.o.client.get<Task>(taskPath);
        if (existing) return this.existing(name, existing, deliveryId);
        const reserved = await this.reserve(p.spawner, max);
        if (!reserved) return { name, result: 'limit', message: `TaskSpawner ${p.spawner.metadata.name}: maxTotalTasks (${max}) reached` };
      }
      await this.o.client.create(p.task);
      return { name, result: 'created' };
    } catch (err) {
      if (isAlreadyExists(err)) {
        try {
          const existing = await this.o.client.get<Task>(taskPath);
          return existing ? this.existing(name, existing, deliveryId) : { name, result: 'unavailable', message: `Task ${name} was being deleted; retry` };
        } catch (e) {
          return { name, result: 'unavailable', message: `Task ${name}: ${(e as Error).message}` };
        }
      }
      if (isInvalid(err) || (err instanceof KubeError && err.statusCode === 400)) {
        return { name, result: 'invalid', message: `TaskSpawner ${p.spawner.metadata.name}: the apiserver refused Task ${name}: ${(err as Error).message}` };
      }
      return { name, result: 'unavailable', message: `Task ${name} could not be created: ${(err as Error).message}` };
    }
  }

  /** A Task of that name exists: the same delivery again is a duplicate; the same body under another delivery id is a replay. */
  private existing(name: string, task: Task, deliveryId: string): Outcome {
    const recorded = task.metadata.annotations?.[WebhookAnnotation.DELIVERY];
    const source = task.metadata.annotations?.[WebhookAnnotation.SOURCE];
    if (source === 'github' && deliveryId && recorded && recorded !== deliveryId) {
      return { name, result: 'replay', message: `this payload was delivered before as ${recorded}` };
    }
    return { name, result: 'duplicate' };
  }

  /**
   * Counts a Task about to be created in the spawner's status.totalTasksCreated,
   * under optimistic concurrency so replicas never both take the last slot.
   * False when the cap is reached. A create that then fails leaves the slot
   * counted: the cap is never exceeded.
   */
  private async reserve(spawner: TaskSpawner, max: number): Promise<boolean> {
    const path = resourcePath(Resources.taskSpawners, { namespace: spawner.metadata.namespace!, name: spawner.metadata.name! });
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.o.client.get<TaskSpawner>(path);
      if (!current) throw new KubeError(404, 'NotFound', `TaskSpawner ${spawner.metadata.name} is gone`);
      const total = current.status?.totalTasksCreated ?? 0;
      if (total >= max) return false;
      try {
        await this.o.client.mergePatch(objectPath({ apiVersion: API_VERSION, kind: Kind.TASK_SPAWNER, metadata: current.metadata }, 'status'), {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          status: { totalTasksCreated: total + 1 },
        });
        return true;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`TaskSpawner ${spawner.metadata.name}: status kept changing; retry`);
  }
}
