import type { Logger } from 'pino';
import type { GitHubPullRequests } from '../../api/index.js';
import type { GitHubClient } from '../../github/client.js';
import { type FileFilter, fileFilter } from '../../github/file-patterns.js';
import { permissionLookups } from '../../github/permissions.js';
import { type GhPull, labelNames, type PullFiles, RepoApi } from '../../github/repo-api.js';
import type { RepoRef } from '../../github/repo-url.js';
import { GraphqlUnavailableError, readThreads, type ThreadNeeds } from '../../github/threads.js';
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
import type { ThreadReads } from './github-issues.js';
import { type AggregatedReviewState, aggregateReviewState } from './review-state.js';
import type { Needs, Source } from './source.js';

export interface GitHubPullRequestsSourceOptions {
  readonly client: GitHubClient;
  readonly repo: RepoRef;
  readonly spec: GitHubPullRequests;
  readonly log: Logger;
  /** How comments and reviews are read (see the issues source). @default 'batched' */
  readonly threadReads?: ThreadReads;
}

/** What was last read of one pull request, valid while its fingerprint (updated_at + head SHA) holds. */
interface Thread {
  fingerprint: string;
  comments?: CommandComment[];
  decision?: PolicyDecision;
  review?: AggregatedReviewState;
  /** The changed files as read for this fingerprint. */
  files?: readonly string[];
}

/**
 * GitHub pull requests. The list is read page by page with conditional
 * requests (a quiet repository answers 304 to each page); reviews are read
 * only when `reviewState` filters, comments only when a comment policy needs
 * them, both only for pull requests whose `updated_at` or head changed, and
 * for many pull requests at once through GraphQL. Changed files are read
 * last, only for pull requests every other filter kept (or about to become
 * Tasks whose templates read `ChangedFiles`), and only again when the pull
 * request changed: then page by page with the ETags of the last read, so an
 * unchanged list costs 304s.
 */
export class GitHubPullRequestsSource implements Source {
  private readonly api: RepoApi;
  private readonly policy: ResolvedCommentPolicy;
  private readonly threads = new Map<number, Thread>();
  private pulls = new Map<number, GhPull>();
  /** The last read of each pull request's files, for conditional requests; kept across fingerprints. */
  private readonly fileReads = new Map<number, PullFiles>();
  private readonly files: FileFilter | undefined;

  /** Throws an Error naming the glob when a filePatterns glob is malformed. */
  constructor(private readonly options: GitHubPullRequestsSourceOptions) {
    this.api = new RepoApi(options.client, options.repo);
    this.policy = resolveCommentPolicy(options.spec);
    this.files = fileFilter(options.spec.filePatterns, 'githubPullRequests.filePatterns');
  }

  async discover(): Promise<WorkItem[]> {
    const spec = this.options.spec;
    const wantedReview = spec.reviewState ?? 'any';
    const list = await this.api.pulls({ state: spec.state ?? 'open' });
    const pulls = new Map(list.items.map((p) => [p.number, p]));
    const authorizer = new CommentAuthorizer(this.policy, permissionLookups(this.options.client, this.options.repo));
    const eligible = [...pulls.values()].sort((a, b) => a.number - b.number).filter((p) => this.passesFilters(p));
    await this.loadThreads(eligible, { comments: commandsEnabled(this.policy), reviews: wantedReview !== 'any' });
    const items: WorkItem[] = [];
    for (const pull of eligible) {
      const thread = this.thread(pull);
      let review: AggregatedReviewState = { state: '' };
      if (wantedReview !== 'any') {
        thread.review ??= aggregateReviewState(await this.api.reviews(pull.number), pull.head.sha);
        review = thread.review;
        if (review.state !== wantedReview) continue;
      }
      let decision: PolicyDecision = { included: true };
      if (commandsEnabled(this.policy)) {
        if (!thread.decision) {
          thread.comments ??= await this.api.comments(pull.number);
          thread.decision = await evaluateCommentPolicy(this.policy, { body: pull.body, author: pull.user?.login ?? '' }, thread.comments, (login) =>
            authorizer.isAuthorised(login),
          );
        }
        decision = thread.decision;
        if (!decision.included) continue;
      }
      if (this.files && !this.files(await this.changedFiles(pull))) continue;
      // Only a trigger comment sets triggerTime; only a wanted review state sets review.at.
      const times = [decision.triggerTime?.getTime(), review.at?.getTime()].filter((t): t is number => t !== undefined);
      items.push({
        id: String(pull.number),
        number: pull.number,
        title: pull.title,
        body: pull.body ?? '',
        url: pull.html_url,
        labels: labelNames(pull.labels),
        kind: 'PR',
        author: pull.user?.login ?? '',
        branch: pull.head.ref,
        headSha: pull.head.sha,
        reviewState: review.state,
        ...(thread.comments ? { comments: joinNewest(thread.comments.map((c) => c.body)) } : {}),
        ...(thread.files ? { changedFiles: thread.files } : {}),
        ...(times.length ? { triggerTime: new Date(Math.max(...times)) } : {}),
        ...(review.at ? { reviewTime: review.at } : {}),
        ...(pull.head.repo?.full_name?.toLowerCase() === this.api.fullName.toLowerCase() ? {} : { fork: true }),
        origin: { kind: 'pull-request', repo: this.api.fullName },
      });
    }
    this.pulls = pulls;
    for (const n of this.threads.keys()) if (!pulls.has(n)) this.threads.delete(n);
    for (const n of this.fileReads.keys()) if (!pulls.has(n)) this.fileReads.delete(n);
    return items;
  }

