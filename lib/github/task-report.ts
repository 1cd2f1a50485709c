import { Annotation, isTerminalPhase, type Task, TaskPhase } from '../api/index.js';
import { GitHubRequestError } from './client.js';
import type { CheckRunFields, RepoApi } from './repo-api.js';

/** What a report says: the Task runs, or how it ended. */
export type ReportStage = 'started' | 'succeeded' | 'failed';

/** The value of the `kelos.dev/reported` annotation a Task is created with when its spawner reports. */
export const REPORT_PENDING = 'pending';

/** Where a Task reports: the issue or pull request, and whether to comment and which check run to keep. */
export interface ReportTarget {
  readonly number: number;
  /** Post and edit a status comment. */
  readonly comment: boolean;
  /** The check run's name; with `headSha`, a check run is kept on that commit. */
  readonly checkName?: string;
  readonly headSha?: string;
  /** Where pull request links may point: `https://github.com`, or the GitHub Enterprise origin. */
  readonly webOrigin: string;
}

/** The annotations a report leaves on its Task: what to edit next time, and what was said last. */
export interface ReportState {
  readonly commentId?: string;
  readonly checkRunId?: string;
  readonly reported?: ReportStage;
}

export function reportStage(task: Task): ReportStage {
  const phase = task.status?.phase;
  if (!isTerminalPhase(phase)) return 'started';
  return phase === TaskPhase.SUCCEEDED ? 'succeeded' : 'failed';
}

export function reportState(task: Task): ReportState {
  const a = task.metadata.annotations ?? {};
  const reported = a[Annotation.REPORTED];
  return {
    ...(a[Annotation.REPORT_COMMENT_ID] ? { commentId: a[Annotation.REPORT_COMMENT_ID] } : {}),
    ...(a[Annotation.REPORT_CHECK_RUN_ID] ? { checkRunId: a[Annotation.REPORT_CHECK_RUN_ID] } : {}),
    ...(reported === 'started' || reported === 'succeeded' || reported === 'failed' ? { reported } : {}),
  };
}

/** The hidden first line that finds a Task's comment again when the answer to its creation was lost. */
export function reportMarker(task: Task): string {
  return `<!-- kelos.dev/task ${task.metadata.uid ?? ''} -->`;
}

/** What a finished Task's agent reported, kept only when it is a plain number or a pull request URL of `webOrigin`. */
export interface ReportFigures {
  readonly pr?: string;
  readonly costUsd?: string;
  readonly inputTokens?: string;
  readonly outputTokens?: string;
}

const PR_PATH = /^\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/pull\/[0-9]{1,10}$/;

/**
 * The figures of `status.results`, which the agent printed and a prompt of
 * strangers may have steered: only values of a known shape are kept, so a
 * report never carries their text (no mention, no markdown, no link elsewhere).
 */
export function reportFigures(task: Task, webOrigin: string): ReportFigures {
  const r = task.status?.results ?? {};
  const out: { -readonly [K in keyof ReportFigures]: string } = {};
  const pr = r.pr?.trim();
  if (pr) {
    try {
      const u = new URL(pr);
      if (u.origin === webOrigin && PR_PATH.test(u.pathname) && !u.search && !u.hash && !u.username && !u.password) out.pr = `${u.origin}${u.pathname}`;
    } catch {
      // not a URL: left out
    }
  }
  const cost = r['cost-usd']?.trim();
  if (cost && /^[0-9]{1,9}(\.[0-9]{1,9})?$/.test(cost)) out.costUsd = Number(cost).toFixed(2);
  const tokens = (v: string | undefined) => (v && /^[0-9]{1,15}$/.test(v.trim()) ? Number(v.trim()).toLocaleString('en-US') : undefined);
  const input = tokens(r['input-tokens']);
  const output = tokens(r['output-tokens']);
  if (input) out.inputTokens = input;
  if (output) out.outputTokens = output;
  return out;
}

const HEADLINE: Readonly<Record<ReportStage, string>> = {
  started: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
};

