import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { GROUP, Plural, VERSION, sourceOf, type Task, type TaskSpawner, type TaskSpawnerStatus, type Workspace } from '../api/index.js';
import { TemplateError } from '../template/index.js';
import { buildTask } from './build-task.js';
import { CronSource } from './cron.js';
import { isTerminal, planCycle, type ExistingTask } from './cycle.js';
import { pollIntervalMs } from './duration.js';
import { createGitHubClient, githubApiBaseUrl, parseRepo, type GitHubClient, type GitHubClientOptions, type GitHubCredentials } from './github-client.js';
import { GitHubIssuesSource } from './github-issues.js';
import { GitHubPullRequestsSource } from './github-pull-requests.js';
import { JiraSource, type JiraSourceOptions } from './jira.js';
import { templateNeeds, type Source } from './source.js';
import { sleep } from '../kube/sleep.js';
import { nextStatus, type CycleOutcome } from './status.js';

export interface SpawnerOptions {
  readonly kubeConfig: k8s.KubeConfig;
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
  /** Full re-list interval of the GitHub issues source. @default 30 minutes */
  readonly resyncIntervalMs?: number;
}

export interface CycleReport {
  /** False when the source could not be read (the status says why). */
  readonly ok: boolean;
  readonly suspended: boolean;
  readonly discovered: number;
  readonly created: readonly string[];
  readonly deleted: readonly string[];
  readonly failures: readonly string[];
  readonly error?: string;
}

const TASKS = { group: GROUP, version: VERSION, plural: Plural.Task };
const SPAWNERS = { group: GROUP, version: VERSION, plural: Plural.TaskSpawner };
const WORKSPACES = { group: GROUP, version: VERSION, plural: Plural.Workspace };

const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;
const reasonOf = (err: unknown): string | undefined => {
  const body = (err as { body?: unknown }).body;
  try {
    return (typeof body === 'string' ? (JSON.parse(body) as { reason?: string }) : (body as { reason?: string } | undefined))?.reason;
  } catch {
    return undefined;
  }
};
const messageOf = (err: unknown): string => {
  const body = (err as { body?: unknown }).body;
  if (body) {
    try {
      const m = (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string })).message;
      if (m) return m;
    } catch {
      // fall through
    }
  }
  return err instanceof Error ? err.message : String(err);
};
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Runs one TaskSpawner: each cycle reads the spawner, its Tasks and its
 * source, decides with `planCycle`, creates and deletes Tasks, and writes the
 * status. `run` repeats cycles every poll interval and at once when a Task of
 * this spawner finishes or is deleted, or the spawner's spec changes.
 */
export class Spawner {
  readonly log: Logger;
  private readonly objects: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;
  private readonly clock: () => Date;
  private github: { key: string; client: GitHubClient } | undefined;
  private source: { key: string; source: Source } | undefined;
  /** Tasks created whose count is not yet in status.totalTasksCreated (a status write failed). */
  private unrecorded = 0;
  private interval = 5 * 60_000;

  constructor(private readonly options: SpawnerOptions) {
    this.log = (options.log ?? pino({ name: 'kelos-spawner' })).child({ taskspawner: `${options.namespace}/${options.name}` });
    this.objects = options.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    this.core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.clock = options.clock ?? (() => new Date());
  }

  /** The poll interval of the spawner as last read. */
  get pollIntervalMs(): number {
    return this.interval;
  }

  /** Runs one cycle. Throws only when the TaskSpawner cannot be read or its status cannot be written. */
  async runCycle(): Promise<CycleReport> {
    const spawner = await this.getSpawner();
    try {
      this.interval = pollIntervalMs(spawner.spec);
    } catch (err) {
      this.log.error({ error: (err as Error).message }, 'Invalid poll interval, using 5m');
      this.interval = 5 * 60_000;
    }
    const tasks = await this.listTasks();
    const existing: ExistingTask[] = tasks.map((t) => ({
      name: t.metadata.name!,
      ...(t.status?.phase ? { phase: t.status.phase } : {}),
      ...(t.status?.completionTime ? { completionTime: t.status.completionTime } : {}),
      deleting: t.metadata.deletionTimestamp !== undefined && t.metadata.deletionTimestamp !== null,
    }));
    const active = existing.filter((t) => !isTerminal(t.phase)).length;
    const empty = { discovered: 0, created: [], deleted: [], failures: [] };

    if (spawner.spec.suspend) {
      await this.writeStatus({ kind: 'suspended', activeTasks: active });
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
      await this.writeStatus({ kind: 'failed', error, activeTasks: active });
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
        await this.writeStatus({ kind: 'failed', error, activeTasks: active });
        return { ok: false, suspended: false, ...empty, discovered: items.length, error };
      }
    }

