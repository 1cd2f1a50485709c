/**
 * The GraphQL subset of the GitHub emulator: a repository's issues and pull
 * requests with their comments and reviews, `rateLimit`, what `gh pr create`
 * and `gh pr list` ask (repository info, pull requests by head branch, the
 * `createPullRequest` mutation), executed by
 * graphql-js against a schema shaped like GitHub's. Before a query runs it is
 * checked and priced the way GitHub documents it: every connection needs
 * `first` or `last` within 1..100, at most 500,000 nodes, and the point cost
 * is the number of requests needed to fulfil each connection (parents'
 * `first`/`last` multiplied out, every fragment branch counted) divided by 100,
 * rounded, at least 1.
 */
import {
  buildSchema,
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  validate,
  valueFromAST,
} from 'graphql';
import { isoSeconds } from './_http.js';

const SDL = /* GraphQL */ `
  type Query {
    repository(owner: String!, name: String!): Repository
    rateLimit(dryRun: Boolean = false): RateLimit
  }
  type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: String! used: Int! }
  type Mutation {
    createPullRequest(input: CreatePullRequestInput!): CreatePullRequestPayload
  }
  input CreatePullRequestInput {
    repositoryId: ID!
    baseRefName: String!
    headRefName: String!
    title: String!
    body: String
    draft: Boolean
    maintainerCanModify: Boolean
    clientMutationId: String
  }
  type CreatePullRequestPayload { clientMutationId: String pullRequest: PullRequest }
  enum RepositoryPermission { ADMIN MAINTAIN WRITE TRIAGE READ }
  enum PullRequestState { OPEN CLOSED MERGED }
  enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
  enum OrderDirection { ASC DESC }
  input IssueOrder { field: IssueOrderField! direction: OrderDirection! }
  interface RepositoryOwner { id: ID! login: String! }
  type Ref { name: String! }
  type PullRequestConnection { totalCount: Int! nodes: [PullRequest] pageInfo: PageInfo! }
  type Repository {
    id: ID!
    name: String!
    nameWithOwner: String!
    owner: RepositoryOwner!
    description: String
    hasIssuesEnabled: Boolean!
    hasWikiEnabled: Boolean!
    viewerPermission: RepositoryPermission
    defaultBranchRef: Ref
    parent: Repository
    mergeCommitAllowed: Boolean!
    rebaseMergeAllowed: Boolean!
    squashMergeAllowed: Boolean!
    pullRequests(
      first: Int
      last: Int
      after: String
      before: String
      states: [PullRequestState!]
      headRefName: String
      baseRefName: String
      orderBy: IssueOrder
    ): PullRequestConnection!
    issues(first: Int, last: Int, after: String, before: String): IssueConnection!
    issue(number: Int!): Issue
    pullRequest(number: Int!): PullRequest
    issueOrPullRequest(number: Int!): IssueOrPullRequest
  }
  union IssueOrPullRequest = Issue | PullRequest
  interface Actor { login: String! }
  type User implements Actor & RepositoryOwner { id: ID! login: String! name: String }
  type Bot implements Actor { login: String! }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
  type Issue {
    number: Int!
    title: String!
    body: String!
    url: String!
    author: Actor
    comments(first: Int, last: Int, after: String, before: String): IssueCommentConnection!
  }
  type PullRequest {
    number: Int!
    title: String!
    body: String!
    url: String!
    author: Actor
    id: ID!
    state: PullRequestState!
    isDraft: Boolean!
    isCrossRepository: Boolean!
    headRepositoryOwner: RepositoryOwner
    baseRefName: String!
    headRefName: String!
    headRefOid: String!
    comments(first: Int, last: Int, after: String, before: String): IssueCommentConnection!
    reviews(first: Int, last: Int, after: String, before: String): PullRequestReviewConnection
  }
  type IssueConnection { totalCount: Int! nodes: [Issue] pageInfo: PageInfo! }
  type IssueComment { id: ID! databaseId: Int! body: String! createdAt: String! updatedAt: String! author: Actor }
  type IssueCommentConnection { totalCount: Int! nodes: [IssueComment] pageInfo: PageInfo! }
  type Commit { oid: String! }
  enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
  type PullRequestReview { id: ID! databaseId: Int! body: String! state: PullRequestReviewState! submittedAt: String commit: Commit author: Actor }
  type PullRequestReviewConnection { totalCount: Int! nodes: [PullRequestReview] pageInfo: PageInfo! }
`;

