import type { Cron, Duration } from 'cdk8s';
import type { Construct } from 'constructs';
import { cronScheduleProblem } from '../lib/api/cron-schedule.js';
import { type CommentPolicy, ISSUE_TYPES, ITEM_STATES, PERMISSIONS, REVIEW_STATES, type SourceName, type When as WhenSpec } from '../lib/api/task-spawner.js';
import { parseRepo, RepoUrlError } from '../lib/github/repo-url.js';
import { checkProps, type KnownProps } from './_props.js';
import { checkFilePatterns, checkReporting, checkWebhookSource } from './_source-checks.js';
import { checkOneOf, goDuration, PropError, show } from './_util.js';
import type { SecretRef } from './credentials.js';
import type { FilePatternsProps, GenericWebhookProps, GitHubWebhookProps, LinearWebhookProps, ReportingProps, SlackProps } from './source-props.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const GITHUB_COMMON = {
  repo: true,
  excludeLabels: true,
  state: true,
  author: true,
  excludeAuthors: true,
  commentPolicy: true,
  triggerComment: true,
  excludeComments: true,
  priorityLabels: true,
  pollInterval: true,
} as const;
const GITHUB_ISSUES_PROPS: KnownProps<GitHubIssuesProps> = { ...GITHUB_COMMON, types: true, labels: true, assignee: true, reporting: true };
const GITHUB_PULL_REQUESTS_PROPS: KnownProps<GitHubPullRequestsProps> = {
  ...GITHUB_COMMON,
  labels: true,
  reviewState: true,
  draft: true,
  filePatterns: true,
  reporting: true,
};
const JIRA_PROPS: KnownProps<JiraProps> = { baseUrl: true, project: true, jql: true, secret: true, pollInterval: true };

const WHEN_PROPS: Record<SourceName, KnownProps<any>> = {
  githubIssues: GITHUB_ISSUES_PROPS,
  githubPullRequests: GITHUB_PULL_REQUESTS_PROPS,
  jira: JIRA_PROPS,
  cron: { schedule: true },
  githubWebhook: { events: true, repository: true, excludeAuthors: true, filters: true, reporting: true } satisfies KnownProps<GitHubWebhookProps>,
  linearWebhook: { types: true, filters: true } satisfies KnownProps<LinearWebhookProps>,
  webhook: { source: true, fieldMapping: true, filters: true } satisfies KnownProps<GenericWebhookProps>,
  slack: { channels: true, botMessagePolicy: true, triggers: true, excludePatterns: true } satisfies KnownProps<SlackProps>,
};

interface GitHubCommonProps {
  /** Repository to poll, `owner/repo` or a URL. @default - the workspace repository */
  readonly repo?: string;
  /** Skip items with any of these labels. @default - none */
  readonly excludeLabels?: readonly string[];
  /** Item state. @default "open" */
  readonly state?: (typeof ITEM_STATES)[number];
  /** Only items by this author. @default - any author */
  readonly author?: string;
  /** Skip items by these authors. @default - none */
  readonly excludeAuthors?: readonly string[];
  /**
   * Comment commands and who may give them. A `triggerComment` with no
   * `allowedUsers`, `allowedTeams` or `minimumPermission` requires `write`
   * (Kelos v0.19 lets anyone trigger then). Trigger commands by bots and by
   * the spawner's own GitHub identity never count.
   * @default - no comment control
   */
  readonly commentPolicy?: CommentPolicy;
  /** Legacy trigger command (use commentPolicy); requires `write`, as above. @default - none */
  readonly triggerComment?: string;
  /** Legacy exclude commands (use commentPolicy). @default - none */
  readonly excludeComments?: readonly string[];
  /** Labels that order items, highest priority first. @default - discovery order */
  readonly priorityLabels?: readonly string[];
  /** How often to poll this source. @default - the spawner's pollInterval (5 minutes) */
  readonly pollInterval?: Duration;
}

export interface GitHubIssuesProps extends GitHubCommonProps {
  /** Item types: issues, pull requests or both. @default ["issues"] */
  readonly types?: ReadonlyArray<(typeof ISSUE_TYPES)[number]>;
  /** Labels an issue must carry (server-side). @default - any */
  readonly labels?: readonly string[];
  /** Assignee: a username, "*" for any, "none" for unassigned. @default - no filter */
  readonly assignee?: string;
  /** Status comments on the issue (`checks` is for pull request sources only). @default - no reporting */
  readonly reporting?: ReportingProps;
}

export interface GitHubPullRequestsProps extends GitHubCommonProps {
  /** Labels a pull request must all carry. @default - any */
  readonly labels?: readonly string[];
  /** Review state on the head commit. @default "any" */
  readonly reviewState?: (typeof REVIEW_STATES)[number];
  /** Only drafts (true) or only ready pull requests (false). @default - both */
  readonly draft?: boolean;
  /** Only pull requests that change matching files. @default - no file filter */
  readonly filePatterns?: FilePatternsProps;
  /** Status comments on the pull request, and optionally a Check Run on its head. @default - no reporting */
  readonly reporting?: ReportingProps;
}

