import type { CoreV1Event, V1Job, V1Namespace, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AgentConfig } from '../api/agent-config.js';
import { API_VERSION, Kind, Reason } from '../api/constants.js';
import type { Task, TaskStatus } from '../api/task.js';
import { isDeleting, isTerminalPhase } from '../api/task-phase.js';
import type { Workspace } from '../api/workspace.js';
import { GitHubAppTokenError, GitHubAppTokens } from '../github/app-tokens.js';
import { appCredentials } from '../github/credentials.js';
import { canonicalJson } from '../kube/canonical-json.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { CacheReader } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { isAlreadyExists, isInvalid, KubeError } from '../kube/kube-error.js';
import { objectPath, Resources, resourcePath } from '../kube/resource-path.js';
import { decodeSecretData } from '../kube/secret-data.js';
import { type AgentPodPolicy, agentPodPolicy, type JobImages, NO_AGENT_POD_POLICY } from '../render/job.js';
import { BY_BRANCH, BY_INVOLVED, BY_OWNER, BY_SPAWNER_GATE } from './_indexes.js';
import { KeyedMutex } from './_keyed-mutex.js';
import { branchLockKey, repoIdentity } from './branch-lock.js';
import type { ControllerMetrics } from './controller-metrics.js';
import { desired, ownedBy, rejected, type TaskDecision, type TaskWorld } from './desired.js';
import { setTaskFinalizer } from './finalizer.js';
import { onEveryEvent } from './handlers.js';
import type { ManagerSetup, ObjectKey, ReconcileResult, Reconciler } from './reconciler.js';
import { spawnerGate } from './spawner-gate.js';
import { eventJob, type IndexedTasks, jobOwner, pendingTasksReferencing, podOwner, TaskSources, taskEvents } from './task-watches.js';

/** When the pass after a Job's creation runs at the latest, should the Job's add event not come. */
const BOOKKEEPING_FALLBACK_MS = 10_000;

interface Written {
  /** Versions of the Task that show nothing newer than our writes. */
  readonly ours: Set<string>;
  /** The newest version our writes produced. */
  last?: string;
  finalizer?: boolean;
  status?: string;
  statusObject?: TaskStatus;
}

export interface TaskReconcilerOptions {
  readonly client: KubeClient;
  readonly recorder: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly images?: JobImages;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Lines of the agent log read for the outputs block. @default 500 */
  readonly logTailLines?: number;
  /** Installation tokens for Workspaces with GitHub App Secrets. @default - api.github.com or <host>/api/v3 */
  readonly appTokens?: GitHubAppTokens;
  /** How long a Job may fail to start its Pod before the Task fails. @default DEFAULT_JOB_START_TIMEOUT_MS */
  readonly jobStartTimeoutMs?: number;
}

/**
 * The I/O shell around `desired` (docs/architecture.md §7): reads the informers (and,
 * on request, Secrets and the agent log), decides, then writes with
 * server-side apply under the one field manager. The Job is created with
 * create-if-absent semantics under the Task's own name, so however often
 * this runs, and whatever kills it, a Task never gets two Jobs.
 */
export class TaskReconciler implements Reconciler {
  readonly kind = Kind.TASK;
  readonly name = 'task';
  private tasks!: CacheReader<Task>;
  private jobs!: CacheReader<V1Job>;
  private pods!: CacheReader<V1Pod>;
  private jobEvents!: CacheReader<CoreV1Event>;
  private workspaces!: CacheReader<Workspace>;
  private agentConfigs!: CacheReader<AgentConfig>;
  /** Jobs this process created that the Job informer does not show yet. */
  private readonly created = new Map<string, V1Job>();
  /** Tasks on one branch decide one at a time, so two never both take the lock. */
  private readonly branchMutex = new KeyedMutex();
  /** Tasks of one spawner gate decide one at a time, so two never take its last slot (gate first, then branch). */
  private readonly gateMutex = new KeyedMutex();
  private readonly now: () => Date;
  private readonly appTokens: GitHubAppTokens;
  /**
   * What this process last wrote per Task, and the resourceVersions its
   * writes started from and produced: while the cache shows one of those,
   * nobody else wrote since, so a write of ours it does not show yet is not
   * repeated (the cache lags our own writes, it does not contradict them).
   */
  private readonly written = new Map<string, Written>();

  constructor(private readonly o: TaskReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
    this.appTokens = o.appTokens ?? new GitHubAppTokens();
  }