/** The emulator's records as the GraphQL layer reads them. */
export interface GqlComment {
  readonly id: number;
  readonly user: string;
  readonly body: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}
export interface GqlReview {
  readonly id: number;
  readonly user: string;
  readonly state: string;
  readonly body: string;
  readonly commitId: string;
  readonly submittedAt: number;
}
export interface GqlIssue {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly user: string;
  readonly comments: readonly GqlComment[];
  readonly state?: 'open' | 'closed';
  readonly pull?: {
    readonly headRef: string;
    readonly headSha: string;
    readonly baseRef?: string;
    /** `owner/name` of a fork's head; null when the fork was deleted. */
    readonly headRepo?: string | null;
    readonly draft?: boolean;
    readonly merged?: boolean;
    readonly reviews: readonly GqlReview[];
  };
}

/** What `createPullRequest` asks of the emulator. */
export interface GqlNewPull {
  readonly title: string;
  readonly body?: string | null;
  readonly headRefName: string;
  readonly baseRefName: string;
  readonly draft?: boolean | null;
}
export interface GqlWorld {
  /** The repository's issues by number, undefined when there is no such repository. */
  issues(owner: string, name: string): ReadonlyMap<number, GqlIssue> | undefined;
  /** The user's type as the REST API reports it. */
  userType(login: string): 'User' | 'Bot';
  /** The HTML URL of an issue or pull request. */
  htmlUrl(owner: string, name: string, issue: GqlIssue): string;
  /** The repository's default branch. */
  defaultBranch?(owner: string, name: string): string;
  /** Opens a pull request by the viewer (`createPullRequest`); returns it. */
  createPull?(owner: string, name: string, input: GqlNewPull, viewer: string): GqlIssue;
}

export interface GqlPrice {
  /** Requests needed to fulfil every connection. */
  readonly requests: number;
  readonly nodes: number;
  /** Points charged: requests / 100, rounded, at least 1. */
  readonly cost: number;
}

export interface GqlRateState {
  readonly limit: number;
  readonly used: number;
  readonly resetAt: number; // epoch seconds
}

/** A GitHub-shaped error (`type` beside `message`). */
export interface GqlError {
  readonly type?: string;
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
}

const MAX_NODES = 500_000;

export class GraphqlEndpoint {
  readonly schema: GraphQLSchema = buildSchema(SDL);

  constructor(private readonly world: GqlWorld) {}