/** The report as lines of kelos's own values: the Task name (a Kubernetes name), its stage and the checked figures. */
export function reportLines(task: Task, stage: ReportStage, figures: ReportFigures): string[] {
  const lines = [`Kelos Task \`${task.metadata.name}\` ${HEADLINE[stage]}.`];
  if (stage === 'started') return lines;
  const rows: string[] = [];
  if (figures.pr) rows.push(`| Pull request | ${figures.pr} |`);
  if (figures.costUsd) rows.push(`| Cost | $${figures.costUsd} |`);
  if (figures.inputTokens || figures.outputTokens) rows.push(`| Tokens | ${figures.inputTokens ?? '0'} in, ${figures.outputTokens ?? '0'} out |`);
  if (rows.length) lines.push('', '| | |', '|---|---|', ...rows);
  return lines;
}

export function commentBody(task: Task, stage: ReportStage, figures: ReportFigures): string {
  return [reportMarker(task), ...reportLines(task, stage, figures)].join('\n');
}

export function checkRunFields(task: Task, stage: ReportStage, figures: ReportFigures, now: Date): CheckRunFields {
  const summary = reportLines(task, stage, figures).join('\n');
  const title = `Task ${HEADLINE[stage]}`;
  if (stage === 'started') return { status: 'in_progress', started_at: now.toISOString(), output: { title, summary } };
  return { status: 'completed', conclusion: stage === 'succeeded' ? 'success' : 'failure', completed_at: now.toISOString(), output: { title, summary } };
}

/** A report that got part of the way: the state to keep, and why it stopped. */
export class ReportError extends Error {
  constructor(
    message: string,
    readonly state: ReportState,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ReportError';
  }
}

const isNotFound = (err: unknown) => err instanceof GitHubRequestError && err.status === 404;

/**
 * Brings a Task's report on GitHub to its current stage: the status comment
 * (created once, then edited) and the check run on the pull request head
 * (created once, then updated). Level-based: what was already said
 * (`state.reported`) is not said again, and a comment or check run whose
 * creation answer was lost is found again (by its marker, by its external
 * id) rather than made twice. Returns the state to keep; throws ReportError
 * with the state reached so far when a call fails.
 */
export async function reportTask(api: RepoApi, task: Task, target: ReportTarget, state: ReportState, now: Date): Promise<ReportState> {
  const stage = reportStage(task);
  if (state.reported === stage) return state;
  const figures = stage === 'started' ? {} : reportFigures(task, target.webOrigin);
  let next: ReportState = state;
  try {
    if (target.comment) {
      const body = commentBody(task, stage, figures);
      let id = next.commentId ? Number(next.commentId) : undefined;
      if (id === undefined || !Number.isSafeInteger(id)) {
        const marker = reportMarker(task);
        id = (await api.findComment(target.number, (c) => (c.body ?? '').startsWith(marker)))?.id;
      }
      let written;
      try {
        written = id !== undefined ? await api.updateComment(id, body) : await api.createComment(target.number, body);
      } catch (err) {
        // Deleted by someone: say it again in a new comment.
        if (id === undefined || !isNotFound(err)) throw err;
        written = await api.createComment(target.number, body);
      }
      next = { ...next, commentId: String(written.id) };
    }
    if (target.checkName && target.headSha) {
      const fields = checkRunFields(task, stage, figures, now);
      let id = next.checkRunId ? Number(next.checkRunId) : undefined;
      if (id === undefined || !Number.isSafeInteger(id)) {
        id = (await api.checkRuns(target.headSha, target.checkName)).find((r) => r.external_id === task.metadata.uid)?.id;
      }
      const run =
        id !== undefined
          ? await api.updateCheckRun(id, fields)
          : await api.createCheckRun({ ...fields, name: target.checkName, head_sha: target.headSha, external_id: task.metadata.uid ?? '' });
      next = { ...next, checkRunId: String(run.id) };
    }
  } catch (err) {
    throw new ReportError(err instanceof Error ? err.message : String(err), next, { cause: err });
  }
  return { ...next, reported: stage };
}
