import { performance } from 'node:perf_hooks';
import { Octokit } from '@octokit/rest';
import { GitHubEmulator } from '../test/emulators/github.js';
const N = 3000;
const gh = await GitHubEmulator.start({ rateLimit: 1_000_000 });
gh.addToken('t', 'bot');
const repo = gh.repo('acme/r');
for (let i = 0; i < N; i++) repo.createIssue({ title: `Issue ${i}`, body: `Details of issue ${i} `.repeat(20), labels: ['actor/kelos', `area/${i % 7}`], user: `dev${i % 4}` });
const o = new Octokit({ baseUrl: gh.apiUrl, auth: 't' });
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (let p = 1; p <= N / 100; p++) { const r = await fetch(`${gh.apiUrl}/repos/acme/r/issues?per_page=100&page=${p}`, { headers: { authorization: 'token t' } }); await r.json(); }
  const f = performance.now() - t0;
  t0 = performance.now();
  for (let p = 1; p <= N / 100; p++) await o.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'r', per_page: 100, page: p });
  const k = performance.now() - t0;
  // server-only cost: parse-free fetch
  t0 = performance.now();
  for (let p = 1; p <= N / 100; p++) { const r = await fetch(`${gh.apiUrl}/repos/acme/r/issues?per_page=100&page=${p}`, { headers: { authorization: 'token t' } }); await r.text(); }
  const s = performance.now() - t0;
  const text = await (await fetch(`${gh.apiUrl}/repos/acme/r/issues?per_page=100&page=1`, { headers: { authorization: 'token t' } })).text();
  const { JSONParse } = await import('json-with-bigint');
  t0 = performance.now(); for (let i = 0; i < 30; i++) JSON.parse(text); const jp = performance.now() - t0;
  t0 = performance.now(); for (let i = 0; i < 30; i++) JSONParse(text); const bp = performance.now() - t0;
  console.log({ fetch: Math.round(f), octokit: Math.round(k), textOnly: Math.round(s), kb: text.length >> 10, jsonParse30: Math.round(jp), bigintParse30: Math.round(bp) });
}
await gh.close();