  /**
   * Parses, validates and prices a query. Errors here are answered before
   * anything runs (and cost nothing), as on GitHub.
   */
  prepare(query: unknown, variables: unknown): { document: DocumentNode; price: GqlPrice; variables: Record<string, unknown> } | { errors: GqlError[] } {
    if (typeof query !== 'string' || query.trim() === '') return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
    const vars = variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : {};
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      return { errors: [{ message: (err as Error).message }] };
    }
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) return { errors: invalid.map((e) => ({ message: e.message })) };
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (ops.length !== 1 || ops[0]!.operation === 'subscription') return { errors: [{ message: 'Send exactly one query or mutation operation.' }] };
    try {
      const price = priceOf(this.schema, document, ops[0]!, vars);
      return { document, price, variables: vars };
    } catch (err) {
      if (err instanceof PriceError) return { errors: [{ type: err.type, message: err.message }] };
      throw err;
    }
  }

  /** Runs a prepared query; `rate` is what `rateLimit` reports (after this query's charge). */
  run(
    document: DocumentNode,
    variables: Record<string, unknown>,
    price: GqlPrice,
    rate: GqlRateState,
    viewer = 'kelos-bot',
  ): { data: unknown; errors?: GqlError[] } {
    const root = {
      repository: ({ owner, name }: { owner: string; name: string }) => this.repository(owner, name),
      createPullRequest: ({ input }: { input: GqlNewPull & { repositoryId: string } }) => {
        const [owner, name] = Buffer.from(input.repositoryId.replace(/^R_/, ''), 'base64url').toString('utf8').split('/');
        if (!owner || !name || !this.world.issues(owner, name)) throw notFound(`Could not resolve to a node with the global id of '${input.repositoryId}'`);
        if (!this.world.createPull) throw new GraphQLError('createPullRequest is not served here');
        const created = this.world.createPull(owner, name, input, viewer);
        return { clientMutationId: null, pullRequest: this.repository(owner, name).pullRequest({ number: created.number }) };
      },
      rateLimit: () => ({
        cost: price.cost,
        limit: rate.limit,
        nodeCount: price.nodes,
        remaining: Math.max(0, rate.limit - rate.used),
        used: rate.used,
        resetAt: new Date(rate.resetAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }),
    };
    const result = execute({ schema: this.schema, document, rootValue: root, variableValues: variables }) as {
      data?: unknown;
      errors?: readonly GraphQLError[];
    };
    const errors = result.errors?.map((e) => ({
      ...(typeof e.extensions?.type === 'string' ? { type: e.extensions.type } : {}),
      message: e.message,
      ...(e.path ? { path: e.path } : {}),
    }));
    return errors?.length ? { data: result.data ?? null, errors } : { data: result.data ?? null };
  }

  private repository(owner: string, name: string) {
    const issues = this.world.issues(owner, name);
    if (!issues) throw notFound(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
    const world = this.world;
    const actor = (login: string) => ({ __typename: world.userType(login), login: world.userType(login) === 'Bot' ? login.replace(/\[bot\]$/, '') : login });
    const comment = (c: GqlComment) => ({
      id: `IC_${c.id}`,
      databaseId: c.id,
      body: c.body,
      createdAt: isoSeconds(c.createdAt),
      updatedAt: isoSeconds(c.updatedAt),
      author: actor(c.user),
    });
    const review = (r: GqlReview) => ({
      id: `PRR_${r.id}`,
      databaseId: r.id,
      body: r.body,
      state: r.state,
      submittedAt: r.state === 'PENDING' ? null : isoSeconds(r.submittedAt),
      commit: { oid: r.commitId },
      author: actor(r.user),
    });
    const view = (i: GqlIssue) => {
      const base = {
        number: i.number,
        title: i.title,
        body: i.body ?? '',
        url: world.htmlUrl(owner, name, i),
        author: actor(i.user),
        comments: (args: PageArgs) => connection(i.comments, args, comment),
      };
      if (!i.pull) return { __typename: 'Issue', ...base };
      const pull = i.pull;
      const headOwner = pull.headRepo === undefined ? owner : (pull.headRepo?.split('/')[0] ?? null);
      const reviews = [...pull.reviews].sort((a, b) => a.submittedAt - b.submittedAt || a.id - b.id);
      return {
        __typename: 'PullRequest',
        ...base,
        id: `PR_${Buffer.from(`${owner}/${name}#${i.number}`).toString('base64url')}`,
        state: pullState(i),
        isDraft: pull.draft ?? false,
        isCrossRepository: pull.headRepo !== undefined && pull.headRepo?.toLowerCase() !== `${owner}/${name}`.toLowerCase(),
        headRepositoryOwner: headOwner === null ? null : { __typename: 'User', id: `U_${headOwner}`, login: headOwner, name: null },
        baseRefName: pull.baseRef ?? defaultBranch,
        headRefName: pull.headRef,
        headRefOid: pull.headSha,
        reviews: (args: PageArgs) => connection(reviews, args, review),
      };
    };
    const defaultBranch = world.defaultBranch?.(owner, name) ?? 'main';
    return {
      id: `R_${Buffer.from(`${owner}/${name}`).toString('base64url')}`,
      name,
      nameWithOwner: `${owner}/${name}`,
      owner: { __typename: 'User', id: `U_${owner}`, login: owner, name: null },
      description: null,
      hasIssuesEnabled: true,
      hasWikiEnabled: false,
      viewerPermission: 'WRITE',
      defaultBranchRef: { name: defaultBranch },
      parent: null,
      mergeCommitAllowed: true,
      rebaseMergeAllowed: true,
      squashMergeAllowed: true,
      pullRequests: (args: PageArgs & PullFilter) => {
        const pulls = [...issues.values()]
          .filter((i) => i.pull && (!args.states?.length || args.states.includes(pullState(i))))
          .filter(
            (i) =>
              (args.headRefName == null || i.pull!.headRef === args.headRefName) &&
              (args.baseRefName == null || (i.pull!.baseRef ?? defaultBranch) === args.baseRefName),
          )
          .sort((a, b) => (args.orderBy?.direction === 'DESC' ? b.number - a.number : a.number - b.number));
        return connection(pulls, args, view);
      },
      issues: (args: PageArgs) =>
        connection(
          [...issues.values()].filter((i) => !i.pull).sort((a, b) => a.number - b.number),
          args,
          view,
        ),
      issue: ({ number }: { number: number }) => {
        const i = issues.get(number);
        if (!i || i.pull) throw notFound(`Could not resolve to an Issue with the number of ${number}.`);
        return view(i);
      },
      pullRequest: ({ number }: { number: number }) => {
        const i = issues.get(number);
        if (!i?.pull) throw notFound(`Could not resolve to a PullRequest with the number of ${number}.`);
        return view(i);
      },
      issueOrPullRequest: ({ number }: { number: number }) => {
        const i = issues.get(number);
        if (!i) throw notFound(`Could not resolve to an issue or pull request with the number of ${number}.`);
        return view(i);
      },
    };
  }
}

interface PullFilter {
  states?: string[] | null;
  headRefName?: string | null;
  baseRefName?: string | null;
  orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null;
}

function pullState(i: GqlIssue): 'OPEN' | 'CLOSED' | 'MERGED' {
  if (i.pull?.merged) return 'MERGED';
  return i.state === 'closed' ? 'CLOSED' : 'OPEN';
}

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

const cursor = (i: number) => Buffer.from(`cursor:v2:${i}`).toString('base64');
const fromCursor = (c: string | null | undefined): number | undefined => {
  if (!c) return undefined;
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(c, 'base64').toString('utf8'));
  if (!m) throw new GraphQLError(`\`${c}\` does not appear to be a valid cursor.`, { extensions: { type: 'INVALID_CURSOR_ARGUMENTS' } });
  return Number(m[1]);
};