  /**
   * Tasks (and, when one moves, its dependants and the Tasks queued on its
   * branch); the Jobs and Pods of Tasks and the Jobs' FailedCreate Events
   * (their Task); Workspaces and AgentConfigs (the Tasks waiting for them).
   */
  setupWithManager(mgr: ManagerSetup): void {
    // Events flow only once the informers start, after this.tasks is set.
    const indexed: IndexedTasks = { byIndex: (index, key) => this.tasks.byIndex(index, key) };
    this.tasks = mgr.watch<Task>(TaskSources.tasks, taskEvents(indexed));
    this.jobs = mgr.watch<V1Job>(TaskSources.jobs, onEveryEvent(jobOwner));
    this.jobs.on('add', (job) => this.created.delete(`${job.metadata?.namespace}/${job.metadata?.name}`));
    this.pods = mgr.watch<V1Pod>(TaskSources.pods, onEveryEvent(podOwner));
    this.jobEvents = mgr.watch<CoreV1Event>(TaskSources.jobEvents, { add: eventJob, update: eventJob });
    const waiting = (field: 'workspace' | 'agentConfig') => (obj: Workspace | AgentConfig) =>
      pendingTasksReferencing(this.tasks.namespace(obj.metadata.namespace).values(), field, obj.metadata.name);
    this.workspaces = mgr.watch<Workspace>(TaskSources.workspaces, { add: waiting('workspace'), update: waiting('workspace') });
    this.agentConfigs = mgr.watch<AgentConfig>(TaskSources.agentConfigs, { add: waiting('agentConfig'), update: waiting('agentConfig') });
  }

  async reconcile({ namespace, name }: ObjectKey): Promise<ReconcileResult> {
    const task = this.tasks.get(namespace, name);
    if (!task) {
      this.created.delete(`${namespace}/${name}`);
      this.written.delete(`${namespace}/${name}`);
      return {};
    }
    // The CRD requires a spec; a Task stored before it did has nothing to run.
    if (!task.spec) return {};
    const waiting = !isDeleting(task) && !isTerminalPhase(task.status?.phase);
    const lock = branchLockKey(task);
    const run = lock && waiting ? () => this.branchMutex.run(lock, () => this.reconcileTask(namespace, name)) : () => this.reconcileTask(namespace, name);
    const gate = waiting ? spawnerGate(task)?.key : undefined;
    return gate ? this.gateMutex.run(gate, run) : run();
  }

  private jobOf(namespace: string, name: string): V1Job | undefined {
    return this.jobs.get(namespace, name) ?? this.created.get(`${namespace}/${name}`);
  }

  private async reconcileTask(namespace: string, name: string): Promise<ReconcileResult> {
    const cached = this.tasks.get(namespace, name);
    if (!cached) return {};
    const key = `${namespace}/${name}`;
    // The cache may not show our last status write yet: decide from it (its times included), not from an older status.
    const mine = this.written.get(key);
    const rv = cached.metadata.resourceVersion;
    const task = mine?.statusObject && rv !== undefined && rv !== mine.last && mine.ours.has(rv) ? { ...cached, status: mine.statusObject } : cached;
    let job = this.jobOf(namespace, name);
    // The cache may lag a Job created by an earlier run of this controller: ask before concluding it is gone.
    if (!job && task.status?.jobName && !isTerminalPhase(task.status.phase) && !isDeleting(task)) {
      job = await this.o.client.get<V1Job>(resourcePath(Resources.jobs, { namespace, name }));
    }
    const tasks = this.tasks.namespace(namespace);
    let world: TaskWorld = {
      tasks,
      ...(job ? { job } : {}),
      hasJob: (n) => !!this.jobOf(namespace, n),
      branchPeers: (lock) => this.tasks.byIndex(BY_BRANCH, lock),
      gatePeers: (gate) => this.tasks.byIndex(BY_SPAWNER_GATE, gate),
      repoOf: (ws) => {
        const repo = this.workspaces.get(namespace, ws)?.spec.repo;
        return repo === undefined ? undefined : repoIdentity(repo);
      },
      pods: job?.metadata?.uid ? this.pods.byIndex(BY_OWNER, job.metadata.uid) : [],
      ...(job?.metadata?.uid ? { jobEvents: this.jobEvents.byIndex(BY_INVOLVED, job.metadata.uid) } : {}),
      ...(this.o.jobStartTimeoutMs !== undefined ? { jobStartTimeoutMs: this.o.jobStartTimeoutMs } : {}),
      ...(task.spec.workspaceRef ? { workspace: this.workspaces.get(namespace, task.spec.workspaceRef.name) } : {}),
      agentConfigs: this.agentConfigs.namespace(namespace),
      ...(this.o.images ? { images: this.o.images } : {}),
    };
    const now = this.now();
    let d = desired(task, world, now);
    for (let round = 0; d.needs && round < 3; round++) {
      const { secrets, githubAppToken, agentPodPolicy: policy, log } = d.needs;
      if (secrets) world = { ...world, ...(await this.readSecrets(namespace, secrets)) };
      if (policy) world = { ...world, agentPodPolicy: await this.readAgentPodPolicy(namespace) };
      if (githubAppToken) world = { ...world, githubAppToken: await this.appToken(world.secrets?.get(githubAppToken.secret), githubAppToken.repo) };
      if (log) world = { ...world, log: await this.readLog(namespace, log.pod, log.container) };
      d = desired(task, world, now);
    }
    if (d.needs) throw new Error(`decision still needs ${JSON.stringify(d.needs)}`);
    return this.apply(task, key, d);
  }