export interface JiraProps {
  /** Jira instance URL. */
  readonly baseUrl: string;
  /** Project key. */
  readonly project: string;
  /** Extra JQL, combined as `project = P AND (jql)`. @default - all issues of the project */
  readonly jql?: string;
  /** Secret with JIRA_TOKEN and optionally JIRA_USER. */
  readonly secret: SecretRef;
  /** How often to poll. @default - the spawner's pollInterval (5 minutes) */
  readonly pollInterval?: Duration;
}

/** What triggers a Spawner: exactly one source. */
export class When {
  /** GitHub issues (and optionally pull requests) of a repository. */
  public static githubIssues(props: GitHubIssuesProps = {}): When {
    return new When('githubIssues', props);
  }

  /** GitHub pull requests of a repository. */
  public static githubPullRequests(props: GitHubPullRequestsProps = {}): When {
    return new When('githubPullRequests', props);
  }

  /** A cron schedule in UTC: 5 fields, or a macro a CronJob accepts (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`). */
  public static cron(schedule: Cron | string): When {
    return new When('cron', { schedule: typeof schedule === 'string' ? schedule : schedule.expressionString });
  }

  /** Issues of a Jira project. */
  public static jira(props: JiraProps): When {
    return new When('jira', props);
  }

  /** GitHub webhook deliveries (issues, comments, pull requests, reviews, pushes, …), as they happen. */
  public static githubWebhook(props: GitHubWebhookProps): When {
    return new When('githubWebhook', props);
  }

  /** Linear webhook deliveries (issues, comments, …), as they happen. */
  public static linearWebhook(props: LinearWebhookProps): When {
    return new When('linearWebhook', props);
  }

  /** JSON deliveries of any other sender (Sentry, CI, alerting, …), mapped to template variables. */
  public static webhook(props: GenericWebhookProps): When {
    return new When('webhook', props);
  }

  /** Slack messages that mention the bot or match a trigger. */
  public static slack(props: SlackProps = {}): When {
    return new When('slack', props);
  }

  private constructor(
    public readonly source: SourceName,
    private readonly props: Record<string, any>,
  ) {}

  /** Secrets the source itself needs (the Jira token). */
  public get secretNames(): string[] {
    return this.source === 'jira' ? [(this.props as JiraProps).secret.name] : [];
  }

  /** @internal Validates the props, reporting errors on the Spawner. */
  public _check(scope: Construct): void {
    const p = this.props;
    const prop = (name: string) => `when.${this.source}.${name}`;
    checkProps(scope, `When.${this.source}`, p, WHEN_PROPS[this.source], `when.${this.source}.`);
    if (this.source === 'cron') {
      const problem = cronScheduleProblem(p.schedule);
      if (problem) {
        throw new PropError(scope, prop('schedule'), `must be a cron schedule (5 fields, or a macro such as "@daily"), got ${show(p.schedule)}: ${problem}`);
      }
      return;
    }
    if (this.source === 'jira') {
      if (!/^https?:\/\/.+/.test(p.baseUrl)) throw new PropError(scope, prop('baseUrl'), `must start with http:// or https://, got ${show(p.baseUrl)}`);
      if (!p.project) throw new PropError(scope, prop('project'), 'must not be empty');
      return;
    }
    if (checkWebhookSource(scope, this.source, p)) return;
    checkReporting(scope, this.source, p.reporting);
    checkFilePatterns(scope, prop('filePatterns'), p.filePatterns);
    checkOneOf(scope, prop('state'), p.state, ITEM_STATES);
    for (const t of p.types ?? []) checkOneOf(scope, prop('types'), t, ISSUE_TYPES);
    if (p.types && p.types.length === 0) throw new PropError(scope, prop('types'), 'must not be empty when set');
    checkOneOf(scope, prop('reviewState'), p.reviewState, REVIEW_STATES);
    const policy: CommentPolicy | undefined = p.commentPolicy;
    if (policy && (p.triggerComment || p.excludeComments?.length)) {
      throw new PropError(scope, prop('commentPolicy'), 'cannot be used with triggerComment or excludeComments');
    }
    if (policy) {
      checkOneOf(scope, prop('commentPolicy.minimumPermission'), policy.minimumPermission, PERMISSIONS);
      for (const t of policy.allowedTeams ?? []) {
        if (!/^[^/]+\/[^/]+$/.test(t)) throw new PropError(scope, prop('commentPolicy.allowedTeams'), `must be "org/team-slug", got ${show(t)}`);
      }
    }
    if (p.repo !== undefined) {
      try {
        parseRepo(p.repo);
      } catch (err) {
        if (!(err instanceof RepoUrlError)) throw err;
        throw new PropError(scope, prop('repo'), `must be "owner/repo" or a repository URL, got ${err.input}: ${err.reason}`);
      }
    }
  }

  /** @internal */
  public _toKube(): WhenSpec {
    const p = { ...this.props };
    if (p.pollInterval) p.pollInterval = goDuration(p.pollInterval);
    if (this.source === 'jira') {
      const { secret, ...rest } = p as JiraProps & Record<string, unknown>;
      return { jira: { ...(rest as any), secretRef: { name: secret.name } } };
    }
    return { [this.source]: structuredClone(p) } as WhenSpec;
  }
}