    const deleted: string[] = [];
    const failures: string[] = [];
    for (const name of plan.deletes) {
      try {
        await this.objects.deleteNamespacedCustomObject({ ...TASKS, namespace: this.options.namespace, name });
        deleted.push(name);
        this.log.info({ task: name }, 'Deleted finished Task for a newer trigger');
      } catch (err) {
        if (codeOf(err) === 404) deleted.push(name); // already gone: the name is free
        else failures.push(`${name}: deleting the finished Task failed: ${messageOf(err)}`);
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
        await this.objects.createNamespacedCustomObject({ ...TASKS, namespace: this.options.namespace, body: task });
        created.push(c.name);
        this.unrecorded++;
        this.log.info({ task: c.name, item: c.item.id }, 'Created Task');
      } catch (err) {
        if (codeOf(err) === 409 && (reasonOf(err) ?? 'AlreadyExists') === 'AlreadyExists') {
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
    await this.writeStatus({
      kind: 'spawned',
      discovered: items.length,
      created: 0, // writeStatus adds what is unrecorded
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
    const wake = new Wake();
    const watches = [this.watchTasks(wake, signal), this.watchSpawner(wake, signal)];
    this.log.info('Started spawner');
    while (!signal.aborted) {
      try {
        await this.runCycle();
      } catch (err) {
        this.log.error({ error: messageOf(err) }, 'Cycle failed');
      }
      await wake.wait(this.interval, signal);
    }
    await Promise.allSettled(watches);
    this.log.info('Stopped spawner');
  }

  private async getSpawner(): Promise<TaskSpawner> {
    return (await this.objects.getNamespacedCustomObject({ ...SPAWNERS, namespace: this.options.namespace, name: this.options.name })) as TaskSpawner;
  }

  private async listTasks(): Promise<Task[]> {
    const list = (await this.objects.listNamespacedCustomObject({
      ...TASKS,
      namespace: this.options.namespace,
      labelSelector: `kelos.dev/taskspawner=${this.options.name}`,
    })) as { items: Task[] };
    return list.items;
  }

  /** Why creating `name` met AlreadyExists: fine when the Task is ours; a failure message otherwise. */
  private async explainExisting(spawner: TaskSpawner, name: string): Promise<string | undefined> {
    let other: Task;
    try {
      other = (await this.objects.getNamespacedCustomObject({ ...TASKS, namespace: this.options.namespace, name })) as Task;
    } catch (err) {
      if (codeOf(err) === 404) return undefined; // gone meanwhile: next cycle creates it
      return `${name}: ${messageOf(err)}`;
    }
    const ours = (other.metadata.ownerReferences ?? []).some((r) => r.uid === spawner.metadata.uid);
    if (!ours) {
      const message = `Task ${name} already exists and is not owned by TaskSpawner ${spawner.metadata.name}`;
      this.log.error({ task: name }, 'Task exists and belongs to someone else');
      return message;
    }
    if (other.metadata.deletionTimestamp) this.log.info({ task: name }, 'Waiting for the finished Task to be deleted');
    else this.log.info({ task: name }, 'Task already exists');
    return undefined;
  }

  /** Writes the status from a fresh read, retrying on conflicts; adds unrecorded creations. */
  private async writeStatus(outcome: CycleOutcome): Promise<void> {
    const withCreated = (o: CycleOutcome): CycleOutcome => (o.kind === 'spawned' ? { ...o, created: this.unrecorded } : o);
    for (let attempt = 0; ; attempt++) {
      const fresh = await this.getSpawner();
      let status: TaskSpawnerStatus;
      if (outcome.kind === 'spawned' || this.unrecorded === 0) {
        status = nextStatus(fresh.status, withCreated(outcome), rfc3339(this.clock()), fresh.metadata.generation);
      } else {
        status = nextStatus({ ...fresh.status, totalTasksCreated: (fresh.status?.totalTasksCreated ?? 0) + this.unrecorded }, outcome, rfc3339(this.clock()), fresh.metadata.generation);
      }
      try {
        await this.objects.replaceNamespacedCustomObjectStatus({ ...SPAWNERS, namespace: this.options.namespace, name: this.options.name, body: { ...fresh, status } });
        this.unrecorded = 0;
        return;
      } catch (err) {
        if (codeOf(err) === 409 && attempt < 5) continue;
        throw err;
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
        const key = `jira\0${JSON.stringify({ ...jira, pollInterval: undefined })}\0${fingerprint([credentials.token, credentials.user])}`;
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
        const workspace = (await this.objects.getNamespacedCustomObject({ ...WORKSPACES, namespace: this.options.namespace, name: wsName })) as Workspace;
        const wsRepo = parseRepo(workspace.spec.repo);
        const repo = gh.repo ? parseRepo(gh.repo) : wsRepo;
        const explicit = this.options.githubApiBaseUrl ?? (this.options.env ?? process.env).GITHUB_API_URL;
        const baseUrl = githubApiBaseUrl(repo.host ? repo : wsRepo, explicit);
        const credentials = await this.githubCredentials(workspace);
        const clientKey = `${baseUrl}\0${fingerprint(credentials ? Object.values(credentials) : [])}`;
        if (this.github?.key !== clientKey) {
          this.github = {
            key: clientKey,
            client: createGitHubClient({ baseUrl, credentials, log: this.log, ...this.options.github }),
          };
          this.log.info({ baseUrl, repo: `${repo.owner}/${repo.repo}`, auth: !credentials ? 'none' : 'token' in credentials ? 'token' : 'app' }, 'Configured GitHub client');
        }
        const key = `${kind}\0${JSON.stringify({ ...gh, pollInterval: undefined, priorityLabels: undefined })}\0${repo.owner}/${repo.repo}\0${clientKey}`;
        if (this.source?.key !== key) {
          const client = this.github.client;
          const source =
            kind === 'githubIssues'
              ? new GitHubIssuesSource({
                  client,
                  repo,
                  spec: spec.when.githubIssues!,
                  log: this.log,
                  ...(this.options.resyncIntervalMs !== undefined ? { resyncIntervalMs: this.options.resyncIntervalMs } : {}),
                })
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
    const fromKeys = (d: Record<string, string | undefined>, token: string, appId: string, inst: string, key: string): GitHubCredentials | undefined => {
      if (d[token]) return { token: d[token]!.trim() };
      if (d[appId] && d[inst] && d[key]) return { appId: d[appId]!.trim(), installationId: d[inst]!.trim(), privateKey: d[key]! };
      return undefined;
    };
    const secretName = workspace.spec.secretRef?.name;
    if (secretName) {
      const data = await this.readSecret(secretName);
      const creds = fromKeys(data, 'GITHUB_TOKEN', 'appID', 'installationID', 'privateKey');
      if (!creds) throw new Error(`Secret ${secretName} has neither GITHUB_TOKEN nor appID, installationID and privateKey`);
      return creds;
    }
    return fromKeys(this.options.env ?? process.env, 'GITHUB_TOKEN', 'GITHUB_APP_ID', 'GITHUB_APP_INSTALLATION_ID', 'GITHUB_APP_PRIVATE_KEY');
  }

  private async readSecret(name: string): Promise<Record<string, string | undefined>> {
    let secret: k8s.V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name, namespace: this.options.namespace });
    } catch (err) {
      throw new Error(`reading Secret ${name}: ${messageOf(err)}`);
    }
    const out: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
    return out;
  }

  private async watchTasks(wake: Wake, signal: AbortSignal): Promise<void> {
    const phases = new Map<string, string | undefined>();
    await this.watchLoop(
      `/apis/${GROUP}/${VERSION}/namespaces/${this.options.namespace}/${Plural.Task}`,
      { labelSelector: `kelos.dev/taskspawner=${this.options.name}` },
      (type, obj: Task) => {
        const name = obj.metadata?.name;
        if (!name) return;
        const phase = obj.status?.phase;
        const before = phases.get(name);
        if (type === 'DELETED') {
          phases.delete(name);
          this.log.debug({ task: name }, 'Observed Task deletion');
          wake.trigger();
          return;
        }
        phases.set(name, phase);
        if (type === 'MODIFIED' && isTerminal(phase) && !isTerminal(before)) {
          this.log.debug({ task: name, phase }, 'Observed Task finishing');
          wake.trigger();
        }
      },
      signal,
    );
  }

  private async watchSpawner(wake: Wake, signal: AbortSignal): Promise<void> {
    let generation: number | undefined;
    await this.watchLoop(
      `/apis/${GROUP}/${VERSION}/namespaces/${this.options.namespace}/${Plural.TaskSpawner}`,
      { fieldSelector: `metadata.name=${this.options.name}` },
      (type, obj: TaskSpawner) => {
        const g = obj.metadata?.generation;
        if (type === 'MODIFIED' && generation !== undefined && g !== generation) wake.trigger();
        generation = g;
      },
      signal,
    );
  }

  /** Watches until `signal` aborts, reconnecting after errors or server-side closes. */
  private async watchLoop<T>(path: string, query: Record<string, string>, onEvent: (type: string, obj: T) => void, signal: AbortSignal): Promise<void> {
    const watch = new k8s.Watch(this.options.kubeConfig);
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        let controller: AbortController | undefined;
        const stop = () => controller?.abort();
        signal.addEventListener('abort', stop, { once: true });
        const done = (err: unknown) => {
          signal.removeEventListener('abort', stop);
          if (err && !signal.aborted && (err as Error).name !== 'AbortError') this.log.debug({ path, error: messageOf(err) }, 'Watch ended');
          resolve();
        };
        watch
          .watch(path, query, (type, obj) => onEvent(type, obj as T), done)
          .then((c) => {
            controller = c;
            if (signal.aborted) c.abort();
          })
          .catch(done);
      });
      if (!signal.aborted) await sleep(1000, signal);
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

function fingerprint(values: ReadonlyArray<string | undefined>): string {
  return createHash('sha256').update(values.map((v) => v ?? '').join('\0')).digest('hex').slice(0, 16);
}
