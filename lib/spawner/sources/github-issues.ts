import type { Logger } from 'pino';
import { type GitHubIssues, rfc3339 } from '../../api/index.js';
import type { GitHubClient } from '../../github/client.js';
import { permissionLookups } from '../../github/permissions.js';
import { type GhIssue, labelNames, RepoApi } from '../../github/repo-api.js';
import type { RepoRef } from '../../github/repo-url.js';
import { GraphqlUnavailableError, readThreads } from '../../github/threads.js';
import {
  type CommandComment,
  CommentAuthorizer,
  commandsEnabled,
  evaluateCommentPolicy,
  type PolicyDecision,
  type ResolvedCommentPolicy,
  resolveCommentPolicy,
} from '../comment-policy.js';
import { joinNewest, type WorkItem } from '../work-item.js';
import type { Needs, Source } from './source.js';

export interface GitHubIssuesSourceOptions {
  readonly client: GitHubClient;
  readonly repo: RepoRef;
  readonly spec: GitHubIssues;
  readonly log: Logger;
  /** How often the whole filtered list is read again (the rest of the time only changes are). @default 30 minutes */
  readonly resyncIntervalMs?: number;
  /**
   * How threads (comments) are read: `batched` reads up to 100 per GraphQL
   * query when more than one is needed, and over REST what GraphQL cannot
   * give whole; `per-item` reads each over REST, one listing per item.
   * @default 'batched'
   */
  readonly threadReads?: ThreadReads;
}

export type ThreadReads = 'batched' | 'per-item';

/** A delta with at least this many items moves the `since` mark forward. */
const ADVANCE_AFTER = 50;

/** What was last read of one issue's thread, valid while its fingerprint (updated_at + comment count) holds. */
interface Thread {
  fingerprint: string;
  comments?: CommandComment[];
  decision?: PolicyDecision;
}

interface Snapshot {
  /** Issues matching the server-side filters, by number. */
  items: Map<number, GhIssue>;
  /** Epoch ms: the delta reads issues updated since this mark (minus a second). */
  since: number;
  syncedAt: number;
}

/**
 * GitHub issues (and, with `types: [pulls]`, pull requests through the issues
 * endpoint). Economy: the first cycle (and every `resyncIntervalMs`) lists the
 * filtered issues; every other cycle asks only for issues updated since a
 * mark (`state=all&since=…`), a URL that stays the same while nothing changes,
 * so a quiet repository costs one conditional request answered 304. Comments
 * are read only when a comment policy needs them and only for issues whose
 * `updated_at` or comment count changed; many at once go through GraphQL,
 * 100 threads a query, so the first cycle over 5,000 issues costs about 100
 * requests instead of 5,000.
 */
export class GitHubIssuesSource implements Source {
  private readonly api: RepoApi;
  private readonly policy: ResolvedCommentPolicy;
  private snapshot: Snapshot | undefined;
  private readonly threads = new Map<number, Thread>();

  constructor(private readonly options: GitHubIssuesSourceOptions) {
    this.api = new RepoApi(options.client, options.repo);
    this.policy = resolveCommentPolicy(options.spec);
  }

  async discover(now: Date): Promise<WorkItem[]> {
    const snapshot = await this.read(now.getTime());
    const authorizer = new CommentAuthorizer(this.policy, permissionLookups(this.options.client, this.options.repo));
    const eligible = [...snapshot.items.values()].sort((a, b) => a.number - b.number).filter((i) => this.passesClientFilters(i));
    if (commandsEnabled(this.policy)) await this.loadThreads(eligible.filter((i) => !this.thread(i).decision));
    const items: WorkItem[] = [];
    for (const issue of eligible) {
      const thread = this.thread(issue);
      let decision: PolicyDecision = { included: true };
      if (commandsEnabled(this.policy)) {
        if (!thread.decision) {
          const comments = await this.comments(issue, thread);
          thread.decision = await evaluateCommentPolicy(this.policy, { body: issue.body, author: issue.user?.login ?? '' }, comments, (login) =>
            authorizer.isAuthorised(login),
          );
        }
        decision = thread.decision;
        if (!decision.included) continue;
      }
      items.push(this.toItem(issue, decision, thread));
    }
    // Commit only after everything above succeeded.
    this.snapshot = snapshot;
    for (const n of this.threads.keys()) if (!snapshot.items.has(n)) this.threads.delete(n);
    return items;
  }

  async hydrate(items: readonly WorkItem[], needs: Needs): Promise<void> {
    if (!needs.comments) return;
    const issues = items.filter((i) => i.comments === undefined).map((i) => this.snapshot?.items.get(i.number));
    await this.loadThreads(issues.filter((i): i is GhIssue => i !== undefined));
    for (const item of items) {
      if (item.comments !== undefined) continue;
      const issue = this.snapshot?.items.get(item.number);
      const comments = issue ? await this.comments(issue, this.thread(issue)) : await this.api.comments(item.number);
      item.comments = joinNewest(comments.map((c) => c.body));
    }
  }

