/**
 * A Jira REST API server on loopback: JQL search with both pagination schemes
 * Atlassian documents — Jira Cloud's `GET /rest/api/{2,3}/search/jql`
 * (`nextPageToken`, `isLast`) and Jira Server / Data Center's
 * `GET /rest/api/2/search` (`startAt`, `maxResults`, `total`) — with Basic
 * (email + API token) or Bearer (PAT) authentication and injectable faults.
 * JQL is evaluated for the subset tests use: `=`, `!=`, `in`, `not in`,
 * `AND`, `OR`, `NOT`, parentheses and `ORDER BY`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoSeconds, LoopbackServer } from './_http.js';

export interface JiraIssueInput {
  /** Issue key, e.g. `PROJ-12`; @default next number in the project */
  key?: string;
  project: string;
  summary: string;
  description?: string;
  status?: string;
  labels?: string[];
  issuetype?: string;
  assignee?: string;
  priority?: string;
  comments?: string[];
}

interface JiraIssueRecord {
  id: number;
  key: string;
  project: string;
  summary: string;
  description: string | null;
  status: string;
  labels: string[];
  issuetype: string;
  assignee: string | null;
  priority: string;
  comments: string[];
  created: number;
  updated: number;
}

export interface JiraEmulatorOptions {
  /** Which search API the server offers. @default 'both' */
  readonly flavour?: 'cloud' | 'datacenter' | 'both';
  /** Basic auth credentials (Jira Cloud: email + API token). */
  readonly basic?: { user: string; token: string };
  /** Bearer token (Jira Data Center PAT). */
  readonly bearer?: string;
  /** Largest page the server hands out whatever maxResults asks. @default 50 */
  readonly maxPageSize?: number;
}

export type JiraFault = 'server-error' | 'too-many-requests';

export class JiraEmulator {
  private readonly issues = new Map<string, JiraIssueRecord>();
  private readonly counters = new Map<string, number>();
  private queued: JiraFault[] = [];
  private nextId = 10000;
  /** Every request received, by path. */
  readonly requests: Array<{ path: string; jql: string | null; status: number }> = [];

  private constructor(
    private readonly server: LoopbackServer,
    private readonly options: JiraEmulatorOptions,
  ) {}

