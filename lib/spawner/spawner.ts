import type * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { DEFAULT_POLL_INTERVAL, Label, isDeleting, isTerminalPhase, rfc3339, sourceOf, type Task, type TaskSpawner, type Workspace } from '../api/index.js';
import { githubApiBaseUrl } from '../github/api-base-url.js';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../github/client.js';
import { secretCredentials, type GitHubCredentials } from '../github/credentials.js';
import { parseRepo } from '../github/repo-url.js';
import { Informer } from '../kube/informer.js';
import { KubeClient } from '../kube/kube-client.js';
import { isAlreadyExists, isConflict, isGone } from '../kube/kube-error.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { decodeSecretData } from '../kube/secret-data.js';
import { sleep } from '../kube/sleep.js';
import { shortHash } from '../render/names.js';
import { SPAWNER_SECRETS_DIR } from '../render/spawner-workload.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TemplateError } from '../template/index.js';
import { buildTask } from './build-task.js';
import { planCycle, type CycleReport, type ExistingTask } from './cycle.js';
import { parseDuration, pollIntervalMs } from './duration.js';
import type { SpawnerMetrics } from './metrics.js';
import { CronSource } from './sources/cron.js';
import { GitHubIssuesSource } from './sources/github-issues.js';
import { GitHubPullRequestsSource } from './sources/github-pull-requests.js';
import { JiraSource, type JiraSourceOptions } from './sources/jira.js';
import { templateNeeds, type Source } from './sources/source.js';
import { nextStatus, type CycleOutcome } from './status.js';

export interface SpawnerOptions {
  /** The apiserver. */
  readonly client?: KubeClient;
  /** Else a loaded KubeConfig (any auth it supports) to make the client from. */
  readonly kubeConfig?: k8s.KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly log?: Logger;
  /** `--github-api-base-url`, else `GITHUB_API_URL`; else derived from the repository host. */
  readonly githubApiBaseUrl?: string | undefined;
  /** Where `GITHUB_TOKEN` / `GITHUB_APP_*` fall-backs are read when the Workspace has no secretRef. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Client tuning (timeouts, backoff units); tests shrink them. */
  readonly github?: Partial<Omit<GitHubClientOptions, 'baseUrl' | 'credentials' | 'log'>>;
  readonly jira?: Partial<Pick<JiraSourceOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'pageSize'>>;
  /** Where cycles and GitHub answers are counted. @default - none */
  readonly metrics?: SpawnerMetrics;
  /**
   * Where the kubelet mounted the Secrets this spawner reads (`<dir>/<secret>/<key>`);
   * a Secret without a folder there is read from the apiserver.
   * @default SPAWNER_SECRETS_DIR
   */
  readonly secretsDir?: string;
}

const DEFAULT_POLL_MS = parseDuration(DEFAULT_POLL_INTERVAL);
/** Server-side timeout of the TaskSpawner watch; it then resumes from the last resourceVersion. */
const WATCH_TIMEOUT_SECONDS = 300;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** What the Task watch keeps of a Task: enough to see it finish. */
interface TaskPhaseView {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  phase?: string;
}

/**
 * Runs one TaskSpawner: each cycle reads the spawner, its Tasks and its
 * source, decides with `planCycle`, creates and deletes Tasks, and writes the
 * status. `run` repeats cycles every poll interval and at once when a Task of
 * this spawner finishes or is deleted, or the spawner's spec changes.
 */
export class Spawner {
  readonly log: Logger;
  private readonly clock: () => Date;
  private readonly paths: { readonly spawner: string; readonly status: string; readonly spawners: string; readonly tasks: string };
  private readonly tasksSelector: string;
  private kubeClient: Promise<KubeClient> | undefined;
  private github: { key: string; client: GitHubClient } | undefined;
  private source: { key: string; source: Source } | undefined;
  /** Tasks created whose count is not yet in status.totalTasksCreated (a status write failed). */
  private unrecorded = 0;
  private interval = DEFAULT_POLL_MS;
  /** metadata.generation of the TaskSpawner as the last cycle read it. */
  private generation: number | undefined;

