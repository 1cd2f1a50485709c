// npm run bench:spawner — GitHub cost and client overhead of the spawner's
// issues source on repositories of 501 and 5,001 open issues with a comment
// policy, against the loopback GitHub emulator (in this process).
//
// Per cycle (first, quiet, one change, quiet again) it prints requests, 304s,
// rate-limit cost (REST requests charged + GraphQL points) and wall time of
//   kelos  — GitHubIssuesSource with the kelos GitHub client (batched threads),
//   floor  — the same minimal request sequence through plain fetch (the same
//            requests, counted; the fastest honest way to do the same work),
//   naive  — plain fetch, every page and every item's comments each cycle
//            (Kelos v0.19's way; its cost is the same every cycle).
// The first cycle is timed three times for kelos and floor, alternating, on
// fresh instances (medians). Then one cycle of the old per-item path through
// the kelos client (the same work items as the batched path?) against the
// naive client; the per-request overhead, paired; and at 5,001 issues the
// peak RSS of a child process running only the kelos source (or the floor).
// Last line: RESULT {json}; exit code 1 when a goal is missed: first cycle
// at 5,001 issues <= 120 requests, quiet = 1 request answered 304, one
// change <= 3 requests, kelos/floor wall time <= 1.5 on the first cycle at
// 5,001 issues, and <= 1.5 per request (5,001 comment listings through the
// kelos client against plain fetch, paired in chunks of 50).
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { pino } from 'pino';
import { type GitHubIssues, rfc3339 } from '../lib/api/index.js';
import { githubGraphqlUrl } from '../lib/github/api-base-url.js';
import { createGitHubClient } from '../lib/github/client.js';
import { RepoApi } from '../lib/github/repo-api.js';
import { batches, restLogin, threadsQuery } from '../lib/github/threads.js';
import { type CommandComment, CommentAuthorizer, evaluateCommentPolicy, type PolicyDecision, resolveCommentPolicy } from '../lib/spawner/comment-policy.js';
import { GitHubIssuesSource, type ThreadReads } from '../lib/spawner/sources/github-issues.js';
import type { WorkItem } from '../lib/spawner/work-item.js';
import { GitHubEmulator, type RepoHandle } from '../test/emulators/github.js';

const SIZES = [500, 5000];
const FIRST_RUNS = 3;
const PICK = '/kelos pick-up';
const NEEDS = '/kelos needs-input';
const LABEL = 'actor/kelos';
const SPEC: GitHubIssues = {
  labels: [LABEL],
  commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' },
};
const policy = resolveCommentPolicy(SPEC);
const log = pino({ level: 'silent' });

interface Phase {
  requests: number;
  notModified: number;
  /** REST requests charged plus GraphQL points. */
  cost: number;
  graphqlPoints: number;
  graphqlRequests: number;
  items: number;
  ms: number;
  /** CPU time of this process (the emulator's included). */
  cpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- the repository --------------------------------------------------------

function populate(repo: RepoHandle, issues: number): number {
  const maintainers = ['ann', 'bo', 'cy'];
  for (const m of maintainers) repo.setPermission(m, 'write');
  repo.setPermission('kelos-bot', 'write');
  // Every third issue picked up, every ninth handed back for input, chatter everywhere.
  for (let i = 0; i < issues; i++) {
    const n = repo.createIssue({ title: `Issue ${i}`, body: `Details of issue ${i}`, labels: [LABEL, `area/${i % 7}`], user: `dev${(i % 4) + 1}` });
    repo.addComment(n, `dev${((i + 1) % 4) + 1}`, 'I can reproduce this.');
    if (i % 3 === 0) repo.addComment(n, maintainers[i % 3]!, `Please take this.\n${PICK}`);
    if (i % 9 === 0) repo.addComment(n, 'kelos-bot', `Opened a PR.\n${NEEDS}`);
  }
  // Unlabelled noise the labelled listing must not pay for.
  for (let i = 0; i < issues / 10; i++) repo.addComment(repo.createIssue({ title: `Other ${i}`, user: 'dev1' }), 'dev2', 'Unrelated.');
  // The issue that changes: only chatter so far.
  const changed = repo.createIssue({ title: 'The one that changes', labels: [LABEL], user: 'dev1' });
  repo.addComment(changed, 'dev2', 'Same here.');
  return changed;
}

// ---- plain fetch -----------------------------------------------------------

interface Page {
  data: unknown;
  next?: string;
  status: number;
  date?: number;
}

/** Plain fetch with an optional ETag map (conditional GETs, like the kelos client). */
class Fetcher {
  private readonly etags = new Map<string, { etag: string; page: Page }>();
  constructor(
    private readonly token: string,
    private readonly conditional: boolean,
  ) {}