  private async read(now: number): Promise<Snapshot> {
    const spec = this.options.spec;
    const prev = this.snapshot;
    let items: Map<number, GhIssue>;
    let since: number;
    let syncedAt: number;
    if (!prev || now - prev.syncedAt >= (this.options.resyncIntervalMs ?? 30 * 60_000)) {
      const full = await this.api.issues({
        state: spec.state ?? 'open',
        ...(spec.labels?.length ? { labels: spec.labels.join(',') } : {}),
        ...(spec.assignee ? { assignee: spec.assignee } : {}),
        ...(spec.author ? { creator: spec.author } : {}),
        sort: 'created',
        direction: 'asc',
      });
      items = new Map(full.items.map((i) => [i.number, i]));
      // Everything changed after the first page was served is in the delta
      // below; a resync keeps the old mark so that the delta URL (and its
      // ETag) stays the same.
      since = prev?.since ?? full.date ?? Math.max(0, ...full.items.map((i) => Date.parse(i.updated_at)).filter((t) => !Number.isNaN(t)));
      syncedAt = now;
      this.options.log.debug({ repo: this.api.fullName, count: items.size, unchanged: full.unchanged }, 'Listed issues');
    } else {
      items = new Map(prev.items);
      since = prev.since;
      syncedAt = prev.syncedAt;
    }

    const delta = await this.api.issues({ state: 'all', since: rfc3339(Math.max(0, since - 1000)), sort: 'updated', direction: 'asc' });
    for (const issue of delta.items) {
      if (this.passesServerFilters(issue)) items.set(issue.number, issue);
      else items.delete(issue.number);
    }
    if (delta.items.length >= ADVANCE_AFTER) {
      // Keep the delta small: move the mark to the newest change seen.
      since = Math.max(since, ...delta.items.map((i) => Date.parse(i.updated_at)).filter((t) => !Number.isNaN(t)));
    }
    return { items, since, syncedAt };
  }

  /** The filters the full list applies on the server, applied to delta items. */
  private passesServerFilters(issue: GhIssue): boolean {
    const spec = this.options.spec;
    const state = spec.state ?? 'open';
    if (state !== 'all' && issue.state !== state) return false;
    const have = labelNames(issue.labels).map((l) => l.toLowerCase());
    if (!(spec.labels ?? []).every((l) => have.includes(l.toLowerCase()))) return false;
    const assignees = (issue.assignees ?? []).map((a) => a.login.toLowerCase());
    if (spec.assignee === '*' && assignees.length === 0) return false;
    if (spec.assignee === 'none' && assignees.length > 0) return false;
    if (spec.assignee && spec.assignee !== '*' && spec.assignee !== 'none' && !assignees.includes(spec.assignee.toLowerCase())) return false;
    if (spec.author && (issue.user?.login ?? '').toLowerCase() !== spec.author.toLowerCase()) return false;
    return true;
  }

  private passesClientFilters(issue: GhIssue): boolean {
    const spec = this.options.spec;
    const types = spec.types?.length ? spec.types : ['issues'];
    if (!types.includes(issue.pull_request ? 'pulls' : 'issues')) return false;
    const labels = labelNames(issue.labels);
    if ((spec.excludeLabels ?? []).some((l) => labels.includes(l))) return false;
    const author = (issue.user?.login ?? '').toLowerCase();
    if ((spec.excludeAuthors ?? []).some((a) => a.toLowerCase() === author)) return false;
    return true;
  }

  /** The cached thread of `issue`, fresh when the issue changed since it was read. */
  private thread(issue: GhIssue): Thread {
    const fingerprint = `${issue.updated_at}|${issue.comments}`;
    let thread = this.threads.get(issue.number);
    if (thread?.fingerprint !== fingerprint) {
      thread = { fingerprint };
      this.threads.set(issue.number, thread);
    }
    return thread;
  }

  /**
   * Loads the comments of the issues whose thread is not loaded, many at a
   * time over GraphQL; what that leaves (one issue, long threads, GraphQL
   * failing) `comments` reads over REST.
   */
  private async loadThreads(issues: readonly GhIssue[]): Promise<void> {
    if ((this.options.threadReads ?? 'batched') !== 'batched') return;
    const missing = issues.filter((i) => i.comments > 0 && !this.thread(i).comments);
    if (missing.length < 2) return;
    let read;
    try {
      read = await readThreads(
        this.options.client,
        this.options.repo,
        missing.map((i) => ({ number: i.number, pull: Boolean(i.pull_request), commentCount: i.comments })),
        { comments: true, reviews: false },
      );
    } catch (err) {
      if (!(err instanceof GraphqlUnavailableError)) throw err;
      this.options.log.warn({ repo: this.api.fullName, error: err.message, threads: missing.length }, 'Read comments over REST instead of GraphQL');
      return;
    }
    for (const issue of missing) {
      const comments = read.get(issue.number)?.comments;
      if (comments) this.thread(issue).comments = comments;
    }
  }

  private async comments(issue: GhIssue, thread: Thread): Promise<CommandComment[]> {
    thread.comments ??= issue.comments === 0 ? [] : await this.api.comments(issue.number);
    return thread.comments;
  }

  private toItem(issue: GhIssue, decision: PolicyDecision, thread: Thread): WorkItem {
    const isPull = issue.pull_request !== undefined && issue.pull_request !== null;
    return {
      id: String(issue.number),
      number: issue.number,
      title: issue.title,
      body: issue.body ?? '',
      url: issue.html_url,
      labels: labelNames(issue.labels),
      kind: isPull ? 'PR' : 'Issue',
      author: issue.user?.login ?? '',
      ...(thread.comments ? { comments: joinNewest(thread.comments.map((c) => c.body)) } : {}),
      ...(decision.triggerTime ? { triggerTime: decision.triggerTime } : {}),
      origin: { kind: isPull ? 'pull-request' : 'issue', repo: this.api.fullName },
    };
  }
}
