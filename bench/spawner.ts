// npm run bench:spawner — GitHub cost of the spawner on a repository of 500
// open issues with a comment policy, against the loopback GitHub emulator:
// requests and rate-limit cost of the first cycle, a quiet cycle, a cycle
// after one issue changes, and a quiet cycle after that; in the same run a
// naive client that lists every page and fetches the comments of every item
// each cycle (what Kelos v0.19 does). Last line: RESULT {json}; throws when
// a target is missed (quiet: 1 request answered 304; one change: at most 3).
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { GitHubIssues } from '../lib/api/index.js';
import { createGitHubClient } from '../lib/github/client.js';
import { CommentAuthorizer, evaluateCommentPolicy, resolveCommentPolicy, type CommandComment } from '../lib/spawner/comment-policy.js';
import { GitHubIssuesSource } from '../lib/spawner/sources/github-issues.js';
import { GitHubEmulator } from '../test/emulators/github.js';

const ISSUES = 500;
const PICK = '/kelos pick-up';
const NEEDS = '/kelos needs-input';
const SPEC: GitHubIssues = {
  labels: ['actor/kelos'],
  commentPolicy: { triggerComment: PICK, excludeComments: [NEEDS], minimumPermission: 'write' },
};

interface Phase {
  requests: number;
  notModified: number;
  rateLimitCost: number;
  items: number;
  ms: number;
}

let clock = Date.parse('2025-06-02T09:00:00Z');
const gh = await GitHubEmulator.start({ now: () => clock, rateLimit: 1_000_000 });
gh.addToken('kelos-token', 'kelos-bot');
gh.addToken('naive-token', 'naive-bot');
const repo = gh.repo('acme/monorepo');
const maintainers = ['ann', 'bo', 'cy'];
for (const m of maintainers) repo.setPermission(m, 'write');
repo.setPermission('kelos-bot', 'write');
for (const u of ['dev1', 'dev2', 'dev3', 'dev4']) gh.addUser(u);

// 500 open issues: every third one picked up, every ninth handed back for input, chatter everywhere.
for (let i = 0; i < ISSUES; i++) {
  const n = repo.createIssue({ title: `Issue ${i}`, body: `Details of issue ${i}`, labels: ['actor/kelos', `area/${i % 7}`], user: `dev${(i % 4) + 1}` });
  repo.addComment(n, `dev${((i + 1) % 4) + 1}`, 'I can reproduce this.');
  if (i % 3 === 0) repo.addComment(n, maintainers[i % 3]!, `Please take this.\n${PICK}`);
  if (i % 9 === 0) repo.addComment(n, 'kelos-bot', `Opened a PR.\n${NEEDS}`);
}
// One issue that will change: only chatter so far.
const changed = repo.createIssue({ title: 'The one that changes', labels: ['actor/kelos'], user: 'dev1' });
repo.addComment(changed, 'dev2', 'Same here.');
const log = pino({ level: 'silent' });

async function measure(run: () => Promise<number>): Promise<Phase> {
  gh.resetStats();
  const t0 = performance.now();
  const items = await run();
  const ms = performance.now() - t0;
  const s = gh.stats();
  return { requests: s.requests, notModified: s.notModified, rateLimitCost: s.rateLimited, items, ms: Math.round(ms) };
}

// ---- kelos: one Octokit with the ETag cache, since-deltas, comments only on change
const client = createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token: 'kelos-token' }, log });
const source = new GitHubIssuesSource({ client, repo: { owner: 'acme', repo: 'monorepo' }, spec: SPEC, log });
const kelosCycle = async () => (await source.discover(new Date(clock))).length;