/** A page of a list in cursor order, like GitHub's connections. */
function connection<T, U>(all: readonly T[], args: PageArgs, map: (t: T) => U) {
  let start = 0;
  let end = all.length;
  const after = fromCursor(args.after);
  const before = fromCursor(args.before);
  if (after !== undefined) start = Math.max(start, after + 1);
  if (before !== undefined) end = Math.min(end, before);
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  const nodes = all.slice(start, end).map(map);
  return {
    totalCount: all.length,
    nodes,
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? cursor(start) : null,
      endCursor: nodes.length ? cursor(end - 1) : null,
    },
  };
}

function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: 'NOT_FOUND' } });
}

class PriceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** GitHub's documented pre-execution price of a query (see the file comment). */
function priceOf(schema: GraphQLSchema, document: DocumentNode, op: OperationDefinitionNode, variables: Record<string, unknown>): GqlPrice {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((f) => [f.name.value, f]));
  let requests = 0;
  let nodes = 0;
  const walk = (set: SelectionSetNode | undefined, type: GraphQLCompositeType, mult: number): void => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === 'InlineFragment') {
        const t = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType) : type;
        walk(sel.selectionSet, t, mult);
        continue;
      }
      if (sel.kind === 'FragmentSpread') {
        const f = fragments.get(sel.name.value)!;
        walk(f.selectionSet, schema.getType(f.typeCondition.name.value) as GraphQLCompositeType, mult);
        continue;
      }
      if (sel.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      const field = type.getFields()[sel.name.value]!;
      const named = getNamedType(field.type);
      let childMult = mult;
      if (named.name.endsWith('Connection')) {
        const arg = (name: string): number | undefined => {
          const node = sel.arguments?.find((a) => a.name.value === name);
          const def = field.args.find((a) => a.name === name);
          const v = node && def ? valueFromAST(node.value, def.type, variables) : undefined;
          return typeof v === 'number' ? v : undefined;
        };
        const size = arg('first') ?? arg('last');
        if (size === undefined) {
          throw new PriceError(
            'MISSING_PAGINATION_BOUNDARIES',
            `You must provide a \`first\` or \`last\` value to properly paginate the \`${sel.name.value}\` connection.`,
          );
        }
        if (size < 1 || size > 100) {
          throw new PriceError(
            'EXCESSIVE_PAGINATION',
            `Requesting ${size} records on the \`${sel.name.value}\` connection exceeds the \`${arg('first') !== undefined ? 'first' : 'last'}\` limit of 100 records.`,
          );
        }
        requests += mult;
        nodes += mult * size;
        childMult = mult * size;
      }
      if (isObjectType(named) || isInterfaceType(named) || isUnionType(named)) walk(sel.selectionSet, named as GraphQLCompositeType, childMult);
    }
  };
  walk(op.selectionSet, op.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!, 1);
  if (nodes > MAX_NODES)
    throw new PriceError('MAX_NODE_LIMIT_EXCEEDED', `This query requests up to ${nodes} nodes, which exceeds the maximum limit of ${MAX_NODES}.`);
  return { requests, nodes, cost: Math.max(1, Math.round(requests / 100)) };
}
