import { performance } from 'node:perf_hooks';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { etagCache } from '../lib/github/_etag-cache.js';
import { createGitHubClient } from '../lib/github/client.js';
import { pino } from 'pino';
import { GitHubEmulator } from '../test/emulators/github.js';
const N = Number(process.env.N ?? 500);
const gh = await GitHubEmulator.start({ rateLimit: 1_000_000 });
gh.addToken('t', 'bot');
const repo = gh.repo('acme/r');
for (let i = 0; i < N; i++) { const n = repo.createIssue({ title: `i${i}`, labels: ['a'] }); repo.addComment(n, 'x', 'hello'); }
const th = { onRateLimit: () => false, onSecondaryRateLimit: () => false };
const variants: Record<string, () => any> = {
  fetch: () => null,
  bare: () => new Octokit({ baseUrl: gh.apiUrl, auth: 't' }),
  etag: () => new (Octokit.plugin(etagCache))({ baseUrl: gh.apiUrl, auth: 't' }),
  retry: () => new (Octokit.plugin(retry))({ baseUrl: gh.apiUrl, auth: 't' }),
  throttle: () => new (Octokit.plugin(throttling))({ baseUrl: gh.apiUrl, auth: 't', throttle: th }),
  kelos: () => createGitHubClient({ baseUrl: gh.apiUrl, credentials: { token: 't' }, log: pino({ level: 'silent' }) }),
  all: () => new (Octokit.plugin(throttling, retry, etagCache))({ baseUrl: gh.apiUrl, auth: 't', throttle: th }),
};
for (const name of (process.env.V ?? 'fetch,bare,etag,retry,throttle,all').split(',')) {
  const o = variants[name]!();
  const t0 = performance.now();
  for (let i = 1; i <= N; i++) {
    if (!o) { const r = await fetch(`${gh.apiUrl}/repos/acme/r/issues/${i}/comments?per_page=100`, { headers: { authorization: 'token t' } }); await r.json(); }
    else await o.request('GET /repos/{owner}/{repo}/issues/{n}/comments', { owner: 'acme', repo: 'r', n: i, per_page: 100 });
  }
  console.log(name.padEnd(10), Math.round(performance.now() - t0), 'ms');
}
await gh.close();