  constructor(private readonly options: SpawnerOptions) {
    if (!options.client && !options.kubeConfig) throw new Error('Spawner needs a client or a kubeConfig');
    this.log = (options.log ?? pino({ name: 'kelos-spawner' })).child({ taskspawner: `${options.namespace}/${options.name}` });
    this.clock = options.clock ?? (() => new Date());
    const { namespace, name } = options;
    this.paths = {
      spawner: resourcePath(Resources.taskSpawners, { namespace, name }),
      status: resourcePath(Resources.taskSpawners, { namespace, name, subresource: 'status' }),
      spawners: resourcePath(Resources.taskSpawners, { namespace }),
      tasks: resourcePath(Resources.tasks, { namespace }),
    };
    this.tasksSelector = `${Label.TASK_SPAWNER}=${name}`;
  }

  private kube(): Promise<KubeClient> {
    this.kubeClient ??= this.options.client
      ? Promise.resolve(this.options.client)
      : KubeClient.create(this.options.kubeConfig!).catch((err: unknown) => {
          this.kubeClient = undefined;
          throw err;
        });
    return this.kubeClient;
  }

  private taskPath(name: string): string {
    return resourcePath(Resources.tasks, { namespace: this.options.namespace, name });
  }

  /** Runs one cycle. Throws only when the TaskSpawner cannot be read or its status cannot be written. */
  async runCycle(): Promise<CycleReport> {
    let report: CycleReport | undefined;
    try {
      report = await this.cycle();
      return report;
    } finally {
      this.options.metrics?.cycle(report);
    }
  }

  private async cycle(): Promise<CycleReport> {
    const kube = await this.kube();
    const spawner = await this.getSpawner();
    this.generation = spawner.metadata.generation;
    try {
      this.interval = pollIntervalMs(spawner.spec);
    } catch (err) {
      this.log.error({ error: (err as Error).message }, `Invalid poll interval, using ${DEFAULT_POLL_INTERVAL}`);
      this.interval = DEFAULT_POLL_MS;
    }
    const tasks = (await kube.list<Task>(this.paths.tasks, { labelSelector: this.tasksSelector })).items;
    const existing: ExistingTask[] = tasks.map((t) => ({
      name: t.metadata.name!,
      ...(t.status?.phase ? { phase: t.status.phase } : {}),
      ...(t.status?.completionTime ? { completionTime: t.status.completionTime } : {}),
      deleting: isDeleting(t),
    }));
    const active = existing.filter((t) => !isTerminalPhase(t.phase)).length;
    const empty = { discovered: 0, created: [], deleted: [], failures: [] };

    if (spawner.spec.suspend) {
      await this.writeStatus(spawner, { kind: 'suspended', activeTasks: active });
      this.log.info({ activeTasks: active }, 'Skipped cycle of suspended TaskSpawner');
      return { ok: true, suspended: true, ...empty };
    }

    const now = this.clock();
    let source: Source;
    let items;
    try {
      source = await this.sourceFor(spawner);
      items = await source.discover(now);
    } catch (err) {
      const error = messageOf(err);
      this.log.error({ error }, 'Failed to discover work items');
      await this.writeStatus(spawner, { kind: 'failed', error, activeTasks: active });
      return { ok: false, suspended: false, ...empty, error };
    }

    const spec = spawner.spec;
    const w = spec.when;
    const plan = planCycle({
      spawner: spawner.metadata.name!,
      items,
      tasks: existing,
      maxConcurrency: spec.maxConcurrency,
      maxTotalTasks: spec.maxTotalTasks,
      totalTasksCreated: (spawner.status?.totalTasksCreated ?? 0) + this.unrecorded,
      priorityLabels: w.githubIssues?.priorityLabels ?? w.githubPullRequests?.priorityLabels,
    });
    this.log.info({ discovered: items.length, activeTasks: plan.activeTasks, toCreate: plan.creates.length, waiting: plan.waiting }, 'Discovered work items');

    const t = spec.taskTemplate;
    const needs = templateNeeds([t.promptTemplate, t.branch, ...Object.values(t.metadata?.labels ?? {}), ...Object.values(t.metadata?.annotations ?? {})]);
    if (source.hydrate && plan.creates.length > 0 && (needs.comments || needs.reviewComments)) {
      try {
        await source.hydrate(
          plan.creates.map((c) => c.item),
          needs,
        );
      } catch (err) {
        const error = messageOf(err);
        this.log.error({ error }, 'Failed to load comments of work items');
        await this.writeStatus(spawner, { kind: 'failed', error, activeTasks: active });
        return { ok: false, suspended: false, ...empty, discovered: items.length, error };
      }
    }

    const deleted: string[] = [];
    const failures: string[] = [];
    for (const name of plan.deletes) {
      try {
        // Already gone (false) frees the name as well.
        if (await kube.delete(this.taskPath(name))) this.log.info({ task: name }, 'Deleted finished Task for a newer trigger');
        deleted.push(name);
      } catch (err) {
        failures.push(`${name}: deleting the finished Task failed: ${messageOf(err)}`);
      }
    }

    const created: string[] = [];
    for (const c of plan.creates) {
      if (c.replaces && !deleted.includes(c.name)) continue;
      let task: Task;
      try {
        task = buildTask(spawner, c.item, c.name);
      } catch (err) {
        const why = err instanceof TemplateError ? err.message : messageOf(err);
        failures.push(`${c.name}: ${why}`);
        this.log.error({ task: c.name, item: c.item.id, error: why }, 'Failed to render Task');
        continue;
      }
      try {
        await kube.create(task);
        created.push(c.name);
        this.unrecorded++;
        this.log.info({ task: c.name, item: c.item.id }, 'Created Task');
      } catch (err) {
        if (isAlreadyExists(err)) {
          const failure = await this.explainExisting(spawner, c.name);
          if (failure) failures.push(failure);
          continue;
        }
        const why = messageOf(err);
        failures.push(`${c.name}: ${why}`);
        this.log.error({ task: c.name, item: c.item.id, error: why }, 'Failed to create Task');
      }
    }

    const limit = plan.blockedBy === 'maxConcurrency' ? spec.maxConcurrency : plan.blockedBy === 'maxTotalTasks' ? spec.maxTotalTasks : undefined;
    // A cron tick that failed must come round again: keep the cursor where it was.
    const keepCursor = w.cron !== undefined && failures.length > 0;
    await this.writeStatus(spawner, {
      kind: 'spawned',
      discovered: items.length,
      created: 0, // writeStatus counts what is unrecorded
      activeTasks: plan.activeTasks + created.length,
      waiting: plan.waiting,
      blockedBy: plan.blockedBy,
      limit,
      failures,
      discoveredAt: keepCursor ? undefined : rfc3339(now),
    });
    return { ok: true, suspended: false, discovered: items.length, created, deleted, failures };
  }

