import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import {
  DEFAULT_POLL_INTERVAL,
  isDeleting,
  isTerminalPhase,
  Label,
  rfc3339,
  sourceOf,
  type Task,
  type TaskSpawner,
  time,
  type Workspace,
} from '../api/index.js';
import { fetchContext } from '../context/context-sources.js';
import { githubApiBaseUrl } from '../github/api-base-url.js';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../github/client.js';
import { type GitHubCredentials, secretCredentials } from '../github/credentials.js';
import { permissionLookups } from '../github/permissions.js';
import { RepoApi } from '../github/repo-api.js';
import { parseRepo, type RepoRef } from '../github/repo-url.js';
import { type ReportBackoff, reportingOf, TaskReporter, webOrigin } from '../github/task-reporter.js';
import { Informer } from '../kube/informer.js';
import { KubeClient } from '../kube/kube-client.js';
import { isAlreadyExists, isConflict, isGone } from '../kube/kube-error.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { decodeSecretData } from '../kube/secret-data.js';
import { sleep } from '../kube/sleep.js';
import { shortHash } from '../render/names.js';
import { SPAWNER_SECRETS_DIR } from '../render/spawner-workload.js';
import { parseTemplate, TemplateDataError, templateFields } from '../template/index.js';
import { branchRefusal } from './branch-policy.js';
import { buildTask } from './build-task.js';
import { CommentAuthorizer, evaluateCommentPolicy, ignoringTriggersOf, type ResolvedCommentPolicy, resolveCommentPolicy } from './comment-policy.js';
import { type CycleReport, type ExistingTask, type PlannedCreate, planCycle } from './cycle.js';
import { parseDuration, pollIntervalMs } from './duration.js';
import { LedgerStore, type StoredLedger } from './ledger-store.js';
import type { SpawnerMetrics } from './metrics.js';
import { CronSource } from './sources/cron.js';
import { GitHubIssuesSource } from './sources/github-issues.js';
import { GitHubPullRequestsSource } from './sources/github-pull-requests.js';
import { JiraSource, type JiraSourceOptions } from './sources/jira.js';
import { type Source, templateNeeds } from './sources/source.js';
import { type CycleOutcome, nextStatus, type SkippedItem } from './status.js';
import { taskName } from './task-name.js';
import { boundLedger, type LedgerTask, MAX_LEDGER_RECORDS, reconcileLedger, reserve, settle, spentUpTo } from './trigger-ledger.js';
import { templateVars, type WorkItem } from './work-item.js';

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
  /** How a failed report to GitHub is tried again in later cycles. */
  readonly reportBackoff?: ReportBackoff;
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
  private github: { key: string; client: GitHubClient; login?: Promise<string | undefined>; defaultBranches: Map<string, string> } | undefined;
  private source: { key: string; source: Source } | undefined;
  /** The GitHub source's repository, comment policy and Workspace, for the checks made when a Task is created. */
  private githubContext: GitHubContext | undefined;
  private interval = DEFAULT_POLL_MS;
  /** metadata.generation of the TaskSpawner as the last cycle read it. */
  private generation: number | undefined;
  private readonly reporter: TaskReporter;

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
    this.reporter = new TaskReporter(this.log, options.reportBackoff);
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
    // Counted from the cluster every cycle (a quorum read, not a cache): caps never rest on memory.
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
    let stored: StoredLedger;
    const store = new LedgerStore(kube, spawner);
    try {
      source = await this.sourceFor(spawner);
      items = await source.discover(now);
      stored = await store.read();
    } catch (err) {
      const error = messageOf(err);
      this.log.error({ error }, 'Failed to discover work items');
      await this.writeStatus(spawner, { kind: 'failed', error, activeTasks: active });
      return { ok: false, suspended: false, ...empty, error };
    }

    // The ledger, brought in line with the Tasks that exist; the count never below what status last showed.
    const reconciled = reconcileLedger(stored.ledger, tasks.map(ledgerTask));
    let ledger = reconciled.ledger;
    const recorded = spawner.status?.totalTasksCreated ?? 0;
    if (ledger.created < recorded) ledger = { ...ledger, created: recorded };
    const dirty = reconciled.changed || ledger !== reconciled.ledger || stored.stale === true;
    for (const name of reconciled.unconfirmed) {
      this.log.warn({ task: name }, 'Found a trigger recorded without its Task; it is spent and gives no second Task');
    }

    const spec = spawner.spec;
    const w = spec.when;
    const plan = planCycle({
      spawner: spawner.metadata.name!,
      items,
      tasks: existing,
      maxConcurrency: spec.maxConcurrency,
      maxTotalTasks: spec.maxTotalTasks,
      totalTasksCreated: ledger.created,
      priorityLabels: w.githubIssues?.priorityLabels ?? w.githubPullRequests?.priorityLabels,
      spent: spentUpTo(ledger),
    });
    this.log.info(
      { discovered: items.length, activeTasks: plan.activeTasks, candidates: plan.candidates.length, capacity: plan.capacity, waiting: plan.waiting },
      'Discovered work items',
    );

    const failures: string[] = [];
    const skipped: SkippedItem[] = [];
    const t = spec.taskTemplate;
    const needs = templateNeeds([
      t.promptTemplate,
      t.branch,
      ...Object.values(t.metadata?.labels ?? {}),
      ...Object.values(t.metadata?.annotations ?? {}),
      ...(t.contextSources ?? []).flatMap((s) => [s.http?.url, s.http?.body, ...Object.values(s.http?.headers ?? {})]),
    ]);
    const spent = spentUpTo(ledger);
    const checks = this.createChecks(spawner, kube);

    // Take candidates in order until the caps are met; a refused one makes way for the next.
    const chosen: Array<{ c: PlannedCreate; task: Task; upTo: number }> = [];
    try {
      for (const c of plan.candidates) {
        if (chosen.length >= plan.capacity) break;
        if (source.hydrate && (needs.comments || needs.reviewComments || needs.changedFiles)) await source.hydrate([c.item], needs);
        const trigger = await checks.trigger(c.item);
        if (trigger.upTo === undefined) {
          if (trigger.skip) skipped.push(trigger.skip);
          continue;
        }
        const prev = spent.get(c.name);
        if (prev !== undefined && !(trigger.upTo > prev)) continue; // only the spawner's own or a bot's trigger was new
        let context: Record<string, string> | undefined;
        if (t.contextSources?.length) {
          const got = await fetchContext(t.contextSources, templateVars(c.item), {
            readSecret: (secret, key) => this.readSecretKey(secret, key),
            onIgnored: (source, error) => this.log.warn({ item: c.item.id, source, error }, 'Ignored a context source that failed'),
          });
          if ('failed' in got) {
            skipped.push({ reason: SKIP_CONTEXT_SOURCE, message: `${itemLabel(c.item)}: context source ${got.failed} failed: ${got.error}` });
            this.log.warn({ item: c.item.id, source: got.failed, error: got.error }, 'Skipped work item: a context source failed');
            continue;
          }
          context = got.values;
        }
        let task: Task;
        try {
          task = buildTask(spawner, c.item, c.name, context);
        } catch (err) {
          if (err instanceof TemplateDataError) {
            skipped.push({ reason: SKIP_PROMPT_VALUES, message: `${itemLabel(c.item)}: ${err.message}` });
          } else {
            const why = messageOf(err);
            failures.push(`${c.name}: ${why}`);
            this.log.error({ task: c.name, item: c.item.id, error: why }, 'Failed to render Task');
          }
          continue;
        }
        const refusal = task.spec.branch !== undefined ? await checks.branch(task.spec.branch, c.item) : undefined;
        if (refusal) {
          skipped.push({ reason: refusal.reason, message: `${itemLabel(c.item)}: ${refusal.message}` });
          this.log.info({ task: c.name, item: c.item.id, reason: refusal.reason }, 'Skipped work item: its branch is refused');
          continue;
        }
        chosen.push({ c, task, upTo: trigger.upTo });
      }
    } catch (err) {
      const error = messageOf(err);
      this.log.error({ error }, 'Failed to load work items to create');
      await this.writeStatus(spawner, { kind: 'failed', error, activeTasks: active });
      return { ok: false, suspended: false, ...empty, discovered: items.length, error, skipped };
    }

    // Persist before create: the ledger counts and spends every trigger first.
    const keep = new Set([...items.map((i) => taskName(spawner.metadata.name!, i.id)), ...existing.map((e) => e.name)]);
    const before = ledger;
    let reserved = false;
    if (chosen.length > 0 || dirty) {
      const next = boundLedger(
        reserve(
          ledger,
          chosen.map((x) => ({ name: x.c.name, upTo: x.upTo })),
        ),
        keep,
      );
      if (!next) {
        failures.push(`the trigger ledger holds ${MAX_LEDGER_RECORDS} records of items still present; no Task is created until some leave`);
      } else {
        try {
          stored = await store.write(next, stored);
          ledger = next;
          reserved = chosen.length > 0;
        } catch (err) {
          const why = isConflict(err) ? 'it changed meanwhile (another spawner process?)' : messageOf(err);
          failures.push(`recording the triggers in ConfigMap ${store.name} failed, so no Task was created: ${why}`);
          this.log.error({ error: why }, 'Failed to write the trigger ledger');
        }
      }
    }

    const deleted: string[] = [];
    const created: string[] = [];
    const createdTasks: Task[] = [];
    const confirmed: string[] = [];
    const released: string[] = [];
    for (const { c, task } of reserved ? chosen : []) {
      if (c.replaces) {
        try {
          // Already gone (false) frees the name as well.
          if (await kube.delete(this.taskPath(c.name))) this.log.info({ task: c.name }, 'Deleted finished Task for a newer trigger');
          deleted.push(c.name);
        } catch (err) {
          failures.push(`${c.name}: deleting the finished Task failed: ${messageOf(err)}`);
          released.push(c.name);
          continue;
        }
      }
      try {
        createdTasks.push(await kube.create(task));
        created.push(c.name);
        confirmed.push(c.name);
        this.log.info({ task: c.name, item: c.item.id }, 'Created Task');
      } catch (err) {
        const outcome = await this.afterFailedCreate(spawner, c.name, err);
        if (outcome.failure) failures.push(outcome.failure);
        if (outcome.exists) confirmed.push(c.name);
        else if (outcome.absent) released.push(c.name);
        if (!isAlreadyExists(err)) this.log.error({ task: c.name, item: c.item.id, error: messageOf(err) }, 'Failed to create Task');
      }
    }

    if (reserved) {
      const next = settle(ledger, before, confirmed, released);
      try {
        stored = await store.write(next, stored);
        ledger = next;
      } catch (err) {
        // The reservations stay pending: the next cycle confirms them from the Tasks it finds.
        this.log.warn({ error: messageOf(err) }, 'Failed to write the trigger ledger after creating Tasks');
      }
    }

    const taken = created.length;
    const waiting = Math.max(0, plan.candidates.length - taken - skipped.length);
    const blockedBy = waiting > 0 && taken >= plan.capacity ? plan.blockedBy : undefined;
    const limit = blockedBy === 'maxConcurrency' ? spec.maxConcurrency : blockedBy === 'maxTotalTasks' ? spec.maxTotalTasks : undefined;
    // A cron tick that failed must come round again: keep the cursor where it was.
    const keepCursor = w.cron !== undefined && failures.length > 0;
    await this.writeStatus(spawner, {
      kind: 'spawned',
      discovered: items.length,
      created: created.length,
      totalTasksCreated: ledger.created,
      activeTasks: plan.activeTasks + created.length,
      waiting,
      blockedBy,
      limit,
      failures,
      skipped,
      discoveredAt: keepCursor ? undefined : rfc3339(now),
    });
    await this.report(spawner, kube, [...tasks.filter((x) => !deleted.includes(x.metadata.name!)), ...createdTasks]);
    return { ok: true, suspended: false, discovered: items.length, created, deleted, failures, skipped, unconfirmed: reconciled.unconfirmed };
  }

  /** Brings the GitHub reports of the spawner's Tasks up to date (reporter.ts); never fails the cycle. */
  private async report(spawner: TaskSpawner, kube: KubeClient, tasks: readonly Task[]): Promise<void> {
    const gh = this.githubContext;
    if (!gh || !reportingOf(spawner)) return;
    try {
      await this.reporter.sync({
        spawner,
        tasks,
        api: new RepoApi(gh.client, gh.repo),
        webOrigin: webOrigin(gh.repo.host ? gh.repo : gh.workspaceRepo),
        now: this.clock(),
        patch: async (task, annotations) => {
          await kube.mergePatch(this.taskPath(task.metadata.name!), { metadata: { uid: task.metadata.uid, annotations } });
        },
      });
    } catch (err) {
      this.log.warn({ error: messageOf(err) }, 'Failed to report Tasks to GitHub');
    }
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
        // A report that failed is tried again when its backoff ends, not only at the next poll.
        const retryAt = this.reporter.nextRetryAt();
        const wait = retryAt === undefined ? this.interval : Math.min(this.interval, Math.max(0, retryAt - this.clock().getTime()));
        await wake.wait(wait, signal);
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

  /**
   * What a create that failed did: the Task is ours (created by this or an
   * earlier run, or the error came after the write), absent (not created:
   * its reservation is undone), or unknown (the read failed too: the
   * reservation stays pending and the next cycle decides).
   */
  private async afterFailedCreate(spawner: TaskSpawner, name: string, err: unknown): Promise<{ failure?: string; exists?: boolean; absent?: boolean }> {
    let other: Task | undefined;
    try {
      other = await (await this.kube()).get<Task>(this.taskPath(name));
    } catch (readErr) {
      return { failure: `${name}: ${messageOf(err)} (and reading it back failed: ${messageOf(readErr)})` };
    }
    const already = isAlreadyExists(err);
    if (!other) return already ? { absent: true } : { failure: `${name}: ${messageOf(err)}`, absent: true };
    const ours = (other.metadata.ownerReferences ?? []).some((r) => r.uid === spawner.metadata.uid);
    if (!ours) {
      this.log.error({ task: name }, 'Task exists and belongs to someone else');
      return { failure: `Task ${name} already exists and is not owned by TaskSpawner ${spawner.metadata.name}`, absent: true };
    }
    if (isDeleting(other)) {
      this.log.info({ task: name }, 'Waiting for the finished Task to be deleted');
      return { absent: true };
    }
    this.log.info({ task: name }, already ? 'Task already exists' : 'Task exists although its create failed');
    return { exists: true };
  }

  /**
   * Writes the status onto the TaskSpawner as this cycle read it; after a
   * conflict, onto a fresh read. The count of Tasks created comes from the
   * trigger ledger, so a failed status write loses nothing.
   */
  private async writeStatus(spawner: TaskSpawner, outcome: CycleOutcome): Promise<void> {
    const kube = await this.kube();
    for (let attempt = 0; ; attempt++) {
      const status = nextStatus(
        spawner.status,
        outcome.kind === 'spawned' ? outcome : { ...outcome, created: 0 },
        rfc3339(this.clock()),
        spawner.metadata.generation,
      );
      try {
        await kube.json('PUT', this.paths.status, { body: { ...spawner, status } });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
        spawner = await this.getSpawner();
      }
    }
  }

  /**
   * The checks made on an item just before its Task is created, with what
   * they read cached for this cycle only: its trigger, read again from
   * GitHub with the author's permission looked up now (never a decision
   * older than this cycle) and the spawner's own and bots' triggers left
   * out; and its rendered branch (branch-policy.ts).
   */
  private createChecks(spawner: TaskSpawner, kube: KubeClient): CreateChecks {
    const gh = this.githubContext;
    const github = this.github;
    const authorizer = gh ? new CommentAuthorizer(gh.policy, permissionLookups(gh.client, gh.repo)) : undefined;
    const branchTemplate = spawner.spec.taskTemplate.branch;
    let readsHeadRef = false;
    try {
      readsHeadRef = branchTemplate ? templateFields(parseTemplate(branchTemplate, 'branch')).includes('Branch') : false;
    } catch {
      // A template that does not parse fails in buildTask, with its message.
    }
    let bases: Promise<string[]> | undefined;
    let claims: Promise<Map<string, string>> | undefined;
    const wsName = spawner.spec.taskTemplate.workspaceRef?.name;

    const baseBranches = async (): Promise<string[]> => {
      const workspace =
        gh?.workspace ??
        (wsName ? await kube.get<Workspace>(resourcePath(Resources.workspaces, { namespace: this.options.namespace, name: wsName })) : undefined);
      const out = workspace?.spec.ref ? [workspace.spec.ref] : [];
      if (gh && github && (!gh.repo.host || !gh.workspaceRepo.host || gh.repo.host === gh.workspaceRepo.host)) {
        const full = `${gh.workspaceRepo.owner}/${gh.workspaceRepo.repo}`;
        let known = github.defaultBranches.get(full);
        if (known === undefined) {
          try {
            const { data } = await gh.client.request('GET /repos/{owner}/{repo}', { owner: gh.workspaceRepo.owner, repo: gh.workspaceRepo.repo });
            known = (data as { default_branch?: string }).default_branch ?? '';
            github.defaultBranches.set(full, known);
          } catch (err) {
            this.log.debug({ repo: full, error: messageOf(err) }, 'Could not read the default branch');
          }
        }
        if (known) out.push(known);
      }
      return out;
    };
    const branchClaims = async (): Promise<Map<string, string>> => {
      const all = (await kube.list<Task>(this.paths.tasks)).items;
      const map = new Map<string, string>();
      for (const t of all) {
        if (!t.spec?.branch || isDeleting(t) || t.metadata.labels?.[Label.TASK_SPAWNER] === spawner.metadata.name) continue;
        if ((t.spec.workspaceRef?.name ?? '') !== (wsName ?? '')) continue;
        if (!map.has(t.spec.branch)) map.set(t.spec.branch, t.metadata.name!);
      }
      return map;
    };

    return {
      trigger: async (item) => {
        const base = item.triggerTime?.getTime() ?? 0;
        if (!gh || !authorizer || gh.policy.triggerComment === undefined) return { upTo: base };
        const policy = ignoringTriggersOf(gh.policy, await this.ownLogin(gh));
        const comments = await new RepoApi(gh.client, gh.repo).comments(item.number);
        const decision = await evaluateCommentPolicy(policy, { body: item.body, author: item.author ?? '' }, comments, (login) =>
          authorizer.isAuthorised(login),
        );
        if (!decision.included) {
          this.log.info({ item: item.id }, 'Skipped work item: no authorised trigger when read again');
          return {
            skip: {
              reason: SKIP_NOT_AUTHORISED,
              message: `${itemLabel(item)}: no authorised trigger when the Task was to be created (triggers by bots and by the spawner's own identity do not count; permissions are looked up again)`,
            },
          };
        }
        return { upTo: Math.max(decision.triggerTime?.getTime() ?? 0, item.reviewTime?.getTime() ?? 0) };
      },
      branch: async (branch, item) => {
        bases ??= baseBranches();
        claims ??= branchClaims();
        const [baseList, claimMap] = [await bases, await claims];
        return branchRefusal(branch, item, { baseBranches: baseList, readsHeadRef, claimedBy: (b) => claimMap.get(b) });
      },
    };
  }

  /** The login of the token the spawner reads GitHub with (`GET /user`, once per client); undefined for App or no credentials. */
  private async ownLogin(gh: GitHubContext): Promise<string | undefined> {
    const github = this.github;
    if (gh.credentials !== 'token' || !github) return undefined;
    github.login ??= gh.client.request('GET /user').then(
      ({ data }) => (data as { login?: string }).login,
      (err: unknown) => {
        if (this.github === github) github.login = undefined;
        throw new Error(`looking up the GitHub login of the token failed: ${messageOf(err)}`);
      },
    );
    return github.login;
  }

  private async sourceFor(spawner: TaskSpawner): Promise<Source> {
    const spec = spawner.spec;
    const kind = sourceOf(spec);
    switch (kind) {
      case 'cron': {
        this.githubContext = undefined;
        const since = spawner.status?.lastDiscoveryTime ?? spawner.metadata.creationTimestamp;
        if (!since) throw new Error('TaskSpawner has neither status.lastDiscoveryTime nor metadata.creationTimestamp');
        return new CronSource({ schedule: spec.when.cron!.schedule, since: new Date(since) });
      }
      case 'jira': {
        this.githubContext = undefined;
        const jira = spec.when.jira!;
        const data = await this.readSecret(jira.secretRef.name);
        const credentials = { token: data.JIRA_TOKEN, user: data.JIRA_USER };
        const key = `jira\0${JSON.stringify({ ...jira, pollInterval: undefined })}\0${shortHash(`${credentials.token ?? ''}\0${credentials.user ?? ''}`, 16)}`;
        if (this.source?.key !== key) {
          this.source = {
            key,
            source: new JiraSource({ baseUrl: jira.baseUrl, project: jira.project, jql: jira.jql, credentials, log: this.log, ...this.options.jira }),
          };
        }
        return this.source.source;
      }
      case 'githubIssues':
      case 'githubPullRequests': {
        const gh = (spec.when.githubIssues ?? spec.when.githubPullRequests)!;
        const wsName = spec.taskTemplate.workspaceRef?.name;
        if (!wsName) throw new Error('taskTemplate.workspaceRef is required when using githubIssues or githubPullRequests source');
        const workspace = await (await this.kube()).json<Workspace>(
          'GET',
          resourcePath(Resources.workspaces, { namespace: this.options.namespace, name: wsName }),
        );
        const wsRepo = parseRepo(workspace.spec.repo);
        const repo = gh.repo ? parseRepo(gh.repo) : wsRepo;
        const explicit = this.options.githubApiBaseUrl ?? (this.options.env ?? process.env).GITHUB_API_URL;
        const baseUrl = githubApiBaseUrl(repo.host ? repo : wsRepo, explicit);
        const credentials = await this.githubCredentials(workspace);
        const clientKey = `${baseUrl}\0${shortHash(credentials ? Object.values(credentials).join('\0') : '', 16)}`;
        if (this.github?.key !== clientKey) {
          this.github = {
            key: clientKey,
            defaultBranches: new Map(),
            client: createGitHubClient({
              baseUrl,
              credentials,
              log: this.log,
              ...this.options.github,
              ...(this.options.metrics ? { onResponse: this.options.metrics.githubResponse.bind(this.options.metrics) } : {}),
            }),
          };
          this.log.info(
            { baseUrl, repo: `${repo.owner}/${repo.repo}`, auth: !credentials ? 'none' : 'token' in credentials ? 'token' : 'app' },
            'Configured GitHub client',
          );
        }
        this.githubContext = {
          client: this.github.client,
          repo,
          workspaceRepo: wsRepo,
          workspace,
          policy: resolveCommentPolicy(gh),
          credentials: !credentials ? 'none' : 'token' in credentials ? 'token' : 'app',
        };
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
    return secretCredentials({
      GITHUB_TOKEN: env.GITHUB_TOKEN,
      appID: env.GITHUB_APP_ID,
      installationID: env.GITHUB_APP_INSTALLATION_ID,
      privateKey: env.GITHUB_APP_PRIVATE_KEY,
    });
  }

  private async readSecretKey(name: string, key: string): Promise<string> {
    const value = (await this.readSecret(name))[key];
    if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
    return value;
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
      return decodeSecretData(
        await (await this.kube()).json<{ data?: Record<string, string> }>('GET', resourcePath(Resources.secrets, { namespace: this.options.namespace, name })),
      );
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

/** The GitHub side of a GitHub source, for the checks made when a Task is created. */
interface GitHubContext {
  readonly client: GitHubClient;
  readonly repo: RepoRef;
  readonly workspaceRepo: RepoRef;
  readonly workspace: Workspace;
  readonly policy: ResolvedCommentPolicy;
  readonly credentials: 'none' | 'token' | 'app';
}

interface CreateChecks {
  /** The time up to which the item's triggers are spent once its Task is created; or why it is skipped (no skip: passed over silently). */
  trigger(item: WorkItem): Promise<{ readonly upTo: number } | { readonly upTo?: undefined; readonly skip?: SkippedItem }>;
  branch(branch: string, item: WorkItem): Promise<{ reason: string; message: string } | undefined>;
}

/** Skip reasons besides the branch refusals (branch-policy.ts). */
const SKIP_PROMPT_VALUES = 'PromptValuesTooLarge';
const SKIP_NOT_AUTHORISED = 'TriggerNotAuthorized';
/** A context source with failurePolicy Fail failed: the item waits for a later cycle. */
const SKIP_CONTEXT_SOURCE = 'ContextSourceFailed';

function itemLabel(item: WorkItem): string {
  return item.number > 0 ? `#${item.number}` : item.id;
}

function ledgerTask(t: Task): LedgerTask {
  const created = time(t.metadata.creationTimestamp);
  const completed = time(t.status?.completionTime);
  return { name: t.metadata.name!, ...(created !== undefined ? { createdAt: created } : {}), ...(completed !== undefined ? { completedAt: completed } : {}) };
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