  async get(url: string): Promise<Page> {
    const hit = this.conditional ? this.etags.get(url) : undefined;
    const res = await fetch(url, {
      headers: { authorization: `token ${this.token}`, accept: 'application/vnd.github+json', ...(hit ? { 'if-none-match': hit.etag } : {}) },
    });
    if (res.status === 304 && hit) return { ...hit.page, status: 304 };
    const data = res.status === 204 ? undefined : await res.json();
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    const date = Date.parse(res.headers.get('date') ?? '');
    const page: Page = { data, status: res.status, ...(next ? { next } : {}), ...(Number.isNaN(date) ? {} : { date }) };
    const etag = res.headers.get('etag');
    if (this.conditional && etag && res.status === 200) this.etags.set(url, { etag, page });
    return page;
  }

  async list<T>(url: string): Promise<{ items: T[]; date?: number }> {
    const items: T[] = [];
    let date: number | undefined;
    for (let next: string | undefined = url; next; ) {
      const page: Page = await this.get(next);
      if (page.status !== 200 && page.status !== 304) throw new Error(`GET ${next}: ${page.status}`);
      items.push(...(page.data as T[]));
      date ??= page.date;
      next = page.next;
    }
    return date === undefined ? { items } : { items, date };
  }

  async graphql(url: string, query: string, variables: Record<string, unknown>): Promise<any> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `token ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    if (res.status !== 200) throw new Error(`POST ${url}: ${res.status}`);
    return res.json();
  }
}

interface RawIssue {
  number: number;
  title: string;
  body: string | null;
  state: string;
  labels: Array<{ name: string }>;
  user: { login: string };
  comments: number;
  updated_at: string;
  pull_request?: unknown;
}
interface RawComment {
  body: string;
  user: { login: string };
  created_at: string;
}

/**
 * The floor: the source's request sequence in plain code — the labelled list
 * once, the since-delta every cycle (conditional), changed threads 100 per
 * GraphQL query (REST for a single one), one permission lookup per commander.
 */
class FloorClient {
  private readonly http: Fetcher;
  private items = new Map<number, RawIssue>();
  private since = 0;
  private synced = false;
  private readonly threads = new Map<number, { fp: string; comments?: CommandComment[]; decision?: PolicyDecision }>();

  constructor(
    private readonly apiUrl: string,
    token: string,
  ) {
    this.http = new Fetcher(token, true);
  }

  async cycle(): Promise<number> {
    const base = `${this.apiUrl}/repos/acme/monorepo`;
    if (!this.synced) {
      const full = await this.http.list<RawIssue>(`${base}/issues?state=open&labels=${encodeURIComponent(LABEL)}&sort=created&direction=asc&per_page=100`);
      this.items = new Map(full.items.map((i) => [i.number, i]));
      this.since = full.date!;
      this.synced = true;
    }
    const delta = await this.http.list<RawIssue>(
      `${base}/issues?state=all&since=${encodeURIComponent(rfc3339(this.since - 1000))}&sort=updated&direction=asc&per_page=100`,
    );
    for (const i of delta.items) {
      if (i.state === 'open' && i.labels.some((l) => l.name === LABEL)) this.items.set(i.number, i);
      else this.items.delete(i.number);
    }
    if (delta.items.length >= 50) this.since = Math.max(this.since, ...delta.items.map((i) => Date.parse(i.updated_at)));

    const eligible = [...this.items.values()].filter((i) => !i.pull_request).sort((a, b) => a.number - b.number);
    const thread = (i: RawIssue) => {
      const fp = `${i.updated_at}|${i.comments}`;
      let t = this.threads.get(i.number);
      if (t?.fp !== fp) this.threads.set(i.number, (t = { fp }));
      return t;
    };
    const missing = eligible.filter((i) => !thread(i).decision && !thread(i).comments && i.comments > 0);
    if (missing.length > 1) {
      const url = githubGraphqlUrl(this.apiUrl);
      for (const batch of batches(missing.map((i) => ({ number: i.number, pull: false, commentCount: i.comments })))) {
        const res = await this.http.graphql(url, threadsQuery(batch, { comments: true, reviews: false }), { owner: 'acme', name: 'monorepo' });
        for (const ref of batch) {
          const c = res.data.repository[`n${ref.number}`]?.comments;
          if (c && c.nodes.length === c.totalCount) {
            thread(this.items.get(ref.number)!).comments = c.nodes.map((n: any) => ({ author: restLogin(n.author), body: n.body, createdAt: n.createdAt }));
          }
        }
      }
    }
    const authorizer = new CommentAuthorizer(policy, {
      repositoryRole: async (login) => {
        const r = await this.http.get(`${base}/collaborators/${encodeURIComponent(login)}/permission`);
        return r.status === 404 ? undefined : ((r.data as { role_name?: string }).role_name ?? undefined);
      },
      teamMembershipState: async () => undefined,
    });
    let included = 0;
    for (const issue of eligible) {
      const t = thread(issue);
      if (!t.decision) {
        if (!t.comments) {
          const raw = issue.comments === 0 ? [] : (await this.http.list<RawComment>(`${base}/issues/${issue.number}/comments?per_page=100`)).items;
          t.comments = raw.map((c) => ({ author: c.user.login, body: c.body, createdAt: c.created_at }));
        }
        t.decision = await evaluateCommentPolicy(policy, { body: issue.body, author: issue.user.login }, t.comments, (l) => authorizer.isAuthorised(l));
      }
      if (t.decision.included) included++;
    }
    return included;
  }
}

/** Kelos v0.19's way: every page, every item's comments, every cycle. */
async function naiveCycle(gh: GitHubEmulator): Promise<number> {
  const http = new Fetcher('naive-token', false);
  const base = `${gh.apiUrl}/repos/acme/monorepo`;
  const issues = (await http.list<RawIssue>(`${base}/issues?state=open&labels=${encodeURIComponent(LABEL)}&per_page=100`)).items;
  const authorizer = new CommentAuthorizer(policy, {
    repositoryRole: async (login) => {
      const r = await http.get(`${base}/collaborators/${encodeURIComponent(login)}/permission`);
      return r.status === 404 ? undefined : ((r.data as { role_name?: string }).role_name ?? undefined);
    },
    teamMembershipState: async () => undefined,
  });
  let included = 0;
  for (const issue of issues) {
    if (issue.pull_request) continue;
    const raw = (await http.list<RawComment>(`${base}/issues/${issue.number}/comments?per_page=100`)).items;
    const comments: CommandComment[] = raw.map((c) => ({ author: c.user.login, body: c.body, createdAt: c.created_at }));
    const decision = await evaluateCommentPolicy(policy, { body: issue.body, author: issue.user.login }, comments, (l) => authorizer.isAuthorised(l));
    if (decision.included) included++;
  }
  return included;
}

// ---- one repository size ------------------------------------------------------

async function runSize(issues: number) {
  let clock = Date.parse('2025-06-02T09:00:00Z');
  const gh = await GitHubEmulator.start({ now: () => clock, rateLimit: 10_000_000, graphqlRateLimit: 10_000_000 });
  const repo = gh.repo('acme/monorepo');
  const changed = populate(repo, issues);
  let tokens = 0;
  const token = (login: string) => {
    const t = `token-${++tokens}`;
    gh.addToken(t, login);
    return t;
  };
  const kelosSource = (threadReads: ThreadReads = 'batched') => {
    const client = createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token: token('kelos-bot') }, log });
    return new GitHubIssuesSource({ client, repo: { owner: 'acme', repo: 'monorepo' }, spec: SPEC, log, threadReads });
  };
  gh.addToken('naive-token', 'naive-bot');

  async function measure<T>(run: () => Promise<T>, count: (t: T) => number): Promise<{ phase: Phase; value: T }> {
    gh.resetStats();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const value = await run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const s = gh.stats();
    const phase = {
      requests: s.requests,
      notModified: s.notModified,
      cost: s.rateLimited + s.graphqlPoints,
      graphqlPoints: s.graphqlPoints,
      graphqlRequests: s.routes['POST /graphql']?.requests ?? 0,
      items: count(value),
      ms: Math.round(ms),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    return { phase, value };
  }
  const tick = () => (clock += 60_000);

  // First cycle: warm-up, then fresh instances alternating.
  tick();
  await kelosSource().discover(new Date(clock));
  await new FloorClient(gh.apiUrl, token('floor-bot')).cycle();
  const firsts: { kelos: Phase[]; floor: Phase[] } = { kelos: [], floor: [] };
  let source!: GitHubIssuesSource;
  let floor!: FloorClient;
  let batchedItems: WorkItem[] = [];
  for (let r = 0; r < FIRST_RUNS; r++) {
    source = kelosSource();
    const k = await measure(
      () => source.discover(new Date(clock)),
      (items) => items.length,
    );
    firsts.kelos.push(k.phase);
    batchedItems = k.value;
    floor = new FloorClient(gh.apiUrl, token('floor-bot'));
    firsts.floor.push(
      (
        await measure(
          () => floor.cycle(),
          (n) => n,
        )
      ).phase,
    );
  }
  const pick = (xs: Phase[]): Phase => ({ ...xs[0]!, ms: median(xs.map((x) => x.ms)), cpuMs: median(xs.map((x) => x.cpuMs)) });
  const kelos: Record<string, Phase> = { first: pick(firsts.kelos) };
  const base: Record<string, Phase> = { first: pick(firsts.floor) };
  const naive = (
    await measure(
      () => naiveCycle(gh),
      (n) => n,
    )
  ).phase;

  // Later cycles on the last instances.
  const steps: Array<[string, () => void]> = [
    ['quiet', () => undefined],
    ['oneChange', () => repo.addComment(changed, 'ann', `Ready now.\n${PICK}`)],
    ['quietAfterChange', () => undefined],
  ];
  for (const [name, before] of steps) {
    tick();
    before();
    kelos[name] = (
      await measure(
        () => source.discover(new Date(clock)),
        (items) => items.length,
      )
    ).phase;
    base[name] = (
      await measure(
        () => floor.cycle(),
        (n) => n,
      )
    ).phase;
  }

  // The old per-item path through the same client, against naive fetch: per-request overhead and the same items.
  tick();
  const perItemRun = await measure(
    () => kelosSource('per-item').discover(new Date(clock)),
    (items) => items.length,
  );
  const naiveAgain = (
    await measure(
      () => naiveCycle(gh),
      (n) => n,
    )
  ).phase;
  const batchedNow = await kelosSource().discover(new Date(clock));
  const sameItems = isDeepStrictEqual(perItemRun.value, batchedNow) && batchedItems.length === kelos.first!.items;
  const perRequest = await pairedRequests(gh, token);

  // Memory: each client alone in a child process (the emulator stays here), a first and a quiet cycle.
  let memory: Record<string, number> | undefined;
  if (issues >= 5000) {
    memory = {};
    for (const kind of ['kelos', 'floor', 'idle']) memory[kind] = await childRss(kind, gh.apiUrl, token('kelos-bot'), clock);
  }

  // The alternative design, measured: the repository-wide comments listing instead of GraphQL.
  const listingPages = Math.ceil(
    (await new Fetcher('naive-token', false).list<unknown>(`${gh.apiUrl}/repos/acme/monorepo/issues/comments?per_page=100`)).items.length / 100,
  );
  await gh.close();
  return {
    issues: issues + 1,
    kelos,
    floor: base,
    naive,
    perItem: { kelos: perItemRun.phase, naive: naiveAgain },
    perRequest,
    sameItems,
    listingPages,
    alternativeFirstCycleRequests: kelos.first!.requests - kelos.first!.graphqlRequests + listingPages,
    ...(memory ? { memory } : {}),
  };
}

/**
 * Per-request overhead: every labelled issue's comments listing, through the
 * kelos client (RepoApi) and through plain fetch, in chunks of 50 taking
 * turns (who goes first alternates), so that both see the same machine load.
 */
async function pairedRequests(gh: GitHubEmulator, token: (login: string) => string) {
  const api = new RepoApi(createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token: token('kelos-bot') }, log }), { owner: 'acme', repo: 'monorepo' });
  const http = new Fetcher(token('floor-bot'), false);
  const numbers = (await http.list<RawIssue>(`${gh.apiUrl}/repos/acme/monorepo/issues?state=open&labels=${encodeURIComponent(LABEL)}&per_page=100`)).items.map(
    (i) => i.number,
  );
  const total = { kelos: { ms: 0, cpuMs: 0 }, fetch: { ms: 0, cpuMs: 0 } };
  const timed = async (into: { ms: number; cpuMs: number }, run: () => Promise<unknown>) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    into.ms += performance.now() - t0;
    into.cpuMs += (c.user + c.system) / 1000;
  };
  for (let i = 0; i < numbers.length; i += 50) {
    const part = numbers.slice(i, i + 50);
    const viaKelos = () =>
      timed(total.kelos, async () => {
        for (const n of part) await api.comments(n);
      });
    const viaFetch = () =>
      timed(total.fetch, async () => {
        for (const n of part) await http.list(`${gh.apiUrl}/repos/acme/monorepo/issues/${n}/comments?per_page=100`);
      });
    if ((i / 50) % 2 === 0) await viaKelos().then(viaFetch);
    else await viaFetch().then(viaKelos);
  }
  const round = (x: { ms: number; cpuMs: number }) => ({ ms: Math.round(x.ms), cpuMs: Math.round(x.cpuMs) });
  return { requests: numbers.length, kelos: round(total.kelos), fetch: round(total.fetch), ratio: Number((total.kelos.ms / total.fetch.ms).toFixed(2)) };
}

/** Peak RSS (MB) of a child process running one client's first and quiet cycles ('idle': loads the modules only). */
async function childRss(kind: string, apiUrl: string, token: string, now: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--rss', kind, apiUrl, token, String(now)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const rss = Number(/^RSS (\d+)$/m.exec(out)?.[1]);
  if (code !== 0 || !Number.isFinite(rss)) throw new Error(`the ${kind} child failed (${code}): ${out}`);
  return Math.round(rss / 1024);
}

async function rssChild([kind, apiUrl, token, now]: string[]): Promise<void> {
  if (kind === 'kelos') {
    const client = createGitHubClient({ baseUrl: apiUrl!, credentials: { token: token! }, log });
    const source = new GitHubIssuesSource({ client, repo: { owner: 'acme', repo: 'monorepo' }, spec: SPEC, log });
    for (let i = 0; i < 2; i++) await source.discover(new Date(Number(now)));
  } else if (kind === 'floor') {
    const floor = new FloorClient(apiUrl!, token!);
    for (let i = 0; i < 2; i++) await floor.cycle();
  }
  console.log(`RSS ${process.resourceUsage().maxRSS}`);
}

// ---- run, print, judge ---------------------------------------------------------

if (process.argv[2] === '--rss') {
  await rssChild(process.argv.slice(3));
  process.exit(0);
}

const started = loadavg()[0]!;
const results = [];
for (const n of SIZES) results.push(await runSize(n));
const ended = loadavg()[0]!;

const pad = (s: string | number, n: number) => String(s).padStart(n);
const row = (p: Phase) => `${pad(p.requests, 6)}${pad(p.notModified, 5)}${pad(p.cost, 6)}${pad(p.ms, 8)}`;
console.log(
  `Spawner GitHub cost and overhead — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${started.toFixed(1)} → ${ended.toFixed(1)}, Node ${process.version}`,
);
console.log(
  `commentPolicy: trigger + exclude, minimumPermission: write; cost = REST requests charged + GraphQL points; ms of the first cycle: median of ${FIRST_RUNS}`,
);
const goals: string[] = [];
for (const r of results) {
  console.log(`\n${r.issues} open labelled issues`);
  console.log(`${'cycle'.padEnd(18)}| kelos  req  304  cost      ms | floor  req  304  cost      ms | ratio | naive  req  cost      ms`);
  for (const c of ['first', 'quiet', 'oneChange', 'quietAfterChange']) {
    const k = r.kelos[c]!;
    const f = r.floor[c]!;
    const n =
      c === 'first'
        ? `${pad(r.naive.requests, 11)}${pad(r.naive.cost, 6)}${pad(r.naive.ms, 8)}`
        : `${pad(r.naive.requests, 11)}${pad(r.naive.cost, 6)}       (same each cycle)`;
    console.log(`${c.padEnd(18)}|     ${row(k)} |     ${row(f)} | ${(k.ms / Math.max(1, f.ms)).toFixed(2).padStart(5)} |${n}`);
    if (k.requests !== f.requests) goals.push(`${r.issues} issues, ${c}: kelos made ${k.requests} requests, the floor ${f.requests} (not the same work)`);
    if (k.items !== f.items || k.items !== (c === 'first' ? r.naive.items : k.items))
      goals.push(`${r.issues} issues, ${c}: the clients disagree on the eligible items`);
  }
  console.log(`first cycle CPU time of this process (the emulator's included), medians: kelos ${r.kelos.first!.cpuMs} ms, floor ${r.floor.first!.cpuMs} ms`);
  const pi = r.perItem;
  console.log(
    `old per-item path, one cycle: kelos ${pi.kelos.requests} requests in ${pi.kelos.ms} ms, naive fetch ${pi.naive.requests} in ${pi.naive.ms} ms; the same work items as batched: ${r.sameItems}`,
  );
  const pr = r.perRequest;
  console.log(
    `per request (${pr.requests} comment listings, paired in chunks of 50): kelos client ${pr.kelos.ms} ms (CPU ${pr.kelos.cpuMs} ms), plain fetch ${pr.fetch.ms} ms (CPU ${pr.fetch.cpuMs} ms): ${pr.ratio}×`,
  );
  console.log(
    `alternative design: the repository-wide comments listing instead of GraphQL: ${r.listingPages} pages for ${r.kelos.first!.graphqlRequests} queries, a first cycle of ${r.alternativeFirstCycleRequests} requests`,
  );
  if (r.memory)
    console.log(
      `peak RSS of a process running one client's first and quiet cycles: kelos ${r.memory.kelos} MB, floor ${r.memory.floor} MB (a process that only loads the modules: ${r.memory.idle} MB)`,
    );
  if (!r.sameItems) goals.push(`${r.issues} issues: the per-item and batched paths found different work items`);
}
const big = results[results.length - 1]!;
const ratio = big.kelos.first!.ms / Math.max(1, big.floor.first!.ms);
for (const r of results) {
  if (r.kelos.quiet!.requests !== 1 || r.kelos.quiet!.notModified !== 1)
    goals.push(`${r.issues} issues: a quiet cycle made ${r.kelos.quiet!.requests} requests (${r.kelos.quiet!.notModified} answered 304), not 1 answered 304`);
  if (r.kelos.oneChange!.requests > 3) goals.push(`${r.issues} issues: one change cost ${r.kelos.oneChange!.requests} requests, more than 3`);
}
if (big.kelos.first!.requests > 120) goals.push(`${big.issues} issues: the first cycle made ${big.kelos.first!.requests} requests, more than 120`);
if (ratio > 1.5) goals.push(`${big.issues} issues: the first cycle took ${ratio.toFixed(2)}× the floor's wall time, more than 1.5`);
const perRequest = big.perRequest.ratio;
if (perRequest > 1.5) goals.push(`${big.issues} issues: a request through the kelos client took ${perRequest}× one through plain fetch, more than 1.5`);
console.log(
  '\nRESULT ' +
    JSON.stringify({
      bench: 'spawner',
      machine: { cpus: cpus().length, load: [Number(started.toFixed(1)), Number(ended.toFixed(1))], node: process.version },
      sizes: results,
      goals: {
        firstCycleRequests: big.kelos.first!.requests,
        quietRequests: results.map((r) => r.kelos.quiet!.requests),
        oneChangeRequests: results.map((r) => r.kelos.oneChange!.requests),
        overheadRatio: Number(ratio.toFixed(2)),
        perRequestRatio: perRequest,
      },
      missed: goals,
    }),
);
if (goals.length > 0) {
  console.error(`missed: ${goals.join('; ')}`);
  process.exitCode = 1;
}