  /**
   * Cycles until `signal` aborts: every poll interval, and at once when one of
   * this spawner's Tasks finishes or is deleted, or the spawner's spec changes.
   */
  async run(signal: AbortSignal): Promise<void> {
    const kube = await this.kube();
    const wake = new Wake();
    const tasks = this.watchTasks(kube, wake);
    const spawner = this.watchSpawner(kube, wake, signal);
    this.log.info('Started spawner');
    try {
      while (!signal.aborted) {
        try {
          await this.runCycle();
        } catch (err) {
          this.log.error({ error: messageOf(err) }, 'Cycle failed');
        }
        await wake.wait(this.interval, signal);
      }
    } finally {
      tasks.stop();
      await spawner;
    }
    this.log.info('Stopped spawner');
  }

  private async getSpawner(): Promise<TaskSpawner> {
    return (await this.kube()).json<TaskSpawner>('GET', this.paths.spawner);
  }

  /** Why creating `name` met AlreadyExists: fine when the Task is ours; a failure message otherwise. */
  private async explainExisting(spawner: TaskSpawner, name: string): Promise<string | undefined> {
    let other: Task | undefined;
    try {
      other = await (await this.kube()).get<Task>(this.taskPath(name));
    } catch (err) {
      return `${name}: ${messageOf(err)}`;
    }
    if (!other) return undefined; // gone meanwhile: next cycle creates it
    const ours = (other.metadata.ownerReferences ?? []).some((r) => r.uid === spawner.metadata.uid);
    if (!ours) {
      const message = `Task ${name} already exists and is not owned by TaskSpawner ${spawner.metadata.name}`;
      this.log.error({ task: name }, 'Task exists and belongs to someone else');
      return message;
    }
    if (isDeleting(other)) this.log.info({ task: name }, 'Waiting for the finished Task to be deleted');
    else this.log.info({ task: name }, 'Task already exists');
    return undefined;
  }

