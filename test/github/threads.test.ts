import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../lib/github/client.js';
import { RepoApi } from '../../lib/github/repo-api.js';
import { batches, GraphqlUnavailableError, readThreads, restLogin, threadsQuery } from '../../lib/github/threads.js';
import { GitHubEmulator, type RepoHandle } from '../emulators/github.js';

const TOKEN = 'ghp_threads';
const log = pino({ level: 'silent' });
let gh: GitHubEmulator;
let repo: RepoHandle;
beforeEach(async () => {
  gh = await GitHubEmulator.start();
  gh.addToken(TOKEN);
  repo = gh.repo('acme/app');
});
afterEach(() => gh.close());

const client = (token = TOKEN) => createGitHubClient({ baseUrl: gh.apiUrl, ...(token ? { credentials: { token } } : {}), log, retryBaseMs: 1 });
const ref = { owner: 'acme', repo: 'app' };

describe('readThreads', () => {
  it('reads every thread as REST lists it, 100 items per GraphQL query, one point each', async () => {
    gh.addUser('helper[bot]', 'Bot');
    const numbers: number[] = [];
    for (let i = 0; i < 150; i++) {
      const n = repo.createIssue({ title: `i${i}` });
      repo.addComment(n, i % 2 ? 'ann' : 'helper[bot]', `hello ${i}`);
      numbers.push(n);
    }
    const threads = await readThreads(
      client(),
      ref,
      numbers.map((number) => ({ number, pull: false, commentCount: 1 })),
      { comments: true, reviews: false },
    );
    const api = new RepoApi(client(), ref);
    for (const n of [numbers[0]!, numbers[1]!, numbers[149]!]) expect(threads.get(n)!.comments).toEqual(await api.comments(n));
    expect(threads.get(numbers[0]!)!.comments![0]!.author).toBe('helper[bot]');
    expect(gh.stats().routes['POST /graphql']).toMatchObject({ requests: 2, graphqlPoints: 2 });
  });

  it('reads the reviews of pull requests beside their comments', async () => {
    const a = repo.createPull({ title: 'a' });
    const b = repo.createPull({ title: 'b' });
    repo.addReview(a, 'rev', 'APPROVED', { body: 'ok' });
    repo.addComment(b, 'ann', 'please');
    const threads = await readThreads(
      client(),
      ref,
      [a, b].map((number) => ({ number, pull: true })),
      { comments: true, reviews: true },
    );
    const api = new RepoApi(client(), ref);
    expect(threads.get(a)).toEqual({ comments: [], reviews: await api.reviews(a) });
    expect(threads.get(b)).toEqual({ comments: await api.comments(b), reviews: [] });
  });

  it('leaves out threads longer than a connection page, and numbers GitHub does not resolve', async () => {
    const long = repo.createIssue({ title: 'long' });
    for (let i = 0; i < 101; i++) repo.addComment(long, 'ann', `c${i}`);
    const short = repo.createIssue({ title: 'short' });
    const pull = repo.createPull({ title: 'asked as an issue' });
    const threads = await readThreads(
      client(),
      ref,
      [long, short, pull].map((number) => ({ number, pull: false })),
      { comments: true, reviews: false },
    );
    expect([...threads.keys()]).toEqual([short]);
  });

  it('throws GraphqlUnavailableError when GraphQL refuses (here: no token)', async () => {
    repo.createIssue({ title: 'x' });
    await expect(readThreads(client(''), ref, [{ number: 1, pull: false }], { comments: true, reviews: false })).rejects.toBeInstanceOf(
      GraphqlUnavailableError,
    );
  });
});

describe('threadsQuery and batches', () => {
  it('puts only checked integers in the query text; the repository goes in variables', () => {
    expect(threadsQuery([{ number: 7, pull: false }], { comments: true, reviews: true })).toBe(
      'query($owner:String!,$name:String!){repository(owner:$owner,name:$name){n7:issue(number:7){comments(first:100){totalCount nodes{body createdAt author{__typename login}}}}}}',
    );
    expect(() => threadsQuery([{ number: 1.5, pull: false }], { comments: true, reviews: false })).toThrow(/not an issue number/);
    expect(() => threadsQuery([{ number: Number('7){x}'), pull: false }], { comments: true, reviews: false })).toThrow(/not an issue number/);
  });

  it('cuts batches at 100 items, 2,000 comments, or 50 pull requests of unknown size', () => {
    const sizes = (refs: Parameters<typeof batches>[0]) => batches(refs).map((b) => b.length);
    expect(sizes(Array.from({ length: 250 }, (_, i) => ({ number: i + 1, pull: false, commentCount: 1 })))).toEqual([100, 100, 50]);
    expect(sizes(Array.from({ length: 30 }, (_, i) => ({ number: i + 1, pull: false, commentCount: 100 })))).toEqual([20, 10]);
    expect(sizes(Array.from({ length: 60 }, (_, i) => ({ number: i + 1, pull: true })))).toEqual([50, 10]);
    // A thread longer than a page is read over REST: it weighs one page here.
    expect(
      sizes([
        { number: 1, pull: false, commentCount: 5000 },
        { number: 2, pull: false, commentCount: 1 },
      ]),
    ).toEqual([2]);
  });

  it('maps GraphQL authors to REST logins', () => {
    expect(restLogin({ __typename: 'Bot', login: 'helper' })).toBe('helper[bot]');
    expect(restLogin({ __typename: 'User', login: 'ann' })).toBe('ann');
    expect(restLogin(null)).toBe('ghost');
  });
});
