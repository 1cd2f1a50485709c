import { rateLimitWait } from './_rate-limits.js';
import { githubGraphqlUrl } from './api-base-url.js';
import type { GitHubClient, GitHubRequestError } from './client.js';
import type { IssueComment, PullReview } from './repo-api.js';
import type { RepoRef } from './repo-url.js';

/** What to read of each thread. */
export interface ThreadNeeds {
  readonly comments: boolean;
  /** Reviews (pull requests only). */
  readonly reviews: boolean;
}

/** One item to read: its number, whether it is a pull request, and its comment count when known (REST's `comments`). */
export interface ThreadRef {
  readonly number: number;
  readonly pull: boolean;
  readonly commentCount?: number;
}

/** A whole thread as REST would list it: every comment, every review, oldest first. */
export interface Thread {
  readonly comments?: IssueComment[];
  readonly reviews?: PullReview[];
}

/** A GraphQL read that failed for a reason other than the rate limit: the caller reads over REST instead. */
export class GraphqlUnavailableError extends Error {}

/** GraphQL's connection limit: a thread longer than this is read over REST. */
const PAGE = 100;
/** Items per query: one query costs about one point per 100 connections. */
const MAX_ITEMS = 100;
/** Comments per query, by the REST counts, to keep an answer to a few MB. */
const MAX_COMMENTS = 2_000;
/** What a thread of unknown size (the pulls list carries no comment count) counts for: 50 a query. */
const UNSIZED = 40;

const COMMENTS = `comments(first:${PAGE}){totalCount nodes{body createdAt author{__typename login}}}`;
const REVIEWS = `reviews(first:${PAGE}){totalCount nodes{state submittedAt commit{oid} author{__typename login}}}`;

interface GqlActor {
  __typename?: string;
  login?: string;
}
interface GqlConnection<T> {
  totalCount: number;
  nodes: Array<T | null> | null;
}
interface GqlThread {
  comments?: GqlConnection<{ body?: string | null; createdAt: string; author: GqlActor | null }>;
  reviews?: GqlConnection<{ state: string; submittedAt: string | null; commit: { oid: string } | null; author: GqlActor | null }>;
}

/**
 * The REST login of a GraphQL author: Apps are `name[bot]` in REST and
 * `name` in GraphQL; a deleted account is REST's `ghost`.
 */
export function restLogin(author: GqlActor | null | undefined): string {
  if (!author?.login) return 'ghost';
  return author.__typename === 'Bot' && !author.login.endsWith('[bot]') ? `${author.login}[bot]` : author.login;
}

/** The REST `user.type` of a GraphQL author (`Bot`, `User`, `Organization`, `Mannequin`); a deleted account is REST's `User` ghost. */
export function restType(author: GqlActor | null | undefined): string {
  return author?.login && author.__typename ? author.__typename : 'User';
}

/** Splits refs into query-sized batches, in order. */
export function batches(refs: readonly ThreadRef[]): ThreadRef[][] {
  const out: ThreadRef[][] = [];
  let batch: ThreadRef[] = [];
  let comments = 0;
  for (const ref of refs) {
    const size = Math.min(ref.commentCount ?? UNSIZED, PAGE);
    if (batch.length > 0 && (batch.length >= MAX_ITEMS || comments + size > MAX_COMMENTS)) {
      out.push(batch);
      batch = [];
      comments = 0;
    }
    batch.push(ref);
    comments += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** The GraphQL query reading `refs`' threads; numbers are checked integers, the repository goes in variables. */
export function threadsQuery(refs: readonly ThreadRef[], needs: ThreadNeeds): string {
  const fields = (pull: boolean) => [needs.comments ? COMMENTS : '', pull && needs.reviews ? REVIEWS : ''].filter(Boolean).join(' ');
  const parts = refs.map((r) => {
    if (!Number.isSafeInteger(r.number) || r.number <= 0) throw new Error(`not an issue number: ${String(r.number)}`);
    return `n${r.number}:${r.pull ? 'pullRequest' : 'issue'}(number:${r.number}){${fields(r.pull)}}`;
  });
  return `query($owner:String!,$name:String!){repository(owner:$owner,name:$name){${parts.join(' ')}}}`;
}

/**
 * Reads the comments (and, for pull requests, the reviews) of many items with
 * one GraphQL query per batch of up to 100: about one point of the GraphQL
 * budget per batch, where REST spends one request per item. Items GraphQL
 * could not give whole (more than 100 comments or reviews, or not resolved)
 * are left out of the answer for the caller to read over REST. Throws
 * `GraphqlUnavailableError` when the endpoint fails for a reason other than
 * the rate limit, which the client has already waited for.
 */
export async function readThreads(client: GitHubClient, repo: RepoRef, refs: readonly ThreadRef[], needs: ThreadNeeds): Promise<Map<number, Thread>> {
  const out = new Map<number, Thread>();
  const url = githubGraphqlUrl(client.baseUrl);
  for (const batch of batches(refs.filter((r) => needs.comments || (r.pull && needs.reviews)))) {
    const body = JSON.stringify({ query: threadsQuery(batch, needs), variables: { owner: repo.owner, name: repo.repo } });
    let data: { data?: { repository?: Record<string, GqlThread | null> | null } | null; errors?: Array<{ type?: string; message?: string }> };
    try {
      const res = await client.request({ method: 'POST', url, data: body, headers: { 'content-type': 'application/json; charset=utf-8' } });
      data = res.data as typeof data;
    } catch (err) {
      // Rate limits the client gave up on fail the cycle like any REST request.
      const e = err as GitHubRequestError;
      if (e.status !== undefined && e.response && rateLimitWait(e.status, e.response.headers, e.response.data, 0)) throw err;
      throw new GraphqlUnavailableError(`GitHub GraphQL failed: ${e.message}`, { cause: err });
    }
    const repository = data?.data?.repository;
    if (!repository) {
      const why = data?.errors?.map((e) => e.message).join('; ') || 'no data';
      throw new GraphqlUnavailableError(`GitHub GraphQL answered without the repository: ${why}`);
    }
    for (const ref of batch) {
      const t = repository[`n${ref.number}`];
      if (!t) continue;
      const thread = toThread(t, ref, needs);
      if (thread) out.set(ref.number, thread);
    }
  }
  return out;
}

function toThread(t: GqlThread, ref: ThreadRef, needs: ThreadNeeds): Thread | undefined {
  let comments: IssueComment[] | undefined;
  let reviews: PullReview[] | undefined;
  if (needs.comments) {
    const nodes = whole(t.comments);
    if (!nodes) return undefined;
    comments = nodes.map((c) => ({ author: restLogin(c.author), authorType: restType(c.author), body: c.body ?? '', createdAt: c.createdAt }));
  }
  if (ref.pull && needs.reviews) {
    const nodes = whole(t.reviews);
    if (!nodes) return undefined;
    reviews = nodes.map((r) => ({ user: restLogin(r.author), state: r.state, commitId: r.commit?.oid ?? '', submittedAt: r.submittedAt ?? '' }));
  }
  return { ...(comments ? { comments } : {}), ...(reviews ? { reviews } : {}) };
}

/** The nodes of a connection when they are all of it. */
function whole<T>(c: GqlConnection<T> | undefined): T[] | undefined {
  if (!c || !Array.isArray(c.nodes)) return undefined;
  const nodes = c.nodes.filter((n): n is T => n !== null);
  return nodes.length === c.totalCount ? nodes : undefined;
}