  /**
   * Writes the status onto the TaskSpawner as this cycle read it, counting
   * unrecorded creations; after a conflict, onto a fresh read.
   */
  private async writeStatus(spawner: TaskSpawner, outcome: CycleOutcome): Promise<void> {
    const kube = await this.kube();
    for (let attempt = 0; ; attempt++) {
      const status = nextStatus(spawner.status, { ...outcome, created: this.unrecorded }, rfc3339(this.clock()), spawner.metadata.generation);
      try {
        await kube.json('PUT', this.paths.status, { body: { ...spawner, status } });
        this.unrecorded = 0;
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
        spawner = await this.getSpawner();
      }
    }
  }

  private async sourceFor(spawner: TaskSpawner): Promise<Source> {
    const spec = spawner.spec;
    const kind = sourceOf(spec);
    switch (kind) {
      case 'cron': {
        const since = spawner.status?.lastDiscoveryTime ?? spawner.metadata.creationTimestamp;
        if (!since) throw new Error('TaskSpawner has neither status.lastDiscoveryTime nor metadata.creationTimestamp');
        return new CronSource({ schedule: spec.when.cron!.schedule, since: new Date(since) });
      }
      case 'jira': {
        const jira = spec.when.jira!;
        const data = await this.readSecret(jira.secretRef.name);
        const credentials = { token: data.JIRA_TOKEN, user: data.JIRA_USER };
        const key = `jira\0${JSON.stringify({ ...jira, pollInterval: undefined })}\0${shortHash(`${credentials.token ?? ''}\0${credentials.user ?? ''}`, 16)}`;
        if (this.source?.key !== key) {
          this.source = { key, source: new JiraSource({ baseUrl: jira.baseUrl, project: jira.project, jql: jira.jql, credentials, log: this.log, ...this.options.jira }) };
        }
        return this.source.source;
      }
      case 'githubIssues':
      case 'githubPullRequests': {
        const gh = (spec.when.githubIssues ?? spec.when.githubPullRequests)!;
        const wsName = spec.taskTemplate.workspaceRef?.name;
        if (!wsName) throw new Error('taskTemplate.workspaceRef is required when using githubIssues or githubPullRequests source');
        const workspace = await (await this.kube()).json<Workspace>('GET', resourcePath(Resources.workspaces, { namespace: this.options.namespace, name: wsName }));
        const wsRepo = parseRepo(workspace.spec.repo);
        const repo = gh.repo ? parseRepo(gh.repo) : wsRepo;
        const explicit = this.options.githubApiBaseUrl ?? (this.options.env ?? process.env).GITHUB_API_URL;
        const baseUrl = githubApiBaseUrl(repo.host ? repo : wsRepo, explicit);
        const credentials = await this.githubCredentials(workspace);
        const clientKey = `${baseUrl}\0${shortHash(credentials ? Object.values(credentials).join('\0') : '', 16)}`;
        if (this.github?.key !== clientKey) {
          this.github = {
            key: clientKey,
            client: createGitHubClient({
              baseUrl,
              credentials,
              log: this.log,
              ...this.options.github,
              ...(this.options.metrics ? { onResponse: this.options.metrics.githubResponse.bind(this.options.metrics) } : {}),
            }),
          };
          this.log.info({ baseUrl, repo: `${repo.owner}/${repo.repo}`, auth: !credentials ? 'none' : 'token' in credentials ? 'token' : 'app' }, 'Configured GitHub client');
        }
        const key = `${kind}\0${JSON.stringify({ ...gh, pollInterval: undefined, priorityLabels: undefined })}\0${repo.owner}/${repo.repo}\0${clientKey}`;
        if (this.source?.key !== key) {
          const client = this.github.client;
          const source =
            kind === 'githubIssues'
              ? new GitHubIssuesSource({ client, repo, spec: spec.when.githubIssues!, log: this.log })
              : new GitHubPullRequestsSource({ client, repo, spec: spec.when.githubPullRequests!, log: this.log });
          this.source = { key, source };
        }
        return this.source.source;
      }
      default:
        throw new Error('TaskSpawner has no source: set exactly one of githubIssues, githubPullRequests, cron or jira');
    }
  }