// ---- naive: every page, every item's comments, every cycle (Kelos v0.19)
const policy = resolveCommentPolicy(SPEC);
async function getJSON(url: string): Promise<{ data: unknown; next?: string; status: number }> {
  const res = await fetch(url, { headers: { authorization: 'token naive-token', accept: 'application/vnd.github+json' } });
  const data = await res.json();
  const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  return next ? { data, next, status: res.status } : { data, status: res.status };
}
async function listAll<T>(url: string): Promise<T[]> {
  const out: T[] = [];
  for (let next: string | undefined = url; next; ) {
    const page: { data: unknown; next?: string } = await getJSON(next);
    out.push(...(page.data as T[]));
    next = page.next;
  }
  return out;
}
async function naiveCycle(): Promise<number> {
  const base = `${gh.url}/repos/acme/monorepo`;
  const issues = await listAll<{ number: number; body: string | null; user: { login: string } }>(`${base}/issues?state=open&labels=actor%2Fkelos&per_page=100`);
  const authorizer = new CommentAuthorizer(policy, {
    repositoryRole: async (login) => {
      const r = await getJSON(`${base}/collaborators/${login}/permission`);
      return r.status === 404 ? undefined : ((r.data as { role_name?: string }).role_name ?? undefined);
    },
    teamMembershipState: async () => undefined,
  });
  let included = 0;
  for (const issue of issues) {
    const raw = await listAll<{ body: string; user: { login: string }; created_at: string }>(`${base}/issues/${issue.number}/comments?per_page=100`);
    const comments: CommandComment[] = raw.map((c) => ({ author: c.user.login, body: c.body, createdAt: c.created_at }));
    const decision = await evaluateCommentPolicy(policy, { body: issue.body, author: issue.user.login }, comments, (l) => authorizer.isAuthorised(l));
    if (decision.included) included++;
  }
  return included;
}

const tick = () => (clock += 60_000);
const change = () => repo.addComment(changed, maintainers[0]!, `Ready now.\n${PICK}`);

const results: Record<string, Record<string, Phase>> = { kelos: {}, naive: {} };
const phases: Array<[string, () => void]> = [
  ['first', () => undefined],
  ['quiet', () => undefined],
  ['oneChange', change],
  ['quietAfterChange', () => undefined],
];
for (const [phase, before] of phases) {
  tick();
  before();
  results.kelos![phase] = await measure(kelosCycle);
  results.naive![phase] = await measure(naiveCycle);
}
await gh.close();

const rows = ['first', 'quiet', 'oneChange', 'quietAfterChange'];
const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`Spawner GitHub cost: ${ISSUES + 1} open issues, commentPolicy (trigger + exclude, minimumPermission: write)`);
console.log(`${'cycle'.padEnd(18)}${pad('kelos req', 11)}${pad('304', 6)}${pad('cost', 7)}${pad('ms', 7)}  |${pad('naive req', 11)}${pad('cost', 7)}${pad('ms', 7)}`);
for (const r of rows) {
  const k = results.kelos![r]!;
  const n = results.naive![r]!;
  console.log(`${r.padEnd(18)}${pad(k.requests, 11)}${pad(k.notModified, 6)}${pad(k.rateLimitCost, 7)}${pad(k.ms, 7)}  |${pad(n.requests, 11)}${pad(n.rateLimitCost, 7)}${pad(n.ms, 7)}`);
}
const k = results.kelos!;
const n = results.naive!;
if (k.quiet!.items !== n.quiet!.items || k.first!.items !== n.first!.items) {
  throw new Error(`the clients disagree on the eligible items: kelos ${k.first!.items}/${k.quiet!.items}, naive ${n.first!.items}/${n.quiet!.items}`);
}
console.log(`eligible items: ${k.first!.items} (after the change: ${k.oneChange!.items})`);
console.log(
  'RESULT ' +
    JSON.stringify({
      bench: 'spawner',
      issues: ISSUES + 1,
      eligible: k.first!.items,
      kelos: k,
      naive: n,
      targets: { quietRequests: k.quiet!.requests, quietAll304: k.quiet!.notModified === k.quiet!.requests, oneChangeRequests: k.oneChange!.requests },
    }),
);
// Targets: a quiet cycle is one request answered 304; one change costs at most 3 requests.
const missed = [
  ...(k.quiet!.requests !== 1 || k.quiet!.notModified !== 1 ? [`a quiet cycle made ${k.quiet!.requests} requests (${k.quiet!.notModified} answered 304), not 1 answered 304`] : []),
  ...(k.oneChange!.requests > 3 ? [`one change cost ${k.oneChange!.requests} requests, more than 3`] : []),
];
if (missed.length > 0) throw new Error(`missed the targets: ${missed.join('; ')}`);