  static async start(options: JiraEmulatorOptions = {}): Promise<JiraEmulator> {
    const ref: { current?: JiraEmulator } = {};
    const server = await LoopbackServer.listen((req, res) => ref.current!.handle(req, res));
    const emu = new JiraEmulator(server, options);
    ref.current = emu;
    return emu;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  addIssue(input: JiraIssueInput): string {
    const n = (this.counters.get(input.project) ?? 0) + 1;
    const key = input.key ?? `${input.project}-${n}`;
    const num = Number(key.split('-').pop());
    this.counters.set(input.project, Math.max(n, Number.isFinite(num) ? num : n));
    const now = Date.now();
    this.issues.set(key, {
      id: ++this.nextId,
      key,
      project: input.project,
      summary: input.summary,
      description: input.description ?? null,
      status: input.status ?? 'To Do',
      labels: [...(input.labels ?? [])],
      issuetype: input.issuetype ?? 'Task',
      assignee: input.assignee ?? null,
      priority: input.priority ?? 'Medium',
      comments: [...(input.comments ?? [])],
      created: now,
      updated: now,
    });
    return key;
  }

  updateIssue(key: string, patch: Partial<Omit<JiraIssueInput, 'key' | 'project'>>): void {
    const issue = this.issues.get(key);
    if (!issue) throw new Error(`no Jira issue ${key}`);
    Object.assign(issue, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    issue.updated = Date.now();
  }

  failNext(kind: JiraFault, count = 1): void {
    for (let i = 0; i < count; i++) this.queued.push(kind);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const path = url.pathname.replace(/\/$/, '');
    const record = (status: number) => this.requests.push({ path, jql: url.searchParams.get('jql'), status });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
      res.end(JSON.stringify(data));
    };

    const fault = this.queued.shift();
    if (fault === 'server-error') return send(503, { errorMessages: ['Service Unavailable'] });
    if (fault === 'too-many-requests') return send(429, { errorMessages: ['Rate limit exceeded'] }, { 'retry-after': '1' });

    if (!this.authorised(req.headers.authorization)) {
      return send(
        401,
        { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'] },
        { 'www-authenticate': 'Basic realm="protected-area"' },
      );
    }

    const flavour = this.options.flavour ?? 'both';
    const cloud = /^\/rest\/api\/[23]\/search\/jql$/.test(path) && flavour !== 'datacenter';
    const dc = path === '/rest/api/2/search' && flavour !== 'cloud';
    if (req.method !== 'GET' || (!cloud && !dc)) {
      return send(404, { errorMessages: ['Not Found'] });
    }

    let matched: JiraIssueRecord[];
    try {
      matched = this.search(url.searchParams.get('jql') ?? '');
    } catch (err) {
      return send(400, { errorMessages: [(err as Error).message], warningMessages: [] });
    }
    const pageCap = this.options.maxPageSize ?? 50;
    const maxResults = Math.min(pageCap, Math.max(0, Number(url.searchParams.get('maxResults') ?? 50) || 50));
    const fields = (url.searchParams.get('fields') ?? '*navigable').split(',');

    if (cloud) {
      const token = url.searchParams.get('nextPageToken');
      const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) return send(400, { errorMessages: ['Invalid nextPageToken'] });
      const page = matched.slice(start, start + maxResults);
      const isLast = start + maxResults >= matched.length;
      const data: Record<string, unknown> = { issues: page.map((i) => this.issueJSON(i, fields)), isLast };
      if (!isLast) data.nextPageToken = Buffer.from(String(start + maxResults)).toString('base64url');
      return send(200, data);
    }
    const startAt = Math.max(0, Number(url.searchParams.get('startAt') ?? 0) || 0);
    const page = matched.slice(startAt, startAt + maxResults);
    return send(200, { expand: 'schema,names', startAt, maxResults, total: matched.length, issues: page.map((i) => this.issueJSON(i, fields)) });
  }

  private authorised(header: string | undefined): boolean {
    const { basic, bearer } = this.options;
    if (!basic && !bearer) return true;
    if (!header) return false;
    const [scheme, credential = ''] = header.split(/\s+/, 2);
    if (basic && /^basic$/i.test(scheme ?? '')) {
      return Buffer.from(credential, 'base64').toString('utf8') === `${basic.user}:${basic.token}`;
    }
    if (bearer && /^bearer$/i.test(scheme ?? '')) return credential === bearer;
    return false;
  }

  private issueJSON(i: JiraIssueRecord, fields: string[]): Record<string, unknown> {
    const all: Record<string, unknown> = {
      summary: i.summary,
      description: i.description,
      status: { name: i.status, statusCategory: { key: i.status === 'Done' ? 'done' : 'new' } },
      labels: i.labels,
      issuetype: { name: i.issuetype, subtask: false },
      assignee: i.assignee ? { displayName: i.assignee, name: i.assignee } : null,
      priority: { name: i.priority },
      project: { key: i.project },
      comment: {
        comments: i.comments.map((body, n) => ({ id: String(i.id * 100 + n), body, created: isoSeconds(i.created) })),
        maxResults: i.comments.length,
        total: i.comments.length,
        startAt: 0,
      },
      created: isoSeconds(i.created),
      updated: isoSeconds(i.updated),
    };
    const wantAll = fields.includes('*all') || fields.includes('*navigable');
    const picked = wantAll ? all : Object.fromEntries(Object.entries(all).filter(([k]) => fields.includes(k)));
    return { id: String(i.id), key: i.key, self: `${this.url}/rest/api/2/issue/${i.id}`, fields: picked };
  }

  private search(jql: string): JiraIssueRecord[] {
    const { where, orderBy } = parseJql(jql);
    const list = [...this.issues.values()].filter((i) => !where || evaluate(where, i));
    const keyNum = (i: JiraIssueRecord) => Number(i.key.split('-').pop());
    const cmp = orderBy ?? { field: 'key', desc: true };
    const val = (i: JiraIssueRecord): number | string => {
      switch (cmp.field) {
        case 'created':
          return i.created;
        case 'updated':
          return i.updated;
        case 'priority':
          return i.priority;
        default:
          return keyNum(i);
      }
    };
    return list.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      const c = x < y ? -1 : x > y ? 1 : keyNum(a) - keyNum(b);
      return cmp.desc ? -c : c;
    });
  }
}

// ---- a small JQL subset ----------------------------------------------------

type Expr = { op: 'and' | 'or'; left: Expr; right: Expr } | { op: 'not'; expr: Expr } | { op: 'cmp'; field: string; negate: boolean; values: string[] };

