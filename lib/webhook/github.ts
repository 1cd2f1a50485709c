import type { GitHubWebhook, GitHubWebhookFilter } from '../api/task-spawner.js';
import { matchesFilePatterns, matchesGlob } from '../github/file-patterns.js';
import { matchesPattern } from './patterns.js';
import { arr, baseVars, labelNames, obj, str, type WebhookVars } from './vars.js';

/** What kelos reads of a GitHub delivery (X-GitHub-Event and the parsed body). */
export interface GitHubEvent {
  readonly event: string;
  readonly action: string;
  readonly sender: string;
  /** `owner/repo`. */
  readonly repository: string;
  readonly repositoryOwner: string;
  readonly repositoryName: string;
  readonly id: string;
  /** The issue or pull request number, when the event concerns one. */
  readonly number?: number;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  readonly labels: readonly string[];
  /** The issue's or pull request's state. */
  readonly state?: string;
  readonly draft?: boolean;
  readonly branch: string;
  readonly ref: string;
  readonly tag: string;
  readonly refType: string;
  readonly commentAuthor: string;
  readonly commentBody: string;
  readonly commentUrl: string;
  /** The body `bodyPattern` and friends test: the comment's or review's, else the issue's or pull request's. */
  readonly filterBody: string;
  /** For issue_comment: whether the comment is on a plain issue or a pull request. */
  readonly commentOn?: 'Issue' | 'PullRequest';
  /** Files a push changed (from its commits); undefined when the delivery does not list them. */
  readonly changedFiles?: readonly string[];
  /** The issue or pull request, for the `kelos.dev/source-*` annotations (reporting); a pull request event's head commit too. */
  readonly origin?: { readonly kind: 'issue' | 'pull-request'; readonly number: number; readonly repo: string; readonly headSha?: string };
  readonly payload: Record<string, unknown>;
}

