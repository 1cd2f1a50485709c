import type { GitHubClient } from './client.js';
import type { RepoRef } from './repo-url.js';

/** The fields of GitHub's issue JSON the spawner reads. */
export interface GhIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  labels: Array<string | { name?: string }>;
  user: { login: string } | null;
  assignees?: Array<{ login: string }> | null;
  comments: number;
  updated_at: string;
  pull_request?: unknown;
}

export interface GhPull {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  draft?: boolean;
  labels: Array<{ name?: string }>;
  user: { login: string } | null;
  updated_at: string;
  /** `repo` is the head's repository: another one for a pull request from a fork, null when the fork is gone. */
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
}

interface GhComment {
  body?: string | null;
  user: { login: string; type?: string } | null;
  created_at: string;
}

interface GhReview {
  user: { login: string } | null;
  state: string;
  commit_id: string | null;
  submitted_at?: string | null;
}

/** A conversation comment of an issue or pull request. */
export interface IssueComment {
  readonly author: string;
  /** `User`, `Bot` or `Organization`, when GitHub says. */
  readonly authorType?: string;
  readonly body: string;
  /** RFC 3339. */
  readonly createdAt: string;
}

export interface PullReview {
  readonly user: string;
  /** GitHub's review state: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  readonly state: string;
  readonly commitId: string;
  /** RFC 3339. */
  readonly submittedAt: string;
}

export interface GhReviewComment {
  body: string;
  path: string;
  line?: number | null;
  commit_id: string;
}

/** A conversation comment as GitHub answers it (the fields the reporter reads). */
export interface GhIssueComment {
  id: number;
  body?: string | null;
  user: { login: string; type?: string } | null;
}

/** A check run as GitHub answers it (the fields the reporter reads). */
export interface GhCheckRun {
  id: number;
  name: string;
  head_sha: string;
  external_id?: string | null;
  status: string;
}

/** What a check run says: GitHub's fields, sent as they are. */
export interface CheckRunFields {
  readonly name?: string;
  readonly head_sha?: string;
  readonly status?: 'queued' | 'in_progress' | 'completed';
  readonly conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
  readonly external_id?: string;
  readonly details_url?: string;
  readonly started_at?: string;
  readonly completed_at?: string;
  readonly output?: { readonly title: string; readonly summary: string };
}

/** GitHub lists at most this many files of a pull request. */
export const MAX_PULL_FILES = 3000;
const FILES_PER_PAGE = 100;
/** Pages read at most, whatever the server says is next (GitHub's 3,000 files at 30 a page). */
const MAX_FILE_PAGES = 100;

/** One page of a pull request's files as last read: its URL, ETag, the file names and the next page. */
export interface PullFilesPage {
  readonly url: string;
  readonly etag?: string;
  readonly files: readonly string[];
  readonly next?: string;
}

/** The changed files of a pull request (at most MAX_PULL_FILES, GitHub's cap), and the pages they came from. */
export interface PullFiles {
  readonly files: readonly string[];
  readonly pages: readonly PullFilesPage[];
  /** Requests answered 304 (no rate limit). */
  readonly notModified: number;
}

export function labelNames(labels: GhIssue['labels']): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}

export interface ListResult<T> {
  readonly items: T[];
  /** Every page was answered 304 (served from the ETag cache). */
  readonly unchanged: boolean;
  /** The server's `date` of the first page (epoch ms), when given. */
  readonly date?: number;
}

/** Lists every page of a GET route (conditional requests through the ETag cache). */
export async function listAll<T>(client: GitHubClient, route: string, params: Record<string, unknown>): Promise<ListResult<T>> {
  const items: T[] = [];
  let unchanged = true;
  let date: number | undefined;
  for (let response = await client.request(route, { per_page: 100, ...params }); ; ) {
    if (!Array.isArray(response.data)) throw new Error(`GitHub answered ${route} with a body that is not a list`);
    items.push(...(response.data as T[]));
    if (response.status !== 304) unchanged = false;
    if (date === undefined && typeof response.headers.date === 'string') {
      const d = Date.parse(response.headers.date);
      if (!Number.isNaN(d)) date = d;
    }
    const next = /<([^<>]+)>;\s*rel="next"/.exec(response.headers.link ?? '')?.[1];
    if (!next) break;
    checkSameOrigin(client, route, next);
    response = await client.request({ method: 'GET', url: next });
  }
  return date === undefined ? { items, unchanged } : { items, unchanged, date };
}

/** The token goes only where the client was pointed. */
function checkSameOrigin(client: GitHubClient, route: string, next: string): void {
  if (new URL(next).origin !== new URL(client.baseUrl).origin)
    throw new Error(`GitHub answered ${route} with a next page on another host: ${new URL(next).origin}`);
}

const nextLink = (link: string | undefined): string | undefined => /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];

/** Thin typed calls on one repository. */
export class RepoApi {
  constructor(
    readonly client: GitHubClient,
    readonly repo: RepoRef,
  ) {}

  get fullName(): string {
    return `${this.repo.owner}/${this.repo.repo}`;
  }

  private get base() {
    return { owner: this.repo.owner, repo: this.repo.repo };
  }

