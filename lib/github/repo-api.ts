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
    // The token goes only where the client was pointed.
    if (new URL(next).origin !== new URL(client.baseUrl).origin) throw new Error(`GitHub answered ${route} with a next page on another host: ${new URL(next).origin}`);
    response = await client.request({ method: 'GET', url: next });
  }
  return date === undefined ? { items, unchanged } : { items, unchanged, date };
}

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
    return items.map((c) => ({ author: c.user?.login ?? '', ...(c.user?.type ? { authorType: c.user.type } : {}), body: c.body ?? '', createdAt: c.created_at }));
  }

  async reviews(number: number): Promise<PullReview[]> {
    const { items } = await listAll<GhReview>(this.client, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...this.base, pull_number: number });
    return items.map((r) => ({ user: r.user?.login ?? '', state: r.state, commitId: r.commit_id ?? '', submittedAt: r.submitted_at ?? '' }));
  }

  async reviewComments(number: number): Promise<GhReviewComment[]> {
    const { items } = await listAll<GhReviewComment>(this.client, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...this.base, pull_number: number });
    return items;
  }
}