  /** The Secrets that exist and may be read; those the controller may not read (no kelos-controller-secrets binding here) apart. */
  private async readSecrets(namespace: string, names: readonly string[]): Promise<Pick<TaskWorld, 'secrets' | 'forbiddenSecrets'>> {
    const secrets = new Map<string, Record<string, string>>();
    const forbidden = new Set<string>();
    for (const name of names) {
      try {
        const secret = await this.o.client.get<{ data?: Record<string, string> }>(resourcePath(Resources.secrets, { namespace, name }));
        if (secret) secrets.set(name, decodeSecretData(secret));
      } catch (err) {
        if (!(err instanceof KubeError && err.statusCode === 403)) throw err;
        forbidden.add(name);
      }
    }
    return { secrets, ...(forbidden.size ? { forbiddenSecrets: forbidden } : {}) };
  }

  /** The namespace's annotations; none when the controller may not read its Namespace. */
  private async readAgentPodPolicy(namespace: string): Promise<AgentPodPolicy> {
    try {
      const ns = await this.o.client.get<V1Namespace>(resourcePath(Resources.namespaces, { name: namespace }));
      return ns ? agentPodPolicy(ns.metadata?.annotations) : NO_AGENT_POD_POLICY;
    } catch (err) {
      if (err instanceof KubeError && err.statusCode === 403) return NO_AGENT_POD_POLICY;
      throw err;
    }
  }

  private async appToken(data: Record<string, string> | undefined, repo: string): Promise<{ token: string } | { error: string }> {
    const creds = appCredentials(data);
    if (!creds) return { error: 'the Secret holds no GitHub App keys' };
    try {
      return { token: await this.appTokens.token(creds, repo) };
    } catch (err) {
      if (err instanceof GitHubAppTokenError) return { error: err.message };
      throw err;
    }
  }