  issues(params: Record<string, unknown>): Promise<ListResult<GhIssue>> {
    return listAll<GhIssue>(this.client, 'GET /repos/{owner}/{repo}/issues', { ...this.base, ...params });
  }

  pulls(params: Record<string, unknown>): Promise<ListResult<GhPull>> {
    return listAll<GhPull>(this.client, 'GET /repos/{owner}/{repo}/pulls', { ...this.base, ...params });
  }

  async comments(number: number): Promise<IssueComment[]> {
    const { items } = await listAll<GhComment>(this.client, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...this.base, issue_number: number });
    return items.map((c) => ({
      author: c.user?.login ?? '',
      ...(c.user?.type ? { authorType: c.user.type } : {}),
      body: c.body ?? '',
      createdAt: c.created_at,
    }));
  }

  async reviews(number: number): Promise<PullReview[]> {
    const { items } = await listAll<GhReview>(this.client, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...this.base, pull_number: number });
    return items.map((r) => ({ user: r.user?.login ?? '', state: r.state, commitId: r.commit_id ?? '', submittedAt: r.submitted_at ?? '' }));
  }

  async reviewComments(number: number): Promise<GhReviewComment[]> {
    const { items } = await listAll<GhReviewComment>(this.client, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      ...this.base,
      pull_number: number,
    });
    return items;
  }

  /**
   * The files a pull request changes, page by page (100 a page, at most
   * MAX_PULL_FILES as GitHub lists). Only file names are kept, not the
   * patches; with `previous` (what an earlier call returned) each page is
   * asked conditionally and a 304 reuses its names at no rate-limit cost.
   */
  async pullFiles(number: number, previous?: PullFiles): Promise<PullFiles> {
    const route = 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files';
    const pages: PullFilesPage[] = [];
    const files: string[] = [];
    let notModified = 0;
    let url: string | undefined;
    for (let i = 0; files.length < MAX_PULL_FILES && i < MAX_FILE_PAGES; i++) {
      const prev = previous?.pages[i];
      const sameUrl = prev && (i === 0 || prev.url === url);
      const opts = { cache: false, ...(sameUrl && prev.etag ? { ifNoneMatch: prev.etag } : {}) };
      const res =
        i === 0
          ? await this.client.request(route, { ...this.base, pull_number: number, per_page: FILES_PER_PAGE }, opts)
          : await this.client.request({ method: 'GET', url: url! }, {}, opts);
      let names: readonly string[];
      let next: string | undefined;
      if (res.status === 304 && sameUrl && prev.url === res.url) {
        notModified++;
        names = prev.files;
        next = nextLink(res.headers.link) ?? prev.next;
      } else {
        if (!Array.isArray(res.data)) throw new Error(`GitHub answered ${route} with a body that is not a list`);
        names = (res.data as Array<{ filename?: unknown }>).map((f) => f?.filename).filter((f): f is string => typeof f === 'string');
        next = nextLink(res.headers.link);
      }
      pages.push({ url: res.url, ...(res.headers.etag ? { etag: res.headers.etag } : {}), files: names, ...(next ? { next } : {}) });
      files.push(...names.slice(0, MAX_PULL_FILES - files.length));
      if (!next) break;
      checkSameOrigin(this.client, route, next);
      url = next;
    }
    return { files, pages, notModified };
  }

  /** Posts a comment; never retried blindly (see RequestOptions.retries): the caller finds it again if the answer was lost. */
  async createComment(number: number, body: string): Promise<GhIssueComment> {
    const { data } = await this.client.request<GhIssueComment>(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { ...this.base, issue_number: number, body },
      { retries: 0 },
    );
    return data;
  }

  async updateComment(id: number, body: string): Promise<GhIssueComment> {
    const { data } = await this.client.request<GhIssueComment>('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...this.base,
      comment_id: id,
      body,
    });
    return data;
  }

  /** The first comment of an issue or pull request that `match` accepts (every page read). */
  async findComment(number: number, match: (c: GhIssueComment) => boolean): Promise<GhIssueComment | undefined> {
    const { items } = await listAll<GhIssueComment>(this.client, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...this.base,
      issue_number: number,
    });
    return items.find(match);
  }

  /** Creates a check run; never retried blindly, as createComment. */
  async createCheckRun(fields: CheckRunFields & { readonly name: string; readonly head_sha: string }): Promise<GhCheckRun> {
    const { data } = await this.client.request<GhCheckRun>('POST /repos/{owner}/{repo}/check-runs', { ...this.base, ...fields }, { retries: 0 });
    return data;
  }

  async updateCheckRun(id: number, fields: CheckRunFields): Promise<GhCheckRun> {
    const { data } = await this.client.request<GhCheckRun>('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...this.base,
      check_run_id: id,
      ...fields,
    });
    return data;
  }

  /** The check runs named `name` on commit `sha` (the first 100). */
  async checkRuns(sha: string, name: string): Promise<GhCheckRun[]> {
    const { data } = await this.client.request<{ check_runs?: GhCheckRun[] }>('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...this.base,
      ref: sha,
      check_name: name,
      filter: 'all',
      per_page: 100,
    });
    return Array.isArray(data?.check_runs) ? data.check_runs : [];
  }
}