  async hydrate(items: readonly WorkItem[], needs: Needs): Promise<void> {
    if (needs.comments) {
      const pulls = items.filter((i) => i.comments === undefined).map((i) => this.pulls.get(i.number));
      await this.loadThreads(
        pulls.filter((p): p is GhPull => p !== undefined),
        { comments: true, reviews: false },
      );
    }
    for (const item of items) {
      const pull = this.pulls.get(item.number);
      const thread = pull ? this.thread(pull) : undefined;
      if (needs.comments && item.comments === undefined) {
        const comments = thread?.comments ?? (await this.api.comments(item.number));
        if (thread) thread.comments = comments;
        item.comments = joinNewest(comments.map((c) => c.body));
      }
      if (needs.changedFiles && item.changedFiles === undefined && pull) item.changedFiles = await this.changedFiles(pull);
      if (needs.reviewComments && item.reviewComments === undefined && pull) {
        const inline = (await this.api.reviewComments(item.number)).filter((c) => c.commit_id === pull.head.sha);
        item.reviewComments = joinNewest(
          inline
            .filter((c) => c.body.trim())
            .map((c) => {
              const where = c.line ? `${c.path}:${c.line}` : c.path;
              return where ? `${where}\n${c.body.trim()}` : c.body.trim();
            }),
        );
      }
    }
  }

  /**
   * Loads what `needs` asks of the pull requests whose thread lacks it, many
   * at a time over GraphQL; what that leaves the loop reads over REST.
   */
  private async loadThreads(pulls: readonly GhPull[], needs: ThreadNeeds): Promise<void> {
    if ((this.options.threadReads ?? 'batched') !== 'batched' || (!needs.comments && !needs.reviews)) return;
    const missing = pulls.filter((p) => {
      const t = this.thread(p);
      return (needs.comments && !t.comments) || (needs.reviews && !t.review);
    });
    if (missing.length < 2) return;
    let read;
    try {
      read = await readThreads(
        this.options.client,
        this.options.repo,
        missing.map((p) => ({ number: p.number, pull: true })),
        needs,
      );
    } catch (err) {
      if (!(err instanceof GraphqlUnavailableError)) throw err;
      this.options.log.warn({ repo: this.api.fullName, error: err.message, threads: missing.length }, 'Read pull request threads over REST instead of GraphQL');
      return;
    }
    for (const pull of missing) {
      const got = read.get(pull.number);
      if (!got) continue;
      const thread = this.thread(pull);
      if (got.comments) thread.comments ??= got.comments;
      if (got.reviews) thread.review ??= aggregateReviewState(got.reviews, pull.head.sha);
    }
  }

  /** The pull request's changed files: none read while it is unchanged, else revalidated page by page. */
  private async changedFiles(pull: GhPull): Promise<readonly string[]> {
    const thread = this.thread(pull);
    if (!thread.files) {
      const read = await this.api.pullFiles(pull.number, this.fileReads.get(pull.number));
      this.fileReads.set(pull.number, read);
      thread.files = read.files;
    }
    return thread.files;
  }

  private thread(pull: GhPull): Thread {
    const fingerprint = `${pull.updated_at}|${pull.head.sha}`;
    let thread = this.threads.get(pull.number);
    if (thread?.fingerprint !== fingerprint) {
      thread = { fingerprint };
      this.threads.set(pull.number, thread);
    }
    return thread;
  }

  private passesFilters(pull: GhPull): boolean {
    const spec = this.options.spec;
    const author = (pull.user?.login ?? '').toLowerCase();
    if (spec.author && author !== spec.author.toLowerCase()) return false;
    if ((spec.excludeAuthors ?? []).some((a) => a.toLowerCase() === author)) return false;
    if (spec.draft !== undefined && (pull.draft ?? false) !== spec.draft) return false;
    const labels = labelNames(pull.labels);
    if ((spec.excludeLabels ?? []).some((l) => labels.includes(l))) return false;
    if (!(spec.labels ?? []).every((l) => labels.includes(l))) return false;
    return true;
  }
}
