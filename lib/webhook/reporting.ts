import type { Logger } from 'pino';
import { Annotation, Label, type Task, type TaskSpawner, type Workspace } from '../api/index.js';
import { githubApiBaseUrl } from '../github/api-base-url.js';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from '../github/client.js';
import { secretCredentials } from '../github/credentials.js';
import { RepoApi } from '../github/repo-api.js';
import { parseRepo } from '../github/repo-url.js';
import { reportStage, reportState } from '../github/task-report.js';
import { type ReportBackoff, reportingOf, TaskReporter, webOrigin } from '../github/task-reporter.js';
import type { KubeClient } from '../kube/kube-client.js';
import { LeaderElector } from '../kube/leader-election.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { sleep } from '../kube/sleep.js';
import { shortHash } from '../render/names.js';
import { WEBHOOK_REPORTING_LEASE } from './config.js';
import type { SecretStore } from './secrets.js';

export interface WebhookReportingOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly log: Logger;
  /** The namespace's TaskSpawners (the server's cache). */
  readonly spawners: () => Iterable<TaskSpawner>;
  /** Reads the Workspaces' Secrets (only those the Role names). */
  readonly secrets: SecretStore;
  /** @default - from each Workspace's repository host (api.github.com, or GitHub Enterprise's /api/v3) */
  readonly githubApiBaseUrl?: string;
  readonly github?: Partial<Omit<GitHubClientOptions, 'baseUrl' | 'credentials' | 'log'>>;
  readonly backoff?: ReportBackoff;
  /** How often the Tasks are read when nothing waits for a retry. @default 10_000 */
  readonly intervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The spawners this server reports for: githubWebhook with reporting. */
function reporting(s: TaskSpawner): boolean {
  return s.spec.when.githubWebhook !== undefined && reportingOf(s) !== undefined;
}

/**
 * Reports the Tasks the webhook server made for GitHub deliveries back to
 * their issue or pull request, as a polling spawner does (TaskReporter and
 * lib/github/task-report.ts): each pass lists the Tasks of the namespace's
 * reporting githubWebhook spawners and brings each report to its stage, with
 * the token of the spawner's Workspace. State lives in the Tasks'
 * annotations, so a restart or another replica neither repeats nor loses a
 * report; one replica at a time reports (a Lease), so two never race to
 * create the same comment.
 */
export class WebhookReporting {
  private readonly reporters = new Map<string, TaskReporter>();
  private readonly clients = new Map<string, { readonly key: string; readonly client: GitHubClient }>();
  private readonly now: () => number;

  constructor(private readonly o: WebhookReportingOptions) {
    this.now = o.now ?? Date.now;
  }

  /** One pass over the reporting spawners' Tasks; a spawner that cannot report is logged and skipped. */
  async syncOnce(): Promise<void> {
    const spawners = [...this.o.spawners()].filter(reporting);
    const live = new Set(spawners.map((s) => s.metadata.uid!));
    for (const uid of this.reporters.keys()) if (!live.has(uid)) this.reporters.delete(uid);
    if (spawners.length === 0) return;
    const names = spawners.map((s) => s.metadata.name!).sort();
    const tasks = (
      await this.o.client.list<Task>(resourcePath(Resources.tasks, { namespace: this.o.namespace }), {
        labelSelector: `${Label.TASK_SPAWNER} in (${names.join(',')})`,
      })
    ).items;
    for (const spawner of spawners) {
      const mine = tasks.filter((t) => t.metadata.labels?.[Label.TASK_SPAWNER] === spawner.metadata.name);
      try {
        await this.syncSpawner(spawner, mine);
      } catch (err) {
        this.o.log.warn({ spawner: spawner.metadata.name, error: (err as Error).message }, 'Failed to report Tasks to GitHub');
      }
    }
  }

