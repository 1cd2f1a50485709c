import type { Logger } from 'pino';
import { Annotation, type Task, type TaskSpawner } from '../api/index.js';
import type { RepoApi } from './repo-api.js';
import type { RepoRef } from './repo-url.js';
import { ReportError, type ReportState, type ReportTarget, reportStage, reportState, reportTask } from './task-report.js';

/** How a report that failed is tried again: after base·2ⁿ, at most max. */
export interface ReportBackoff {
  /** @default 5000 */
  readonly baseMs?: number;
  /** @default 300000 */
  readonly maxMs?: number;
}

/** What a TaskSpawner asks to report, or undefined when nothing. */
export function reportingOf(spawner: TaskSpawner): { readonly comment: boolean; readonly checkName?: string } | undefined {
  const w = spawner.spec.when;
  const reporting = w.githubIssues?.reporting ?? w.githubPullRequests?.reporting ?? w.githubWebhook?.reporting;
  if (!reporting) return undefined;
  const comment = reporting.enabled === true;
  // A webhook Task has a head to check only when it came from a pull request event (kelos.dev/source-sha).
  const checkName = (w.githubPullRequests || w.githubWebhook) && reporting.checks ? reporting.checks.name || `Kelos: ${spawner.metadata.name}` : undefined;
  if (!comment && !checkName) return undefined;
  return { comment, ...(checkName ? { checkName } : {}) };
}

/** The web origin of a repository's pull request pages: its host over https (http only when the repository URL says so). */
export function webOrigin(repo: RepoRef): string {
  if (!repo.host) return 'https://github.com';
  return `${repo.protocol === 'http' ? 'http' : 'https'}://${repo.protocol === 'http' || repo.protocol === 'https' ? repo.host : repo.hostname}`;
}

/**
 * Reports the Tasks of a GitHub spawner back to their issue or pull request
 * (lib/github/task-report.ts), each cycle bringing every Task's report to its
 * stage. A polling spawner does it (it holds the repository's credentials
 * and already watches its Tasks finish), and the webhook server for its
 * githubWebhook spawners (lib/webhook/reporting.ts). What was reported is kept on the
 * Task (annotations), so a restart neither repeats nor loses a report; a
 * failure is logged and tried again in a later cycle, after a backoff, and
 * never touches the Task's run or the cycle's outcome.
 */
export class TaskReporter {
  private readonly retries = new Map<string, { failures: number; notBefore: number }>();

  constructor(
    private readonly log: Logger,
    private readonly backoff: ReportBackoff = {},
  ) {}

  async sync(input: {
    readonly spawner: TaskSpawner;
    readonly tasks: readonly Task[];
    readonly api: RepoApi;
    /** Where pull request links in reports may point (`https://github.com`). */
    readonly webOrigin: string;
    readonly patch: (task: Task, annotations: Record<string, string>) => Promise<void>;
    readonly now: Date;
  }): Promise<void> {
    const { spawner, api, now } = input;
    const wanted = reportingOf(spawner);
    const seen = new Set<string>();
    for (const task of input.tasks) {
      const uid = task.metadata.uid;
      if (!uid) continue;
      seen.add(uid);
      if (!wanted) continue;
      const target = this.target(task, spawner, api, wanted, input.webOrigin);
      if (!target) continue;
      const state = reportState(task);
      if (state.reported === reportStage(task)) {
        this.retries.delete(uid);
        continue;
      }
      const retry = this.retries.get(uid);
      if (retry && now.getTime() < retry.notBefore) continue;
      let next: ReportState;
      try {
        next = await reportTask(api, task, target, state, now);
        this.retries.delete(uid);
        this.log.info({ task: task.metadata.name, stage: next.reported, number: target.number }, 'Reported Task to GitHub');
      } catch (err) {
        next = err instanceof ReportError ? err.state : state;
        const failures = (retry?.failures ?? 0) + 1;
        const wait = Math.min((this.backoff.baseMs ?? 5000) * 2 ** (failures - 1), this.backoff.maxMs ?? 300_000);
        this.retries.set(uid, { failures, notBefore: now.getTime() + wait });
        this.log.warn({ task: task.metadata.name, number: target.number, error: (err as Error).message, retryInMs: wait }, 'Failed to report Task to GitHub');
      }
      const annotations = changed(state, next);
      if (Object.keys(annotations).length === 0) continue;
      try {
        await input.patch(task, annotations);
      } catch (err) {
        // The comment and check run are found again by marker and external id; the stage is said again, once.
        this.log.warn({ task: task.metadata.name, error: (err as Error).message }, 'Failed to record the report on the Task');
      }
    }
    for (const uid of this.retries.keys()) if (!seen.has(uid)) this.retries.delete(uid);
  }

  /** When the earliest report that failed is due again (epoch ms), or undefined when none waits. */
  nextRetryAt(): number | undefined {
    let next: number | undefined;
    for (const r of this.retries.values()) next = next === undefined ? r.notBefore : Math.min(next, r.notBefore);
    return next;
  }

  /** Only Tasks this spawner made, with reporting on, for an item of its own repository are reported. */
  private target(
    task: Task,
    spawner: TaskSpawner,
    api: RepoApi,
    wanted: NonNullable<ReturnType<typeof reportingOf>>,
    webOrigin: string,
  ): ReportTarget | undefined {
    const owned = (task.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === spawner.metadata.uid);
    const a = task.metadata.annotations ?? {};
    const number = Number(a[Annotation.SOURCE_NUMBER]);
    if (!owned || a[Annotation.REPORTED] === undefined || !Number.isSafeInteger(number) || number <= 0) return undefined;
    if ((a[Annotation.SOURCE_REPO] ?? '').toLowerCase() !== api.fullName.toLowerCase()) return undefined;
    const pull = a[Annotation.SOURCE_KIND] === 'pull-request';
    const headSha = pull ? a[Annotation.SOURCE_SHA] : undefined;
    const check = wanted.checkName !== undefined && headSha !== undefined && /^[0-9a-f]{7,64}$/.test(headSha);
    if (!wanted.comment && !check) return undefined;
    return {
      number,
      comment: wanted.comment,
      ...(check ? { checkName: wanted.checkName, headSha } : {}),
      webOrigin,
    };
  }
}

function changed(before: ReportState, after: ReportState): Record<string, string> {
  const out: Record<string, string> = {};
  if (after.commentId && after.commentId !== before.commentId) out[Annotation.REPORT_COMMENT_ID] = after.commentId;
  if (after.checkRunId && after.checkRunId !== before.checkRunId) out[Annotation.REPORT_CHECK_RUN_ID] = after.checkRunId;
  if (after.reported && after.reported !== before.reported) out[Annotation.REPORTED] = after.reported;
  return out;
}