  private async readLog(namespace: string, pod: string, container: string): Promise<{ text: string } | { error: string }> {
    try {
      return { text: await this.o.client.podLog(namespace, pod, container, this.o.logTailLines ?? 500) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private async apply(task: Task, key: string, d: TaskDecision): Promise<ReconcileResult> {
    const { client, logger } = this.o;
    const ns = task.metadata.namespace!;
    const name = task.metadata.name!;
    const log = logger.child({ task: key });
    const taskRef = { apiVersion: API_VERSION, kind: Kind.TASK, metadata: { name, namespace: ns } };
    const eventTarget = { ...taskRef, metadata: { ...taskRef.metadata, uid: task.metadata.uid } };

    if (isDeleting(task)) {
      if (d.deleteJob && (await client.delete(resourcePath(Resources.jobs, { namespace: ns, name }), { propagationPolicy: 'Background' }))) {
        log.info({ job: name }, 'Deleted Job');
      }
      this.created.delete(key);
      if (d.finalizer === 'remove') {
        await setTaskFinalizer(this.o.client, task, false);
        log.info('Removed finalizer');
      }
      return {};
    }

    let { status, events } = d;
    let createdJob = false;
    if (d.deleteJob && (await client.delete(resourcePath(Resources.jobs, { namespace: ns, name }), { propagationPolicy: 'Background' }))) {
      log.info({ job: name }, 'Deleted Job');
    }
    const seen = this.ours(key, task.metadata.resourceVersion);
    const writes: Promise<unknown>[] = [];
    const { job, configMap, secret, githubTokenSecret } = d.children;
    // Jobs first: the pass that creates a Job writes nothing else. The Job's
    // add event queues the Task again behind the Tasks still waiting for
    // theirs, and that pass adds the finalizer and writes the status it then
    // sees (Running, when the Pod started meanwhile: one write instead of two).
    // A Task deleted in between loses nothing: its Job is owned by it.
    if (d.finalizer === 'add' && !seen.finalizer && !job) {
      writes.push(setTaskFinalizer(this.o.client, task, true).then((t) => this.mark(seen, t, { finalizer: true })));
    }
    if (job) {
      writes.push(
        (async () => {
          let what = 'Job';
          try {
            for (const child of [configMap, secret, githubTokenSecret]) {
              if (!child) continue;
              what = `${child.kind} "${child.metadata!.name}"`;
              await client.apply(child);
            }
            what = 'Job';
            const made = await client.create(job);
            this.created.set(key, made);
            createdJob = true;
            log.info({ job: name }, 'Created Job');
          } catch (err) {
            if (what === 'Job' && isAlreadyExists(err)) {
              const existing = await client.get<V1Job>(objectPath(job));
              if (existing && ownedBy(existing, task)) this.created.set(key, existing);
              return;
            }
            if (isInvalid(err)) {
              // The apiserver rejects it for good (a name too long for a Job, a ConfigMap over 1 MiB): a user error.
              ({ status, events } = rejected(task, Reason.INVALID_SPEC, `The ${what} was rejected: ${(err as Error).message}`, this.now()));
              return;
            }
            throw err;
          }
        })(),
      );
    }
    await Promise.all(writes);

    if (createdJob) {
      this.o.metrics.taskCreated.inc({ namespace: ns, type: task.spec.type });
      // Should the Job's event be lost, look again anyway.
      return { requeueAfter: BOOKKEEPING_FALLBACK_MS };
    }

    const old = task.status ?? {};
    const wanted = status ? canonicalJson(status) : undefined;
    if (status && wanted !== canonicalJson(old) && seen.status !== wanted) {
      this.mark(seen, await client.apply({ ...taskRef, status }, { subresource: 'status' }), { status: wanted, statusObject: status });
      for (const e of events) this.o.recorder.record(eventTarget, e.type, e.reason, e.message);
      if (status.phase !== old.phase) {
        log.info({ phase: status.phase, from: old.phase ?? '', ...(status.message ? { message: status.message } : {}) }, 'Updated Task phase');
      }
      if (isTerminalPhase(status.phase) && !isTerminalPhase(old.phase)) {
        this.o.metrics.taskFinished(task, status.phase!, status.startTime, status.completionTime, status.results);
      }
    }
    if (d.deleteJob) {
      // A declared Task after its TTL: the Job (and its Pod) go, the Task and its outcome stay.
      if (await client.delete(resourcePath(Resources.jobs, { namespace: ns, name }), { propagationPolicy: 'Background' })) {
        this.o.recorder.record(
          eventTarget,
          'Normal',
          Reason.TTL_EXPIRED,
          `Deleted Job "${name}": ttlSecondsAfterFinished has passed; the Task is kept because it is declared in git`,
        );
        log.info({ job: name, ttlSecondsAfterFinished: task.spec.ttlSecondsAfterFinished }, 'Deleted Job of a declared Task after its TTL');
      }
      this.created.delete(key);
    }
    if (d.deleteTask) {
      await client.delete(objectPath(taskRef), { ...(task.metadata.uid ? { uid: task.metadata.uid } : {}) });
      this.o.recorder.record(eventTarget, 'Normal', Reason.TTL_EXPIRED, 'Deleted the Task: ttlSecondsAfterFinished has passed');
      log.info({ ttlSecondsAfterFinished: task.spec.ttlSecondsAfterFinished }, 'Deleted Task after its TTL');
      return {};
    }
    return d.requeueAfter !== undefined ? { requeueAfter: d.requeueAfter } : {};
  }

  /** What we wrote that the Task at `rv` may not show yet; nothing when someone else wrote since. */
  private ours(key: string, rv: string | undefined): Written {
    const seen = this.written.get(key);
    if (rv !== undefined && seen?.ours.has(rv)) {
      // Caught up with our last write: the older versions will not come back.
      if (rv === seen.last) {
        seen.ours.clear();
        seen.ours.add(rv);
        delete seen.statusObject;
      }
      return seen;
    }
    const fresh: Written = { ours: new Set(rv !== undefined ? [rv] : []) };
    this.written.set(key, fresh);
    return fresh;
  }

  private mark(
    seen: Written,
    wrote: { metadata?: { name?: string; resourceVersion?: string } } | undefined,
    what: { finalizer?: boolean; status?: string; statusObject?: TaskStatus },
  ): void {
    Object.assign(seen, what);
    const rv = wrote?.metadata?.resourceVersion;
    if (rv === undefined) return;
    seen.ours.add(rv);
    seen.last = rv;
  }
}