/** A full commit id (SHA-1 or SHA-256, lowercase hex), else undefined: the payload's text never becomes a ref. */
function commitSha(v: unknown): string | undefined {
  return typeof v === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(v) ? v : undefined;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

/** Reads a GitHub delivery. Unknown events get the sender and action only (Kelos's best effort). */
export function parseGitHubEvent(event: string, payload: Record<string, unknown>): GitHubEvent {
  const repo = obj(payload.repository);
  const repository = str(repo.full_name);
  const base = {
    event,
    action: str(payload.action),
    sender: str(obj(payload.sender).login),
    repository,
    repositoryOwner: str(obj(repo.owner).login),
    repositoryName: str(repo.name),
    payload,
  };
  const empty = {
    id: '',
    title: '',
    body: '',
    url: '',
    labels: [],
    branch: '',
    ref: '',
    tag: '',
    refType: '',
    commentAuthor: '',
    commentBody: '',
    commentUrl: '',
    filterBody: '',
  };
  const numbered = (o: Record<string, unknown>) => {
    const n = typeof o.number === 'number' && Number.isInteger(o.number) && o.number > 0 ? o.number : undefined;
    return {
      id: n !== undefined ? String(n) : '',
      ...(n !== undefined ? { number: n } : {}),
      title: str(o.title),
      body: str(o.body),
      url: str(o.html_url),
      labels: labelNames(o.labels),
      ...(typeof o.state === 'string' ? { state: o.state } : {}),
    };
  };
  const origin = (kind: 'issue' | 'pull-request', n: number | undefined, headSha?: string) =>
    n !== undefined && repository ? { origin: { kind, number: n, repo: repository, ...(headSha ? { headSha } : {}) } } : {};

  if (event === 'issues' || event === 'issue_comment') {
    const issue = obj(payload.issue);
    const item = numbered(issue);
    const onPr = issue.pull_request !== undefined && issue.pull_request !== null;
    const comment = obj(payload.comment);
    const commentBody = str(comment.body);
    return {
      ...base,
      ...empty,
      ...item,
      ...(event === 'issue_comment'
        ? {
            commentAuthor: str(obj(comment.user).login),
            commentBody,
            commentUrl: str(comment.html_url),
            filterBody: commentBody,
            commentOn: onPr ? ('PullRequest' as const) : ('Issue' as const),
          }
        : { filterBody: item.body }),
      ...origin(onPr ? 'pull-request' : 'issue', item.number),
    };
  }
  if (PR_EVENTS.has(event)) {
    const pr = obj(payload.pull_request);
    const item = numbered(pr);
    const review = event === 'pull_request_review' ? obj(payload.review) : event === 'pull_request_review_comment' ? obj(payload.comment) : undefined;
    const commentBody = review ? str(review.body) : '';
    return {
      ...base,
      ...empty,
      ...item,
      ...(typeof pr.draft === 'boolean' ? { draft: pr.draft } : {}),
      branch: str(obj(pr.head).ref),
      ...(review
        ? { commentAuthor: str(obj(review.user).login), commentBody, commentUrl: str(review.html_url), filterBody: commentBody }
        : { filterBody: item.body }),
      ...origin('pull-request', item.number, commitSha(obj(pr.head).sha)),
    };
  }
  if (event === 'push') {
    const ref = str(payload.ref);
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '';
    const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '';
    const files = new Set<string>();
    for (const c of arr(payload.commits)) {
      for (const key of ['added', 'removed', 'modified']) for (const f of arr(obj(c)[key])) if (typeof f === 'string') files.add(f);
    }
    return {
      ...base,
      ...empty,
      id: str(obj(payload.head_commit).id) || str(payload.after),
      title: `Push to ${branch || tag || ref}`,
      url: str(payload.compare),
      branch,
      tag,
      ref,
      changedFiles: [...files],
    };
  }
  if (event === 'create') {
    const ref = str(payload.ref);
    const refType = str(payload.ref_type);
    return {
      ...base,
      ...empty,
      id: ref,
      title: `Created ${refType} ${ref}`.trim(),
      ref,
      refType,
      ...(refType === 'branch' ? { branch: ref } : {}),
      ...(refType === 'tag' ? { tag: ref } : {}),
    };
  }
  if (event === 'release') {
    const release = obj(payload.release);
    const tag = str(release.tag_name);
    return {
      ...base,
      ...empty,
      id: release.id !== undefined ? str(release.id) : tag,
      title: str(release.name) || tag,
      body: str(release.body),
      url: str(release.html_url),
      tag,
      filterBody: str(release.body),
    };
  }
  return { ...base, ...empty };
}

/**
 * Whether a delivery matches a githubWebhook source: its event is listed,
 * its repository is `repository` (when set), its sender is not excluded, and
 * — when filters are given — one filter for its event matches (OR); within a
 * filter every field set must match (AND).
 */
export function matchesGitHubWebhook(source: GitHubWebhook, e: GitHubEvent): boolean {
  if (!source.events.includes(e.event)) return false;
  if (source.repository && source.repository.toLowerCase() !== e.repository.toLowerCase()) return false;
  if (e.sender && (source.excludeAuthors ?? []).includes(e.sender)) return false;
  const filters = source.filters ?? [];
  if (filters.length === 0) return true;
  return filters.some((f) => f.event === e.event && matchesGitHubFilter(f, e));
}

export function matchesGitHubFilter(f: GitHubWebhookFilter, e: GitHubEvent): boolean {
  if (f.action && f.action !== e.action) return false;
  if (f.author && f.author !== e.sender) return false;
  if (e.sender && (f.excludeAuthors ?? []).includes(e.sender)) return false;
  if (f.state && f.state !== e.state) return false;
  if (f.draft !== undefined && PR_EVENTS.has(e.event) && f.draft !== (e.draft ?? false)) return false;
  if ((f.labels ?? []).some((l) => !e.labels.includes(l))) return false;
  if ((f.excludeLabels ?? []).some((l) => e.labels.includes(l))) return false;
  if (f.branch && !(e.branch && matchesGlob(f.branch, e.branch))) return false;
  if (f.tag && !(e.tag && matchesGlob(f.tag, e.tag))) return false;
  if (f.commentOn && e.event === 'issue_comment' && f.commentOn !== e.commentOn) return false;
  if (f.bodyContains && !e.filterBody.includes(f.bodyContains)) return false;
  if (f.bodyPattern && !matchesPattern(f.bodyPattern, e.filterBody)) return false;
  if ((f.excludeBodyPatterns ?? []).some((p) => matchesPattern(p, e.filterBody))) return false;
  if (f.filePatterns) {
    // Pull requests do not list their files: without them the filter cannot hold.
    if (!e.changedFiles || !matchesFilePatterns(e.changedFiles, f.filePatterns)) return false;
  }
  return true;
}

export function githubVars(e: GitHubEvent): WebhookVars {
  return {
    ...baseVars(),
    ID: e.id,
    Number: e.number ?? '',
    Title: e.title,
    Body: e.body,
    URL: e.url,
    Labels: e.labels.join(', '),
    Kind: 'webhook',
    Event: e.event,
    Action: e.action,
    Sender: e.sender,
    Branch: e.branch,
    Ref: e.ref,
    Tag: e.tag,
    RefType: e.refType,
    Repository: e.repository,
    RepositoryOwner: e.repositoryOwner,
    RepositoryName: e.repositoryName,
    Payload: e.payload,
    CommentAuthor: e.commentAuthor,
    CommentBody: e.commentBody,
    CommentURL: e.commentUrl,
  };
}