  /** The Workspace Secret's GITHUB_TOKEN, or its App keys; else the environment's; else none. */
  private async githubCredentials(workspace: Workspace): Promise<GitHubCredentials | undefined> {
    const secretName = workspace.spec.secretRef?.name;
    if (secretName) {
      const creds = secretCredentials(await this.readSecret(secretName));
      if (!creds) throw new Error(`Secret ${secretName} has neither GITHUB_TOKEN nor appID, installationID and privateKey`);
      return creds;
    }
    const env = this.options.env ?? process.env;
    return secretCredentials({ GITHUB_TOKEN: env.GITHUB_TOKEN, appID: env.GITHUB_APP_ID, installationID: env.GITHUB_APP_INSTALLATION_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY });
  }

  private async readSecret(name: string): Promise<Record<string, string>> {
    // Mounted by the kubelet: the spawner's Role grants no Secret.
    const dir = join(this.options.secretsDir ?? SPAWNER_SECRETS_DIR, name);
    const keys = await readdir(dir).catch(() => undefined);
    if (keys) {
      const data: Record<string, string> = {};
      for (const key of keys.filter((k) => !k.startsWith('..'))) data[key] = await readFile(join(dir, key), 'utf8');
      if (Object.keys(data).length === 0) throw new Error(`reading Secret ${name}: it does not exist or is empty (mounted at ${dir})`);
      return data;
    }
    try {
      return decodeSecretData(await (await this.kube()).json<{ data?: Record<string, string> }>('GET', resourcePath(Resources.secrets, { namespace: this.options.namespace, name })));
    } catch (err) {
      throw new Error(`reading Secret ${name}: ${messageOf(err)}`);
    }
  }

  /**
   * Wakes the loop when one of this spawner's Tasks finishes or is deleted.
   * The informer resumes its watch from the last resourceVersion, and after
   * 410 Gone re-lists and compares, so a Task that finished while the watch
   * was down still wakes the loop.
   */
  private watchTasks(kube: KubeClient, wake: Wake): Informer<TaskPhaseView> {
    const informer = new Informer<TaskPhaseView>(kube, {
      path: this.paths.tasks,
      labelSelector: this.tasksSelector,
      transform: (t: Task): TaskPhaseView => ({
        metadata: { name: t.metadata?.name, namespace: t.metadata?.namespace, resourceVersion: t.metadata?.resourceVersion },
        phase: t.status?.phase,
      }),
      logger: this.log,
    });
    informer.on('update', (t, old) => {
      if (isTerminalPhase(t.phase) && !isTerminalPhase(old?.phase)) {
        this.log.debug({ task: t.metadata.name, phase: t.phase }, 'Observed Task finishing');
        wake.trigger();
      }
    });
    informer.on('delete', (t) => {
      this.log.debug({ task: t.metadata.name }, 'Observed Task deletion');
      wake.trigger();
    });
    informer.start();
    return informer;
  }

  /**
   * Wakes the loop when the TaskSpawner's generation differs from the one the
   * last cycle read (its spec changed). Watches it by name (its Role allows
   * no more), resuming from the last resourceVersion; after 410 Gone it
   * starts afresh, and the first event then carries the current generation.
   */
  private async watchSpawner(kube: KubeClient, wake: Wake, signal: AbortSignal): Promise<void> {
    const fieldSelector = `metadata.name=${this.options.name}`;
    let resourceVersion = '';
    let backoff = 500;
    while (!signal.aborted) {
      try {
        await kube.watch<TaskSpawner>(
          this.paths.spawners,
          { fieldSelector, timeoutSeconds: WATCH_TIMEOUT_SECONDS, ...(resourceVersion ? { resourceVersion } : {}) },
          (e) => {
            resourceVersion = e.object.metadata?.resourceVersion ?? resourceVersion;
            if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
            const g = e.object.metadata.generation;
            if (g !== undefined && this.generation !== undefined && g !== this.generation) {
              this.log.debug({ generation: g }, 'Observed a spec change');
              wake.trigger();
            }
          },
          signal,
        );
        backoff = 500;
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          resourceVersion = '';
          continue;
        }
        this.log.debug({ error: messageOf(err), retryInMs: backoff }, 'TaskSpawner watch failed');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }
}

/** Wakes the loop early; a wake-up during a cycle makes the next wait return at once. */
class Wake {
  private pending = false;
  private release: (() => void) | undefined;

  trigger(): void {
    this.pending = true;
    this.release?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.pending && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.release = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        this.release = done;
      });
    }
    this.pending = false;
  }
}
