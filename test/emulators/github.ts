/**
 * A GitHub REST API server on loopback for tests and benchmarks: the subset
 * the spawner reads (issues, pulls, comments, reviews, a pull request's
 * files, permissions, team memberships, App installation tokens, the
 * repository-wide comments listing and GraphQL threads) and writes (issue
 * comments created and edited, check runs created and updated, pull requests
 * opened over GraphQL as `gh pr create` does), on loopback or any address,
 * over HTTP or HTTPS, with real pagination (`Link`), conditional requests
 * (ETag / If-None-Match → 304, free of rate limit), primary rate limits per
 * token (REST requests and GraphQL points apart) and injectable faults. Tests drive it through
 * the typed methods below; the spawner only sees HTTP.
 */
import { createVerify, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { etagMatches, isoSeconds, type ListenOptions, LoopbackServer, linkHeader, readBody, seededRandom, weakEtag } from './_http.js';
import { type GqlError, GraphqlEndpoint } from './github-graphql.js';

export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export type FaultKind =
  /** 500/502/503 with a JSON message. */
  | 'server-error'
  /** 403 with `x-ratelimit-remaining: 0` and a reset a few seconds away. */
  | 'rate-limit'
  /** 403 secondary rate limit with `retry-after`. */
  | 'secondary-rate-limit'
  /** 429 secondary rate limit with `retry-after`. */
  | 'too-many-requests'
  /** No answer until the client gives up (the server holds the request). */
  | 'timeout';

export interface FaultOptions {
  /** Share of requests (0..1) that fail, drawn from a seeded RNG. */
  readonly rate: number;
  /** @default 1 */
  readonly seed?: number;
  /** Kinds to draw from, uniformly. @default all kinds */
  readonly kinds?: readonly FaultKind[];
  /** Only requests whose path matches fail. @default every API route */
  readonly match?: RegExp;
  /** Seconds until the reset a `rate-limit` fault announces. @default 1 */
  readonly resetSeconds?: number;
  /** `retry-after` seconds of secondary limits. @default 1 */
  readonly retryAfterSeconds?: number;
  /** How long a `timeout` fault holds the request. @default 60000 */
  readonly hangMs?: number;
}

export interface EmulatorOptions {
  /** Primary rate limit per token per window. @default 5000 */
  readonly rateLimit?: number;
  /** GraphQL points per token per window. @default 5000 */
  readonly graphqlRateLimit?: number;
  /** @default 3600 */
  readonly rateLimitWindowSeconds?: number;
  /** Reject requests without a known token (401). @default false */
  readonly requireAuth?: boolean;
  /** Clock for timestamps. @default Date.now */
  readonly now?: () => number;
  /** Where to listen; its URL is the one the API's `html_url`s name. @default 127.0.0.1, any port */
  readonly listen?: ListenOptions;
}

export interface UserJSON {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

interface CommentRecord {
  id: number;
  user: string;
  body: string;
  createdAt: number;
  updatedAt: number;
}

interface ReviewRecord {
  id: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: number;
}

interface ReviewCommentRecord {
  id: number;
  user: string;
  body: string;
  path: string;
  line: number | null;
  commitId: string;
  createdAt: number;
}

interface PullRecord {
  draft: boolean;
  /** `owner/name` of the head's repository when it is a fork; null when the fork was deleted. */
  headRepo?: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  merged: boolean;
  /** The files the pull request changes, in GitHub's order. */
  files: PullFileRecord[];
  reviews: ReviewRecord[];
  reviewComments: ReviewCommentRecord[];
}

export interface PullFileRecord {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  additions: number;
  deletions: number;
}

/** A check run as the emulator keeps it. */
export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  startedAt: number;
  completedAt: number | null;
  output: { title: string; summary: string } | null;
  /** The login of the App installation token that created it (only that App may update it). */
  app: string;
  /** How many times it was updated. */
  updates: number;
}

/** An issue comment as the emulator keeps it (for tests' assertions). */
export interface CommentView {
  readonly id: number;
  readonly user: string;
  readonly body: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface IssueRecord {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  user: string;
  assignees: string[];
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  comments: CommentRecord[];
  pull?: PullRecord;
}

export interface NewIssue {
  title: string;
  body?: string;
  user?: string;
  labels?: string[];
  assignees?: string[];
  state?: 'open' | 'closed';
  /** Epoch ms; @default now */
  createdAt?: number;
}

export interface NewPull extends NewIssue {
  draft?: boolean;
  head?: string;
  /** The fork the head lives in (`owner/name`), null for a deleted fork. @default - this repository */
  headRepo?: string | null;
  headSha?: string;
  base?: string;
}

/** A pull request as the emulator keeps it (for tests' assertions). */
export interface PullView {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly user: string;
  readonly state: 'open' | 'closed';
  readonly head: string;
  readonly base: string;
  readonly draft: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
}

export interface IssueUpdate {
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  labels?: string[];
  assignees?: string[];
  draft?: boolean;
}

export interface RouteStats {
  /** Every request received on the route, faults and 304s included. */
  requests: number;
  /** Answered 304 Not Modified (no rate-limit cost). */
  notModified: number;
  /** Answered by an injected fault. */
  faults: number;
  /** Counted against the primary rate limit. */
  rateLimited: number;
  /** GraphQL points charged. */
  graphqlPoints: number;
}

interface RateWindow {
  used: number;
  resetAt: number; // epoch seconds
}

interface Fault {
  kind: FaultKind;
  match?: RegExp;
}

const PERMISSION_RANK: Record<Permission, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

class Repo {
  readonly issues = new Map<number, IssueRecord>();
  readonly permissions = new Map<string, Permission>();
  readonly checkRuns = new Map<number, CheckRunRecord>();
  /** Every head SHA a pull request had: the commits check runs may name. */
  readonly commits = new Set<string>();
  nextNumber = 1;
  defaultBranch = 'main';
  constructor(
    readonly owner: string,
    readonly name: string,
  ) {}
}

/** A handle on one emulated repository; every mutation bumps `updated_at` like GitHub. */
export class RepoHandle {
  constructor(
    private readonly gh: GitHubEmulator,
    private readonly repo: Repo,
  ) {}

  get fullName(): string {
    return `${this.repo.owner}/${this.repo.name}`;
  }

  createIssue(input: NewIssue): number {
    return this.gh._createIssue(this.repo, input);
  }

  createPull(input: NewPull): number {
    const number = this.gh._createIssue(this.repo, input);
    const issue = this.repo.issues.get(number)!;
    issue.pull = {
      draft: input.draft ?? false,
      ...(input.headRepo !== undefined ? { headRepo: input.headRepo } : {}),
      headRef: input.head ?? `branch-${number}`,
      headSha: input.headSha ?? fakeSha(`${this.fullName}#${number}@0`),
      baseRef: input.base ?? 'main',
      merged: false,
      files: [],
      reviews: [],
      reviewComments: [],
    };
    this.repo.commits.add(issue.pull.headSha);
    return number;
  }

  updateIssue(number: number, update: IssueUpdate): void {
    const issue = this.get(number);
    if (update.title !== undefined) issue.title = update.title;
    if (update.body !== undefined) issue.body = update.body;
    if (update.labels !== undefined) issue.labels = [...update.labels];
    if (update.assignees !== undefined) issue.assignees = [...update.assignees];
    if (update.draft !== undefined) {
      if (!issue.pull) throw new Error(`#${number} is not a pull request`);
      issue.pull.draft = update.draft;
    }
    if (update.state !== undefined && update.state !== issue.state) {
      issue.state = update.state;
      issue.closedAt = update.state === 'closed' ? this.gh.now() : null;
    }
    this.touch(issue);
  }

  addLabels(number: number, ...labels: string[]): void {
    const issue = this.get(number);
    for (const l of labels) if (!issue.labels.includes(l)) issue.labels.push(l);
    this.touch(issue);
  }

  removeLabel(number: number, label: string): void {
    const issue = this.get(number);
    issue.labels = issue.labels.filter((l) => l !== label);
    this.touch(issue);
  }

  /** Adds an issue (conversation) comment; returns its id. */
  addComment(number: number, user: string, body: string, createdAt?: number): number {
    const issue = this.get(number);
    const at = createdAt ?? this.gh.now();
    const id = this.gh._nextId();
    issue.comments.push({ id, user, body, createdAt: at, updatedAt: at });
    issue.comments.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
    this.touch(issue);
    return id;
  }

  /** Edits a comment's body; the comment's and (assumed, like a new comment) the issue's updated_at move. */
  editComment(id: number, body: string): void {
    const { issue, comment } = this.comment(id);
    comment.body = body;
    comment.updatedAt = Math.max(this.gh.now(), comment.updatedAt);
    this.touch(issue);
  }

  /** Deletes a comment; the issue's updated_at moves (assumed, like a new comment). */
  deleteComment(id: number): void {
    const { issue, comment } = this.comment(id);
    issue.comments.splice(issue.comments.indexOf(comment), 1);
    this.touch(issue);
  }

  /** Pushes a new head commit to a pull request. */
  pushCommit(number: number, sha?: string): string {
    const pull = this.pull(number);
    pull.headSha = sha ?? fakeSha(`${this.fullName}#${number}@${this.gh._nextId()}`);
    this.repo.commits.add(pull.headSha);
    this.touch(this.get(number));
    return pull.headSha;
  }

  /**
   * Sets the files a pull request changes (names, or records with a
   * status); unless `push: false`, as a new head commit (returned).
   */
  setPullFiles(number: number, files: ReadonlyArray<string | (Partial<PullFileRecord> & { filename: string })>, opts: { push?: boolean } = {}): string {
    const pull = this.pull(number);
    pull.files = files.map((f) =>
      typeof f === 'string' ? { filename: f, status: 'modified', additions: 1, deletions: 1 } : { status: 'modified', additions: 1, deletions: 1, ...f },
    );
    if (opts.push === false) {
      this.touch(this.get(number));
      return pull.headSha;
    }
    return this.pushCommit(number);
  }

  /** The conversation comments of an issue or pull request, oldest first. */
  comments(number: number): CommentView[] {
    return this.get(number).comments.map((c) => ({ id: c.id, user: c.user, body: c.body, createdAt: c.createdAt, updatedAt: c.updatedAt }));
  }

  /** Every check run of the repository, oldest first. */
  checkRuns(): CheckRunRecord[] {
    return [...this.repo.checkRuns.values()].map((r) => ({ ...r, output: r.output ? { ...r.output } : null }));
  }

  headSha(number: number): string {
    return this.pull(number).headSha;
  }

  addReview(number: number, user: string, state: ReviewState, opts: { commitId?: string; body?: string; submittedAt?: number } = {}): number {
    const pull = this.pull(number);
    const id = this.gh._nextId();
    pull.reviews.push({
      id,
      user,
      state,
      body: opts.body ?? '',
      commitId: opts.commitId ?? pull.headSha,
      submittedAt: opts.submittedAt ?? this.gh.now(),
    });
    this.touch(this.get(number));
    return id;
  }

  addReviewComment(number: number, user: string, body: string, opts: { path?: string; line?: number | null; commitId?: string } = {}): number {
    const pull = this.pull(number);
    const id = this.gh._nextId();
    pull.reviewComments.push({
      id,
      user,
      body,
      path: opts.path ?? 'README.md',
      line: opts.line === undefined ? 1 : opts.line,
      commitId: opts.commitId ?? pull.headSha,
      createdAt: this.gh.now(),
    });
    this.touch(this.get(number));
    return id;
  }

  /** The repository's default branch (`GET /repos/{owner}/{repo}`). */
  setDefaultBranch(branch: string): void {
    this.repo.defaultBranch = branch;
  }

  /** Sets a collaborator's role (`permission` endpoint); undefined removes it. */
  setPermission(login: string, permission: Permission | undefined): void {
    this.gh.addUser(login);
    if (permission) this.repo.permissions.set(login.toLowerCase(), permission);
    else this.repo.permissions.delete(login.toLowerCase());
  }

  issueNumbers(): number[] {
    return [...this.repo.issues.keys()];
  }

  /** The repository's pull requests, oldest first (for tests' assertions). */
  pulls(): PullView[] {
    return [...this.repo.issues.values()]
      .filter((i) => i.pull)
      .map((i) => ({
        number: i.number,
        title: i.title,
        body: i.body,
        user: i.user,
        state: i.state,
        head: i.pull!.headRef,
        base: i.pull!.baseRef,
        draft: i.pull!.draft,
        createdAt: i.createdAt,
      }));
  }

  private touch(issue: IssueRecord): void {
    issue.updatedAt = Math.max(this.gh.now(), issue.updatedAt);
  }

  private get(number: number): IssueRecord {
    const issue = this.repo.issues.get(number);
    if (!issue) throw new Error(`no issue #${number} in ${this.fullName}`);
    return issue;
  }

  private comment(id: number): { issue: IssueRecord; comment: CommentRecord } {
    for (const issue of this.repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === id);
      if (comment) return { issue, comment };
    }
    throw new Error(`no comment ${id} in ${this.fullName}`);
  }

  private pull(number: number): PullRecord {
    const pull = this.get(number).pull;
    if (!pull) throw new Error(`#${number} in ${this.fullName} is not a pull request`);
    return pull;
  }
}

export class GitHubEmulator {
  private readonly repos = new Map<string, Repo>();
  private readonly users = new Map<string, UserJSON>();
  private readonly teams = new Map<string, Map<string, 'active' | 'pending'>>();
  private readonly tokens = new Map<string, string>(); // token → login
  private readonly apps = new Map<string, { publicKey: string; installations: Set<string> }>();
  private readonly windows = new Map<string, RateWindow>();
  private readonly routeStats = new Map<string, RouteStats>();
  private queued: Fault[] = [];
  private random: FaultOptions | undefined;
  private rng: () => number = Math.random;
  private slowMs = 0;
  private idCounter = 1000;
  private totals = { requests: 0, notModified: 0, faults: 0, rateLimited: 0, graphqlPoints: 0 };
  readonly now: () => number;
  private readonly graphql = new GraphqlEndpoint({
    issues: (owner, name) => this.repos.get(`${owner}/${name}`.toLowerCase())?.issues,
    userType: (login) => this.users.get(login.toLowerCase())?.type ?? 'User',
    htmlUrl: (owner, name, issue) => `${this.url}/${owner}/${name}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    defaultBranch: (owner, name) => this.repos.get(`${owner}/${name}`.toLowerCase())?.defaultBranch ?? 'main',
    createPull: (owner, name, input, viewer) => {
      const handle = this.repo(`${owner}/${name}`);
      const number = handle.createPull({
        title: input.title,
        body: input.body ?? '',
        user: viewer,
        head: input.headRefName,
        base: input.baseRefName,
        draft: input.draft ?? false,
      });
      return this.repos.get(`${owner}/${name}`.toLowerCase())!.issues.get(number)!;
    },
  });

  private readonly extraServers: LoopbackServer[] = [];

  private constructor(
    private readonly server: LoopbackServer,
    private readonly options: EmulatorOptions,
    handlerRef: { current?: GitHubEmulator },
  ) {
    this.now = options.now ?? Date.now;
    handlerRef.current = this;
  }

  static async start(options: EmulatorOptions = {}): Promise<GitHubEmulator> {
    const ref: { current?: GitHubEmulator } = {};
    const server = await LoopbackServer.listen((req, res) => ref.current!.handle(req, res), options.listen);
    return new GitHubEmulator(server, options, ref);
  }

  /**
   * Serves the same API at one more address (say plain HTTP beside HTTPS, for
   * clients that cannot be given the test's CA); returns its root URL.
   */
  async listenAlso(listen: ListenOptions): Promise<string> {
    const server = await LoopbackServer.listen((req, res) => this.handle(req, res), listen);
    this.extraServers.push(server);
    return server.url;
  }

  /** Root URL, e.g. `http://127.0.0.1:41234`. The API is served at the root and under `/api/v3`. */
  get url(): string {
    return this.server.url;
  }

  /** The GitHub Enterprise style API base URL (`<url>/api/v3`). */
  get apiUrl(): string {
    return `${this.server.url}/api/v3`;
  }

  async close(): Promise<void> {
    await Promise.all([this.server, ...this.extraServers].map((s) => s.close()));
  }

  // ---- world -------------------------------------------------------------

  repo(fullName: string): RepoHandle {
    const [owner, name] = fullName.split('/');
    if (!owner || !name) throw new Error(`repo must be owner/name, got ${fullName}`);
    const key = fullName.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = new Repo(owner, name);
      this.repos.set(key, repo);
      this.addUser(owner);
    }
    return new RepoHandle(this, repo);
  }

  addUser(login: string, type: 'User' | 'Bot' = 'User'): UserJSON {
    const key = login.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      user = { login, id: this._nextId(), type };
      this.users.set(key, user);
    }
    return user;
  }

  /** Sets a team member's state; undefined removes the membership. */
  setTeamMember(team: string, login: string, state: 'active' | 'pending' | undefined): void {
    const key = team.toLowerCase();
    let members = this.teams.get(key);
    if (!members) {
      members = new Map();
      this.teams.set(key, members);
    }
    this.addUser(login);
    if (state) members.set(login.toLowerCase(), state);
    else members.delete(login.toLowerCase());
  }

  /** Registers a token (PAT) for a user. */
  addToken(token: string, login = 'kelos-bot'): void {
    this.addUser(login);
    this.tokens.set(token, login);
  }

  /** Registers a GitHub App (its public key verifies the RS256 JWT) and its installations. */
  addApp(appId: string | number, publicKeyPem: string, installationIds: Array<string | number>): void {
    this.apps.set(String(appId), { publicKey: publicKeyPem, installations: new Set(installationIds.map(String)) });
  }

  // ---- faults ------------------------------------------------------------

  /** The next `count` matching requests fail with `kind`. */
  failNext(kind: FaultKind, count = 1, match?: RegExp): void {
    for (let i = 0; i < count; i++) this.queued.push(match ? { kind, match } : { kind });
  }

  /** Fails a share of requests at random (seeded). */
  setFaults(options: FaultOptions | undefined): void {
    this.random = options;
    this.rng = seededRandom(options?.seed ?? 1);
  }

  /** Delays every response by `ms` (0 turns it off). */
  setLatency(ms: number): void {
    this.slowMs = ms;
  }

  clearFaults(): void {
    this.queued = [];
    this.random = undefined;
    this.slowMs = 0;
  }

  // ---- counters ----------------------------------------------------------

  /** Totals since the last `resetStats()`. */
  stats(): { requests: number; notModified: number; faults: number; rateLimited: number; graphqlPoints: number; routes: Record<string, RouteStats> } {
    return { ...this.totals, routes: Object.fromEntries([...this.routeStats].map(([k, v]) => [k, { ...v }])) };
  }

  resetStats(): void {
    this.totals = { requests: 0, notModified: 0, faults: 0, rateLimited: 0, graphqlPoints: 0 };
    this.routeStats.clear();
  }

  /** Remaining primary rate limit of a token. */
  rateRemaining(token: string): number {
    const w = this.window(`token:${token}`);
    return Math.max(0, this.limit() - w.used);
  }

  /** Remaining GraphQL points of a token. */
  graphqlRemaining(token: string): number {
    const w = this.window(`graphql:token:${token}`);
    return Math.max(0, this.graphqlLimit() - w.used);
  }

  // ---- internals used by RepoHandle ---------------------------------------

  _nextId(): number {
    return ++this.idCounter;
  }

  _createIssue(repo: Repo, input: NewIssue): number {
    const number = repo.nextNumber++;
    const at = input.createdAt ?? this.now();
    const user = input.user ?? 'octocat';
    this.addUser(user);
    repo.issues.set(number, {
      number,
      title: input.title,
      body: input.body ?? null,
      state: input.state ?? 'open',
      labels: [...(input.labels ?? [])],
      user,
      assignees: [...(input.assignees ?? [])],
      createdAt: at,
      updatedAt: Math.max(at, this.now()),
      closedAt: input.state === 'closed' ? at : null,
      comments: [],
    });
    return number;
  }

  // ---- HTTP --------------------------------------------------------------

  private limit(): number {
    return this.options.rateLimit ?? 5000;
  }

  private graphqlLimit(): number {
    return this.options.graphqlRateLimit ?? 5000;
  }

  private window(key: string): RateWindow {
    const nowS = Math.floor(this.now() / 1000);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= nowS) {
      w = { used: 0, resetAt: nowS + (this.options.rateLimitWindowSeconds ?? 3600) };
      this.windows.set(key, w);
    }
    return w;
  }

  private stat(route: string): RouteStats {
    let s = this.routeStats.get(route);
    if (!s) {
      s = { requests: 0, notModified: 0, faults: 0, rateLimited: 0, graphqlPoints: 0 };
      this.routeStats.set(route, s);
    }
    return s;
  }

  private drawFault(path: string): Fault | undefined {
    const i = this.queued.findIndex((f) => !f.match || f.match.test(path));
    if (i >= 0) return this.queued.splice(i, 1)[0];
    const r = this.random;
    if (!r || (r.match && !r.match.test(path))) return undefined;
    if (this.rng() >= r.rate) return undefined;
    const kinds = r.kinds ?? (['server-error', 'rate-limit', 'secondary-rate-limit', 'too-many-requests', 'timeout'] as const);
    return { kind: kinds[Math.floor(this.rng() * kinds.length)]! };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : url.pathname === '/api/graphql' ? '/api' : '';
    const path = url.pathname.slice(prefix.length);
    const method = req.method ?? 'GET';
    const match = route(method, path);
    const routeName = match ? `${method} ${match.template}` : `${method} (unknown)`;
    const stats = this.stat(routeName);
    stats.requests++;
    this.totals.requests++;
    const body = method !== 'GET' && method !== 'HEAD' ? await readBody(req) : '';

    if (this.slowMs > 0) await this.server.delay(this.slowMs);

    const fault = this.drawFault(path);
    if (fault) {
      stats.faults++;
      this.totals.faults++;
      await this.sendFault(res, fault.kind);
      return;
    }

    // Authentication.
    const auth = req.headers.authorization;
    let identity = `anon:${req.socket.remoteAddress ?? ''}`;
    let login: string | undefined;
    if (auth) {
      const [scheme, credential] = auth.split(/\s+/, 2);
      if (/^(token|bearer)$/i.test(scheme ?? '') && credential && this.tokens.has(credential)) {
        identity = `token:${credential}`;
        login = this.tokens.get(credential);
      } else if (/^bearer$/i.test(scheme ?? '') && credential && match?.template === '/app/installations/{installation_id}/access_tokens') {
        identity = 'app';
      } else {
        return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      }
    } else if (this.options.requireAuth && match?.template !== '/rate_limit') {
      return this.send(res, 401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
    }

    if (!match) return this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    if (match.template === '/graphql') return this.handleGraphql(res, body, identity, login, stats);

    // Primary rate limit: checked before the work, charged unless the answer is a 304.
    const w = this.window(identity);
    const rateHeaders = () => ({
      'x-ratelimit-limit': String(this.limit()),
      'x-ratelimit-remaining': String(Math.max(0, this.limit() - w.used)),
      'x-ratelimit-reset': String(w.resetAt),
      'x-ratelimit-used': String(w.used),
      'x-ratelimit-resource': 'core',
    });
    const counted = match.template !== '/rate_limit';
    if (counted && w.used >= this.limit()) {
      return this.send(
        res,
        403,
        {
          message: `API rate limit exceeded for ${login ?? 'this client'}.`,
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        rateHeaders(),
      );
    }

    let result: { status: number; data: unknown; link?: string };
    try {
      result = this.dispatch(match, url, auth, login, body);
    } catch (err) {
      if (err instanceof HttpError) result = { status: err.status, data: { message: err.message } };
      else throw err;
    }

    const json = JSON.stringify(result.data);
    const etag = weakEtag(json);
    if (method === 'GET' && result.status === 200 && etagMatches(req.headers['if-none-match'], etag)) {
      stats.notModified++;
      this.totals.notModified++;
      res.writeHead(304, { date: new Date(this.now()).toUTCString(), etag, ...rateHeaders(), ...(result.link ? { link: result.link } : {}) });
      res.end();
      return;
    }
    if (counted) {
      w.used++;
      stats.rateLimited++;
      this.totals.rateLimited++;
    }
    const headers: Record<string, string> = { ...rateHeaders() };
    if (method === 'GET' && result.status === 200) {
      headers.etag = etag;
      headers['cache-control'] = 'private, max-age=60, s-maxage=60';
      headers.vary = 'Accept, Authorization, Cookie';
    }
    if (result.link) headers.link = result.link;
    this.send(res, result.status, result.data, headers);
  }

  /** GraphQL: its own points budget; a query is priced before it runs and refused when the budget cannot pay. */
  private handleGraphql(res: ServerResponse, body: string, identity: string, login: string | undefined, stats: RouteStats): void {
    if (!login)
      return this.send(res, 401, {
        message: 'This endpoint requires you to be authenticated.',
        documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
      });
    const w = this.window(`graphql:${identity}`);
    const rateHeaders = () => ({
      'x-ratelimit-limit': String(this.graphqlLimit()),
      'x-ratelimit-remaining': String(Math.max(0, this.graphqlLimit() - w.used)),
      'x-ratelimit-reset': String(w.resetAt),
      'x-ratelimit-used': String(w.used),
      'x-ratelimit-resource': 'graphql',
    });
    let request: { query?: unknown; variables?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return this.send(res, 400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql' }, rateHeaders());
    }
    const prepared = this.graphql.prepare(request?.query, request?.variables);
    if ('errors' in prepared) return this.send(res, 200, { errors: prepared.errors }, rateHeaders());
    const { cost } = prepared.price;
    if (w.used + cost > this.graphqlLimit()) {
      const errors: GqlError[] = [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${this.users.get(login.toLowerCase())?.id ?? 0}.` }];
      return this.send(res, 403, { errors }, { ...rateHeaders(), 'x-ratelimit-remaining': '0' });
    }
    w.used += cost;
    stats.graphqlPoints += cost;
    this.totals.graphqlPoints += cost;
    const result = this.graphql.run(
      prepared.document,
      prepared.variables,
      prepared.price,
      { limit: this.graphqlLimit(), used: w.used, resetAt: w.resetAt },
      login,
    );
    this.send(res, 200, result, rateHeaders());
  }

  private async sendFault(res: ServerResponse, kind: FaultKind): Promise<void> {
    const r = this.random;
    const nowS = Math.floor(this.now() / 1000);
    switch (kind) {
      case 'server-error': {
        const status = [500, 502, 503][Math.floor(this.rng() * 3)]!;
        return this.send(res, status, { message: status === 502 ? 'Server Error' : 'Service Unavailable' });
      }
      case 'rate-limit':
        return this.send(
          res,
          403,
          { message: 'API rate limit exceeded for installation.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
          {
            'x-ratelimit-limit': String(this.limit()),
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(nowS + (r?.resetSeconds ?? 1)),
            'x-ratelimit-used': String(this.limit()),
            'x-ratelimit-resource': 'core',
          },
        );
      case 'secondary-rate-limit':
      case 'too-many-requests':
        return this.send(
          res,
          kind === 'secondary-rate-limit' ? 403 : 429,
          {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          },
          { 'retry-after': String(r?.retryAfterSeconds ?? 1) },
        );
      case 'timeout':
        await this.server.delay(r?.hangMs ?? 60_000);
        return this.send(res, 504, { message: 'Gateway timeout' });
    }
  }

  private send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return;
    const json = JSON.stringify(data);
    res.writeHead(status, {
      // The same clock as updated_at, as on GitHub.
      date: new Date(this.now()).toUTCString(),
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...headers,
    });
    res.end(json);
  }

  private dispatch(
    match: RouteMatch,
    url: URL,
    auth: string | undefined,
    login: string | undefined,
    body: string,
  ): { status: number; data: unknown; link?: string } {
    const p = match.params;
    const q = url.searchParams;
    if (match.method !== 'GET' && match.template !== '/app/installations/{installation_id}/access_tokens') return this.write(match, login, body);
    switch (match.template) {
      case '/rate_limit':
        return { status: 200, data: { resources: {}, rate: { limit: this.limit() } } };
      case '/user': {
        // Installation tokens have no user, as on GitHub.
        if (!login || login.endsWith('[bot]'))
          throw new HttpError(login ? 403 : 401, login ? 'Resource not accessible by integration' : 'Requires authentication');
        return { status: 200, data: this.userJSON(login) };
      }
      case '/repos/{owner}/{repo}': {
        const repo = this.repoOf(p);
        return { status: 200, data: this.repoJSON(repo) };
      }
      case '/repos/{owner}/{repo}/issues':
        return this.paginate(
          url,
          this.listIssues(this.repoOf(p), q).map((i) => this.issueJSON(this.repoOf(p), i)),
        );
      case '/repos/{owner}/{repo}/issues/{number}':
        return { status: 200, data: this.issueJSON(this.repoOf(p), this.issueOf(p)) };
      case '/repos/{owner}/{repo}/issues/comments': {
        // Every issue's and pull request's conversation comments; `since` is on
        // updated_at, inclusive at second precision; sort created (default) or updated.
        const repo = this.repoOf(p);
        const since = q.get('since');
        const sinceMs = since ? Date.parse(since) : undefined;
        if (since && Number.isNaN(sinceMs)) throw new HttpError(422, 'Validation Failed: since');
        const sort = q.get('sort') ?? 'created';
        if (sort !== 'created' && sort !== 'updated') throw new HttpError(422, 'Validation Failed: sort');
        const dir = (q.get('direction') ?? 'asc') === 'desc' ? -1 : 1;
        const all: Array<{ issue: IssueRecord; c: CommentRecord }> = [];
        for (const issue of repo.issues.values())
          for (const c of issue.comments) if (sinceMs === undefined || Math.floor(c.updatedAt / 1000) * 1000 >= sinceMs) all.push({ issue, c });
        const key = (x: { c: CommentRecord }) => (sort === 'updated' ? x.c.updatedAt : x.c.createdAt);
        all.sort((a, b) => (key(a) - key(b) || a.c.id - b.c.id) * dir);
        return this.paginate(
          url,
          all.map(({ issue, c }) => this.commentJSON(repo, issue, c)),
        );
      }
      case '/repos/{owner}/{repo}/issues/{number}/comments': {
        const repo = this.repoOf(p);
        const issue = this.issueOf(p);
        const since = q.get('since');
        const comments = issue.comments.filter((c) => !since || c.updatedAt >= Date.parse(since));
        return this.paginate(
          url,
          comments.map((c) => this.commentJSON(repo, issue, c)),
        );
      }
      case '/repos/{owner}/{repo}/pulls':
        return this.paginate(
          url,
          this.listPulls(this.repoOf(p), q).map((i) => this.pullJSON(this.repoOf(p), i)),
        );
      case '/repos/{owner}/{repo}/pulls/{number}': {
        const issue = this.issueOf(p);
        if (!issue.pull) throw new HttpError(404, 'Not Found');
        return { status: 200, data: this.pullJSON(this.repoOf(p), issue) };
      }
      case '/repos/{owner}/{repo}/pulls/{number}/reviews': {
        const issue = this.issueOf(p);
        if (!issue.pull) throw new HttpError(404, 'Not Found');
        const reviews = [...issue.pull.reviews].sort((a, b) => a.submittedAt - b.submittedAt || a.id - b.id);
        return this.paginate(
          url,
          reviews.map((r) => ({
            id: r.id,
            user: this.userJSON(r.user),
            body: r.body,
            state: r.state,
            commit_id: r.commitId,
            submitted_at: isoSeconds(r.submittedAt),
            author_association: 'MEMBER',
          })),
        );
      }
      case '/repos/{owner}/{repo}/pulls/{number}/comments': {
        const issue = this.issueOf(p);
        if (!issue.pull) throw new HttpError(404, 'Not Found');
        const list = [...issue.pull.reviewComments].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
        if (q.get('direction') === 'desc') list.reverse();
        return this.paginate(
          url,
          list.map((c) => ({
            id: c.id,
            user: this.userJSON(c.user),
            body: c.body,
            path: c.path,
            line: c.line,
            original_line: c.line,
            commit_id: c.commitId,
            original_commit_id: c.commitId,
            created_at: isoSeconds(c.createdAt),
            updated_at: isoSeconds(c.createdAt),
          })),
        );
      }
      case '/repos/{owner}/{repo}/pulls/{number}/files': {
        const repo = this.repoOf(p);
        const issue = this.issueOf(p);
        if (!issue.pull) throw new HttpError(404, 'Not Found');
        const pull = issue.pull;
        // GitHub lists at most 3,000 files.
        const files = pull.files.slice(0, 3000).map((f) => ({
          sha: fakeSha(`${pull.headSha}:${f.filename}`),
          filename: f.filename,
          status: f.status,
          additions: f.additions,
          deletions: f.deletions,
          changes: f.additions + f.deletions,
          blob_url: `${this.url}/${repo.owner}/${repo.name}/blob/${pull.headSha}/${encodeURI(f.filename)}`,
          raw_url: `${this.url}/${repo.owner}/${repo.name}/raw/${pull.headSha}/${encodeURI(f.filename)}`,
          contents_url: `${this.url}/repos/${repo.owner}/${repo.name}/contents/${encodeURI(f.filename)}?ref=${pull.headSha}`,
          patch: `@@ -1 +1 @@\n-old\n+new`,
        }));
        return this.paginate(url, files);
      }
      case '/repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const run = this.repoOf(p).checkRuns.get(Number(p.check_run_id));
        if (!run) throw new HttpError(404, 'Not Found');
        return { status: 200, data: this.checkRunJSON(this.repoOf(p), run) };
      }
      case '/repos/{owner}/{repo}/commits/{ref}/check-runs': {
        const repo = this.repoOf(p);
        const name = q.get('check_name');
        const status = q.get('status');
        let runs = [...repo.checkRuns.values()].filter((r) => r.headSha === p.ref && (!name || r.name === name) && (!status || r.status === status));
        if ((q.get('filter') ?? 'latest') === 'latest') {
          const latest = new Map<string, CheckRunRecord>();
          for (const r of runs) latest.set(r.name, r);
          runs = [...latest.values()];
        }
        runs.sort((a, b) => b.id - a.id);
        const page = this.paginate(
          url,
          runs.map((r) => this.checkRunJSON(repo, r)),
        );
        return { ...page, data: { total_count: runs.length, check_runs: page.data } };
      }
      case '/repos/{owner}/{repo}/collaborators/{username}/permission': {
        const repo = this.repoOf(p);
        const user = this.users.get(p.username!.toLowerCase());
        if (!user) throw new HttpError(404, 'Not Found');
        const role = repo.permissions.get(user.login.toLowerCase());
        // Like GitHub: `permission` is the legacy coarse level, `role_name` the real role.
        const legacy = !role ? 'none' : role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return {
          status: 200,
          data: {
            permission: legacy,
            role_name: role ?? 'none',
            user: { ...this.userJSON(user.login), permissions: role ? permissionsObject(role) : undefined },
          },
        };
      }
      case '/orgs/{org}/teams/{team_slug}/memberships/{username}': {
        const state = this.teams.get(`${p.org}/${p.team_slug}`.toLowerCase())?.get(p.username!.toLowerCase());
        if (!state) throw new HttpError(404, 'Not Found');
        return { status: 200, data: { url: `${this.url}/orgs/${p.org}/teams/${p.team_slug}/memberships/${p.username}`, role: 'member', state } };
      }
      case '/app/installations/{installation_id}/access_tokens': {
        const appId = this.verifyAppJwt(auth);
        const app = this.apps.get(appId)!;
        if (!app.installations.has(p.installation_id!)) throw new HttpError(404, 'Not Found');
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        this.addToken(token, `app-${appId}[bot]`);
        return {
          status: 201,
          data: {
            token,
            expires_at: new Date(this.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            permissions: { issues: 'read', pull_requests: 'read', metadata: 'read' },
            repository_selection: 'all',
          },
        };
      }
    }
    throw new HttpError(404, 'Not Found');
  }

  /** The write routes: comments created and edited, check runs created and updated. */
  private write(match: RouteMatch, login: string | undefined, body: string): { status: number; data: unknown } {
    const p = match.params;
    if (!login) throw new HttpError(401, 'Requires authentication');
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body === '' ? {} : JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'Problems parsing JSON');
    }
    const repo = this.repoOf(p);
    switch (`${match.method} ${match.template}`) {
      case 'POST /repos/{owner}/{repo}/issues/{number}/comments': {
        const issue = this.issueOf(p);
        const text = commentBody(input);
        const at = this.now();
        const c: CommentRecord = { id: this._nextId(), user: login, body: text, createdAt: at, updatedAt: at };
        issue.comments.push(c);
        issue.updatedAt = Math.max(at, issue.updatedAt);
        return { status: 201, data: this.commentJSON(repo, issue, c) };
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const id = Number(p.comment_id);
        for (const issue of repo.issues.values()) {
          const c = issue.comments.find((x) => x.id === id);
          if (!c) continue;
          if (c.user.toLowerCase() !== login.toLowerCase() && repo.permissions.get(login.toLowerCase()) !== 'admin')
            throw new HttpError(403, 'Must have admin rights to Repository.');
          c.body = commentBody(input);
          c.updatedAt = Math.max(this.now(), c.updatedAt);
          issue.updatedAt = Math.max(this.now(), issue.updatedAt);
          return { status: 200, data: this.commentJSON(repo, issue, c) };
        }
        throw new HttpError(404, 'Not Found');
      }
      case 'POST /repos/{owner}/{repo}/check-runs': {
        // As on GitHub: only an App (installation token) creates check runs.
        if (!login.endsWith('[bot]')) throw new HttpError(403, 'You must authenticate via a GitHub App.');
        if (typeof input.name !== 'string' || input.name === '') throw new HttpError(422, 'Invalid request.\n\n"name" wasn\'t supplied.');
        if (typeof input.head_sha !== 'string' || input.head_sha === '') throw new HttpError(422, 'Invalid request.\n\n"head_sha" wasn\'t supplied.');
        if (!repo.commits.has(input.head_sha)) throw new HttpError(422, `No commit found for SHA: ${input.head_sha}`);
        const at = this.now();
        const run: CheckRunRecord = {
          id: this._nextId(),
          name: input.name,
          headSha: input.head_sha,
          status: 'queued',
          conclusion: null,
          externalId: null,
          detailsUrl: null,
          startedAt: at,
          completedAt: null,
          output: null,
          app: login,
          updates: 0,
        };
        applyCheckRun(run, input, at);
        repo.checkRuns.set(run.id, run);
        return { status: 201, data: this.checkRunJSON(repo, run) };
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const run = repo.checkRuns.get(Number(p.check_run_id));
        if (!run) throw new HttpError(404, 'Not Found');
        if (run.app !== login) throw new HttpError(403, 'Invalid app_id `0` - check run can only be modified by the GitHub App that created it.');
        if (input.name !== undefined && (typeof input.name !== 'string' || input.name === ''))
          throw new HttpError(422, 'Invalid request.\n\nInvalid value for "name".');
        applyCheckRun(run, input, this.now());
        run.updates++;
        return { status: 200, data: this.checkRunJSON(repo, run) };
      }
    }
    throw new HttpError(404, 'Not Found');
  }

  private checkRunJSON(repo: Repo, r: CheckRunRecord): Record<string, unknown> {
    const pulls = [...repo.issues.values()].filter((i) => i.pull?.headSha === r.headSha);
    return {
      id: r.id,
      node_id: Buffer.from(`CheckRun:${r.id}`).toString('base64'),
      head_sha: r.headSha,
      external_id: r.externalId ?? '',
      url: `${this.url}/repos/${repo.owner}/${repo.name}/check-runs/${r.id}`,
      html_url: `${this.url}/${repo.owner}/${repo.name}/runs/${r.id}`,
      details_url: r.detailsUrl,
      status: r.status,
      conclusion: r.conclusion,
      started_at: isoSeconds(r.startedAt),
      completed_at: r.completedAt === null ? null : isoSeconds(r.completedAt),
      output: {
        title: r.output?.title ?? null,
        summary: r.output?.summary ?? null,
        text: null,
        annotations_count: 0,
        annotations_url: `${this.url}/repos/${repo.owner}/${repo.name}/check-runs/${r.id}/annotations`,
      },
      name: r.name,
      check_suite: { id: hashId(`${repo.owner}/${repo.name}@${r.headSha}`) },
      app: { id: hashId(r.app), slug: r.app.replace(/\[bot\]$/, ''), name: r.app.replace(/\[bot\]$/, '') },
      pull_requests: pulls.map((i) => ({
        url: `${this.url}/repos/${repo.owner}/${repo.name}/pulls/${i.number}`,
        id: i.number + 200000,
        number: i.number,
        head: { ref: i.pull!.headRef, sha: i.pull!.headSha },
        base: { ref: i.pull!.baseRef, sha: fakeSha(i.pull!.baseRef) },
      })),
    };
  }

  private verifyAppJwt(auth: string | undefined): string {
    const jwt = auth?.split(/\s+/, 2)[1] ?? '';
    const [h, payload, sig] = jwt.split('.');
    if (!h || !payload || !sig) throw new HttpError(401, 'A JSON web token could not be decoded');
    let claims: { iss?: string | number; exp?: number; iat?: number };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new HttpError(401, 'A JSON web token could not be decoded');
    }
    const app = this.apps.get(String(claims.iss));
    if (!app) throw new HttpError(401, "'Issuer' claim ('iss') must be an Integer");
    const ok = createVerify('RSA-SHA256').update(`${h}.${payload}`).verify(app.publicKey, Buffer.from(sig, 'base64url'));
    if (!ok) throw new HttpError(401, 'A JSON web token could not be decoded');
    const nowS = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp < nowS)
      throw new HttpError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    return String(claims.iss);
  }

  private repoOf(p: Record<string, string>): Repo {
    const repo = this.repos.get(`${p.owner}/${p.repo}`.toLowerCase());
    if (!repo) throw new HttpError(404, 'Not Found');
    return repo;
  }

  private issueOf(p: Record<string, string>): IssueRecord {
    const issue = this.repoOf(p).issues.get(Number(p.number));
    if (!issue) throw new HttpError(404, 'Not Found');
    return issue;
  }

  private listIssues(repo: Repo, q: URLSearchParams): IssueRecord[] {
    const state = q.get('state') ?? 'open';
    const labels = (q.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const assignee = q.get('assignee');
    const creator = q.get('creator');
    const since = q.get('since');
    const sinceMs = since ? Date.parse(since) : undefined;
    if (since && Number.isNaN(sinceMs)) throw new HttpError(422, 'Validation Failed: since');
    let list = [...repo.issues.values()].filter((i) => {
      if (state !== 'all' && i.state !== state) return false;
      const mine = i.labels.map((l) => l.toLowerCase());
      if (!labels.every((l) => mine.includes(l))) return false;
      if (assignee === '*' && i.assignees.length === 0) return false;
      if (assignee === 'none' && i.assignees.length > 0) return false;
      if (assignee && assignee !== '*' && assignee !== 'none' && !i.assignees.some((a) => a.toLowerCase() === assignee.toLowerCase())) return false;
      if (creator && i.user.toLowerCase() !== creator.toLowerCase()) return false;
      // GitHub compares at second precision, inclusive.
      if (sinceMs !== undefined && Math.floor(i.updatedAt / 1000) * 1000 < sinceMs) return false;
      return true;
    });
    const sort = q.get('sort') ?? 'created';
    const key = (i: IssueRecord) => (sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments.length : i.createdAt);
    const dir = q.get('direction') === 'asc' ? 1 : -1;
    list = list.sort((a, b) => (key(a) - key(b)) * dir || (a.number - b.number) * dir);
    return list;
  }

  private listPulls(repo: Repo, q: URLSearchParams): IssueRecord[] {
    const state = q.get('state') ?? 'open';
    const head = q.get('head');
    const base = q.get('base');
    const sort = q.get('sort') ?? 'created';
    const list = [...repo.issues.values()].filter((i) => {
      if (!i.pull) return false;
      if (state !== 'all' && i.state !== state) return false;
      if (head && `${repo.owner}:${i.pull.headRef}` !== head && i.pull.headRef !== head) return false;
      if (base && i.pull.baseRef !== base) return false;
      return true;
    });
    const key = (i: IssueRecord) =>
      sort === 'updated' ? i.updatedAt : sort === 'popularity' ? i.comments.length : sort === 'long-running' ? -i.createdAt : i.createdAt;
    const defaultDir = sort === 'created' ? 'desc' : 'asc';
    const dir = (q.get('direction') ?? defaultDir) === 'asc' ? 1 : -1;
    return list.sort((a, b) => (key(a) - key(b)) * dir || (a.number - b.number) * dir);
  }

  private paginate(url: URL, all: unknown[]): { status: number; data: unknown; link?: string } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    const data = all.slice((page - 1) * perPage, page * perPage);
    const link = linkHeader(url, page, lastPage);
    return link ? { status: 200, data, link } : { status: 200, data };
  }

  private userJSON(login: string): UserJSON {
    return this.addUser(login);
  }

  private issueJSON(repo: Repo, i: IssueRecord): Record<string, unknown> {
    const base = `${this.url}/repos/${repo.owner}/${repo.name}`;
    const html = `${this.url}/${repo.owner}/${repo.name}`;
    const json: Record<string, unknown> = {
      url: `${base}/issues/${i.number}`,
      html_url: `${html}/${i.pull ? 'pull' : 'issues'}/${i.number}`,
      id: i.number + 100000,
      number: i.number,
      title: i.title,
      user: this.userJSON(i.user),
      labels: i.labels.map((name) => ({ id: hashId(name), name, color: 'ededed', default: false })),
      state: i.state,
      locked: false,
      assignee: i.assignees[0] ? this.userJSON(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.userJSON(a)),
      comments: i.comments.length,
      created_at: isoSeconds(i.createdAt),
      updated_at: isoSeconds(i.updatedAt),
      closed_at: i.closedAt === null ? null : isoSeconds(i.closedAt),
      author_association: 'CONTRIBUTOR',
      body: i.body,
    };
    if (i.pull) {
      json.draft = i.pull.draft;
      json.pull_request = { url: `${base}/pulls/${i.number}`, html_url: `${html}/pull/${i.number}`, merged_at: null };
    }
    return json;
  }

  private pullJSON(repo: Repo, i: IssueRecord): Record<string, unknown> {
    const pull = i.pull!;
    const base = `${this.url}/repos/${repo.owner}/${repo.name}`;
    return {
      url: `${base}/pulls/${i.number}`,
      html_url: `${this.url}/${repo.owner}/${repo.name}/pull/${i.number}`,
      id: i.number + 200000,
      number: i.number,
      state: i.state,
      locked: false,
      title: i.title,
      user: this.userJSON(i.user),
      body: i.body,
      labels: i.labels.map((name) => ({ id: hashId(name), name, color: 'ededed', default: false })),
      assignee: i.assignees[0] ? this.userJSON(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.userJSON(a)),
      created_at: isoSeconds(i.createdAt),
      updated_at: isoSeconds(i.updatedAt),
      closed_at: i.closedAt === null ? null : isoSeconds(i.closedAt),
      merged_at: null,
      draft: pull.draft,
      head: {
        label: `${pull.headRepo ? pull.headRepo.split('/')[0] : repo.owner}:${pull.headRef}`,
        ref: pull.headRef,
        sha: pull.headSha,
        user: this.userJSON(pull.headRepo ? pull.headRepo.split('/')[0]! : repo.owner),
        repo: pull.headRepo === null ? null : pull.headRepo ? { full_name: pull.headRepo, fork: true } : { ...this.repoJSON(repo), fork: false },
      },
      base: {
        label: `${repo.owner}:${pull.baseRef}`,
        ref: pull.baseRef,
        sha: fakeSha(pull.baseRef),
        user: this.userJSON(repo.owner),
        repo: this.repoJSON(repo),
      },
      author_association: 'CONTRIBUTOR',
    };
  }

  private repoJSON(repo: Repo): Record<string, unknown> {
    return { full_name: `${repo.owner}/${repo.name}`, name: repo.name, owner: this.userJSON(repo.owner), default_branch: repo.defaultBranch, private: false };
  }

  private commentJSON(repo: Repo, issue: IssueRecord, c: CommentRecord): Record<string, unknown> {
    return {
      id: c.id,
      url: `${this.url}/repos/${repo.owner}/${repo.name}/issues/comments/${c.id}`,
      html_url: `${this.url}/${repo.owner}/${repo.name}/issues/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`,
      user: this.userJSON(c.user),
      body: c.body,
      created_at: isoSeconds(c.createdAt),
      updated_at: isoSeconds(c.updatedAt),
      author_association: 'CONTRIBUTOR',
    };
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface RouteMatch {
  method: string;
  template: string;
  params: Record<string, string>;
}

const ROUTES: Array<[string, string]> = [
  ['GET', '/rate_limit'],
  ['GET', '/user'],
  ['GET', '/repos/{owner}/{repo}'],
  ['GET', '/repos/{owner}/{repo}/issues'],
  ['GET', '/repos/{owner}/{repo}/issues/{number}'],
  ['GET', '/repos/{owner}/{repo}/issues/comments'],
  ['GET', '/repos/{owner}/{repo}/issues/{number}/comments'],
  ['GET', '/repos/{owner}/{repo}/pulls'],
  ['GET', '/repos/{owner}/{repo}/pulls/{number}'],
  ['GET', '/repos/{owner}/{repo}/pulls/{number}/reviews'],
  ['GET', '/repos/{owner}/{repo}/pulls/{number}/comments'],
  ['GET', '/repos/{owner}/{repo}/pulls/{number}/files'],
  ['POST', '/repos/{owner}/{repo}/issues/{number}/comments'],
  ['PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['POST', '/repos/{owner}/{repo}/check-runs'],
  ['GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs'],
  ['GET', '/repos/{owner}/{repo}/collaborators/{username}/permission'],
  ['GET', '/orgs/{org}/teams/{team_slug}/memberships/{username}'],
  ['POST', '/app/installations/{installation_id}/access_tokens'],
  ['POST', '/graphql'],
];

const COMPILED = ROUTES.map(([method, template]) => {
  const names: string[] = [];
  const re = new RegExp(
    '^' +
      template.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return name === 'number' || name.endsWith('_id') ? '(\\d+)' : '([^/]+)';
      }) +
      '/?$',
  );
  return { method, template, re, names };
});

function route(method: string, path: string): RouteMatch | undefined {
  for (const r of COMPILED) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { method: r.method, template: r.template, params };
  }
  return undefined;
}

/** GitHub's limit on a comment body, in characters. */
const MAX_COMMENT_CHARS = 65536;

function commentBody(input: Record<string, unknown>): string {
  if (typeof input.body !== 'string') throw new HttpError(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
  if (input.body.length > MAX_COMMENT_CHARS) throw new HttpError(422, `Validation Failed: body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`);
  return input.body;
}

const CHECK_STATUSES = ['queued', 'in_progress', 'completed'];
const CHECK_CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];

/** Applies the fields of a check run create or update, validated as GitHub does. */
function applyCheckRun(run: CheckRunRecord, input: Record<string, unknown>, now: number): void {
  if (input.status !== undefined && !CHECK_STATUSES.includes(input.status as string))
    throw new HttpError(422, `Invalid request.\n\nInvalid value for "status".`);
  if (input.conclusion !== undefined && !CHECK_CONCLUSIONS.includes(input.conclusion as string))
    throw new HttpError(422, `Invalid request.\n\nInvalid value for "conclusion".`);
  // A conclusion completes the run; completing requires a conclusion.
  const status = input.conclusion !== undefined ? 'completed' : ((input.status as CheckRunRecord['status'] | undefined) ?? run.status);
  if (status === 'completed' && input.conclusion === undefined && run.conclusion === null)
    throw new HttpError(422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.');
  const output = input.output as { title?: unknown; summary?: unknown } | undefined;
  if (output !== undefined) {
    if (typeof output !== 'object' || output === null || typeof output.title !== 'string' || typeof output.summary !== 'string') {
      throw new HttpError(422, 'Invalid request.\n\n"title", "summary" weren\'t supplied.');
    }
    if (output.summary.length > 65535) throw new HttpError(422, 'Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.');
    run.output = { title: output.title, summary: output.summary };
  }
  if (typeof input.name === 'string') run.name = input.name;
  if (typeof input.external_id === 'string') run.externalId = input.external_id;
  if (typeof input.details_url === 'string') run.detailsUrl = input.details_url;
  if (typeof input.started_at === 'string' && !Number.isNaN(Date.parse(input.started_at))) run.startedAt = Date.parse(input.started_at);
  run.status = status;
  if (input.conclusion !== undefined) run.conclusion = input.conclusion as string;
  if (status === 'completed' && run.completedAt === null) {
    run.completedAt = typeof input.completed_at === 'string' && !Number.isNaN(Date.parse(input.completed_at)) ? Date.parse(input.completed_at) : now;
  }
}

function permissionsObject(role: Permission): Record<string, boolean> {
  const rank = PERMISSION_RANK[role];
  return { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
}

function hashId(s: string): number {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h;
}

function fakeSha(seed: string): string {
  let out = '';
  let h = hashId(seed) || 1;
  while (out.length < 40) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}