  private async syncSpawner(spawner: TaskSpawner, tasks: readonly Task[]): Promise<void> {
    const uid = spawner.metadata.uid!;
    // Nothing to say (no Task to report, or every report at its stage already): no Workspace or Secret read, no retry kept.
    const due = (t: Task) => t.metadata.annotations?.[Annotation.REPORTED] !== undefined && reportState(t).reported !== reportStage(t);
    if (!tasks.some(due)) {
      this.reporters.delete(uid);
      return;
    }
    let reporter = this.reporters.get(uid);
    if (!reporter) {
      reporter = new TaskReporter(this.o.log.child({ spawner: spawner.metadata.name }), this.o.backoff);
      this.reporters.set(uid, reporter);
    }
    const wsName = spawner.spec.taskTemplate.workspaceRef?.name;
    if (!wsName) throw new Error('taskTemplate.workspaceRef is required for reporting: its repository and token are reported with');
    const workspace = await this.o.client.get<Workspace>(resourcePath(Resources.workspaces, { namespace: this.o.namespace, name: wsName }));
    if (!workspace) throw new Error(`Workspace ${wsName} does not exist`);
    const secretName = workspace.spec.secretRef?.name;
    if (!secretName) throw new Error(`Workspace ${wsName} has no secretRef: reporting needs its GitHub token or App`);
    const credentials = secretCredentials(await this.o.secrets.data(secretName));
    if (!credentials) throw new Error(`Secret ${secretName} has neither GITHUB_TOKEN nor appID, installationID and privateKey`);
    const repo = parseRepo(workspace.spec.repo);
    const baseUrl = githubApiBaseUrl(repo, this.o.githubApiBaseUrl);
    // One client per Workspace, made again when its URL or credentials change: an App's installation token is kept between passes.
    const key = `${baseUrl}\0${shortHash(Object.values(credentials).join('\0'), 16)}`;
    let cached = this.clients.get(wsName);
    if (cached?.key !== key) {
      cached = { key, client: createGitHubClient({ baseUrl, credentials, log: this.o.log, userAgent: 'kelos-webhook-server', ...this.o.github }) };
      this.clients.set(wsName, cached);
    }
    const client = cached.client;
    await reporter.sync({
      spawner,
      tasks,
      api: new RepoApi(client, repo),
      webOrigin: webOrigin(repo),
      now: new Date(this.now()),
      patch: (task, annotations) => this.patch(task, annotations),
    });
  }

  private async patch(task: Task, annotations: Record<string, string>): Promise<void> {
    await this.o.client.mergePatch(resourcePath(Resources.tasks, { namespace: this.o.namespace, name: task.metadata.name! }), {
      metadata: { uid: task.metadata.uid, annotations },
    });
  }

  /** When the earliest failed report is due again (epoch ms), if one waits. */
  nextRetryAt(): number | undefined {
    let next: number | undefined;
    for (const r of this.reporters.values()) {
      const at = r.nextRetryAt();
      if (at !== undefined) next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  /**
   * Reports until `signal` aborts, while this replica holds the Lease:
   * a pass every intervalMs, sooner when a failed report is due again.
   */
  async run(signal: AbortSignal, identity: string): Promise<void> {
    const elector = new LeaderElector(this.o.client, { namespace: this.o.namespace, name: WEBHOOK_REPORTING_LEASE, identity, logger: this.o.log });
    const interval = this.o.intervalMs ?? 10_000;
    while (!signal.aborted) {
      if (!(await elector.acquire(signal))) return;
      const leading = new AbortController();
      const stop = () => leading.abort();
      signal.addEventListener('abort', stop, { once: true });
      const held = elector.hold(signal).finally(stop);
      try {
        while (!leading.signal.aborted) {
          try {
            await this.syncOnce();
          } catch (err) {
            this.o.log.warn({ error: (err as Error).message }, 'Failed to list the Tasks to report');
          }
          const retryAt = this.nextRetryAt();
          const wait = retryAt === undefined ? interval : Math.min(interval, Math.max(0, retryAt - this.now()));
          await sleep(wait, leading.signal);
        }
      } finally {
        signal.removeEventListener('abort', stop);
        await held;
      }
    }
  }
}