function tokenize(s: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(!=|=|\(|\)|,)|([^\s=!(),"']+))/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    if (m[1] !== undefined) tokens.push(`"${m[1]}`);
    else if (m[2] !== undefined) tokens.push(`"${m[2]}`);
    else tokens.push((m[3] ?? m[4])!);
  }
  if (s.slice(re.lastIndex).trim()) throw new Error(`Error in the JQL Query: unexpected '${s.slice(re.lastIndex).trim()}'`);
  return tokens;
}

export function parseJql(jql: string): { where?: Expr; orderBy?: { field: string; desc: boolean } } {
  const tokens = tokenize(jql);
  let pos = 0;
  const peek = () => tokens[pos];
  const upper = () => peek()?.toUpperCase();
  const next = () => tokens[pos++];
  const value = (t: string | undefined): string => {
    if (t === undefined) throw new Error('Error in the JQL Query: expected a value');
    return t.startsWith('"') ? t.slice(1) : t;
  };
  const primary = (): Expr => {
    if (upper() === 'NOT') {
      next();
      return { op: 'not', expr: primary() };
    }
    if (peek() === '(') {
      next();
      const e = orExpr();
      if (next() !== ')') throw new Error("Error in the JQL Query: expected ')'");
      return e;
    }
    const field = value(next()).toLowerCase();
    let negate = false;
    let t = upper();
    if (t === 'NOT') {
      next();
      negate = true;
      t = upper();
      if (t !== 'IN') throw new Error("Error in the JQL Query: expected 'in' after 'not'");
    }
    if (t === 'IS') {
      next();
      const not = upper() === 'NOT';
      if (not) next();
      if (upper() !== 'EMPTY' && upper() !== 'NULL') throw new Error("Error in the JQL Query: expected 'EMPTY' after 'is'");
      next();
      return { op: 'cmp', field, negate: not, values: ['EMPTY'] };
    }
    if (t === '=' || t === '!=') {
      next();
      return { op: 'cmp', field, negate: t === '!=', values: [value(next())] };
    }
    if (t === 'IN') {
      next();
      if (next() !== '(') throw new Error("Error in the JQL Query: expected '('");
      const values: string[] = [];
      while (peek() !== ')') {
        values.push(value(next()));
        if (peek() === ',') next();
        if (peek() === undefined) throw new Error("Error in the JQL Query: expected ')'");
      }
      next();
      return { op: 'cmp', field, negate, values };
    }
    throw new Error(`Error in the JQL Query: unsupported operator '${peek() ?? ''}'`);
  };
  const andExpr = (): Expr => {
    let left = primary();
    while (upper() === 'AND') {
      next();
      left = { op: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Expr => {
    let left = andExpr();
    while (upper() === 'OR') {
      next();
      left = { op: 'or', left, right: andExpr() };
    }
    return left;
  };
  let where: Expr | undefined;
  if (peek() !== undefined && upper() !== 'ORDER') where = orExpr();
  let orderBy: { field: string; desc: boolean } | undefined;
  if (upper() === 'ORDER') {
    next();
    if (upper() !== 'BY') throw new Error("Error in the JQL Query: expected 'by'");
    next();
    const field = value(next()).toLowerCase();
    const dir = upper();
    if (dir === 'ASC' || dir === 'DESC') next();
    orderBy = { field, desc: dir === 'DESC' };
  }
  if (peek() !== undefined) throw new Error(`Error in the JQL Query: unexpected '${peek()}'`);
  return where ? (orderBy ? { where, orderBy } : { where }) : orderBy ? { orderBy } : {};
}

function fieldValues(field: string, i: JiraIssueRecord): string[] {
  switch (field) {
    case 'project':
      return [i.project];
    case 'status':
      return [i.status];
    case 'labels':
      return i.labels;
    case 'type':
    case 'issuetype':
      return [i.issuetype];
    case 'assignee':
      return i.assignee ? [i.assignee] : [];
    case 'priority':
      return [i.priority];
    case 'key':
    case 'issuekey':
      return [i.key];
    default:
      throw new Error(`Error in the JQL Query: Field '${field}' does not exist or you do not have permission to view it.`);
  }
}

function evaluate(e: Expr, i: JiraIssueRecord): boolean {
  switch (e.op) {
    case 'and':
      return evaluate(e.left, i) && evaluate(e.right, i);
    case 'or':
      return evaluate(e.left, i) || evaluate(e.right, i);
    case 'not':
      return !evaluate(e.expr, i);
    case 'cmp': {
      const have = fieldValues(e.field, i).map((v) => v.toLowerCase());
      const hit = e.values.some((v) => (v.toUpperCase() === 'EMPTY' ? have.length === 0 : have.includes(v.toLowerCase())));
      return e.negate ? !hit : hit;
    }
  }
}
