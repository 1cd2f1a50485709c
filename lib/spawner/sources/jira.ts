import type { Logger } from 'pino';
import { joinNewest, type WorkItem } from '../work-item.js';
import type { Source } from './source.js';

export interface JiraCredentials {
  /** JIRA_TOKEN: an API token (Cloud, with `user`) or a personal access token (Data Center). */
  readonly token?: string | undefined;
  /** JIRA_USER: with it, Basic auth; without, Bearer. */
  readonly user?: string | undefined;
}

export interface JiraSourceOptions {
  readonly baseUrl: string;
  readonly project: string;
  readonly jql?: string | undefined;
  readonly credentials: JiraCredentials;
  readonly log: Logger;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Retries of 5xx, 429 and network errors. @default 3 */
  readonly retries?: number;
  /** Backoff unit: retry n waits n² units (or the server's Retry-After). @default 1000 */
  readonly retryBaseMs?: number;
  /** @default 100 */
  readonly pageSize?: number;
  /** Safety bound on pages per discovery. @default 100 */
  readonly maxPages?: number;
}

/** `project = P AND (jql)`, keeping a trailing ORDER BY outside the parentheses. */
export function buildJql(project: string, jql?: string): string {
  const q = jql?.trim();
  if (!q) return `project = ${project}`;
  const i = q.toUpperCase().lastIndexOf('ORDER BY');
  if (i < 0) return `project = ${project} AND (${q})`;
  const filter = q.slice(0, i).trim();
  const order = q.slice(i).trim();
  return filter ? `project = ${project} AND (${filter}) ${order}` : `project = ${project} ${order}`;
}

/** The numeric suffix of an issue key (`PROJ-42` → 42), 0 when there is none. */
export function issueNumber(key: string): number {
  const m = /-(\d+)$/.exec(key);
  return m ? Number(m[1]) : 0;
}

/** Plain text of a Jira rich-text value: a string (API v2) or an Atlassian Document Format node (v3). */
export function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return '';
  const node = value as { text?: unknown; content?: unknown };
  if (typeof node.text === 'string') return node.text;
  if (Array.isArray(node.content)) return node.content.map(plainText).filter(Boolean).join('\n');
  return '';
}

interface JiraIssue {
  key: string;
  fields?: {
    summary?: string;
    description?: unknown;
    labels?: string[];
    issuetype?: { name?: string };
    comment?: { comments?: Array<{ body?: unknown }> };
  };
}

class JiraHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const FIELDS = 'summary,description,status,labels,comment,issuetype';

/**
 * Jira issues from a JQL search. Jira Cloud's `GET /rest/api/2/search/jql`
 * (token pagination) is tried first; a server without it (Jira Data Center)
 * is read through `GET /rest/api/2/search` (startAt/maxResults/total).
 */
export class JiraSource implements Source {
  private api: 'cloud' | 'datacenter' | undefined;

  constructor(private readonly options: JiraSourceOptions) {}

  async discover(): Promise<WorkItem[]> {
    const issues = await this.search(buildJql(this.options.project, this.options.jql));
    const base = this.options.baseUrl.replace(/\/+$/, '');
    return issues.map((issue) => {
      const f = issue.fields ?? {};
      return {
        id: issue.key,
        number: issueNumber(issue.key),
        title: f.summary ?? '',
        body: plainText(f.description),
        url: `${base}/browse/${issue.key}`,
        labels: f.labels ?? [],
        kind: f.issuetype?.name || 'Issue',
        comments: joinNewest((f.comment?.comments ?? []).map((c) => plainText(c.body)).filter(Boolean)),
      };
    });
  }

  private async search(jql: string): Promise<JiraIssue[]> {
    if (this.api !== 'datacenter') {
      try {
        const issues = await this.searchCloud(jql);
        this.api = 'cloud';
        return issues;
      } catch (err) {
        if (!(err instanceof JiraHttpError && (err.status === 404 || err.status === 405)) || this.api === 'cloud') throw err;
        this.api = 'datacenter';
        this.options.log.info({ baseUrl: this.options.baseUrl }, 'Using the Jira Data Center search API');
      }
    }
    return this.searchDataCenter(jql);
  }

  private async searchCloud(jql: string): Promise<JiraIssue[]> {
    const out: JiraIssue[] = [];
    let token: string | undefined;
    for (let page = 0; page < (this.options.maxPages ?? 100); page++) {
      const params: Record<string, string> = { jql, maxResults: String(this.options.pageSize ?? 100), fields: FIELDS };
      if (token) params.nextPageToken = token;
      const body = (await this.get('/rest/api/2/search/jql', params)) as { issues?: JiraIssue[]; nextPageToken?: string; isLast?: boolean };
      out.push(...(body.issues ?? []));
      if (body.isLast || !body.nextPageToken) return out;
      token = body.nextPageToken;
    }
    throw new Error(`Jira search returned more than ${this.options.maxPages ?? 100} pages`);
  }

  private async searchDataCenter(jql: string): Promise<JiraIssue[]> {
    const out: JiraIssue[] = [];
    for (let page = 0; page < (this.options.maxPages ?? 100); page++) {
      const params = { jql, startAt: String(out.length), maxResults: String(this.options.pageSize ?? 100), fields: FIELDS };
      const body = (await this.get('/rest/api/2/search', params)) as { issues?: JiraIssue[]; total?: number };
      const got = body.issues ?? [];
      out.push(...got);
      if (got.length === 0 || out.length >= (body.total ?? 0)) return out;
    }
    throw new Error(`Jira search returned more than ${this.options.maxPages ?? 100} pages`);
  }

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.getOnce(path, params);
      } catch (err) {
        const retryable = !(err instanceof JiraHttpError) || err.status >= 500 || err.status === 429;
        if (!retryable || attempt >= retries) throw err;
        const unit = this.options.retryBaseMs ?? 1000;
        const wait = err instanceof JiraHttpError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * unit : (attempt + 1) ** 2 * unit;
        this.options.log.info({ path, attempt: attempt + 1, waitMs: wait, error: (err as Error).message }, 'Jira request failed, retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async getOnce(path: string, params: Record<string, string>): Promise<unknown> {
    const url = new URL(this.options.baseUrl.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    const { token, user } = this.options.credentials;
    if (token) {
      headers.authorization = user ? `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` : `Bearer ${token}`;
    }
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new Error(`Jira request ${path} failed: ${(err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs}ms` : (err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { errorMessages?: string[] };
        if (j.errorMessages?.length) detail = j.errorMessages.join('; ');
      } catch {
        // keep the raw text
      }
      const ra = Number(res.headers.get('retry-after'));
      throw new JiraHttpError(res.status, `Jira answered ${path} with ${res.status}: ${detail}`, Number.isFinite(ra) && ra > 0 ? ra : undefined);
    }
    return JSON.parse(text) as unknown;
  }
}
