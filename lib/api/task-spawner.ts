import { type Static, Type } from '@sinclair/typebox';
import { cel, DateTime, Int32, NameRef, StringEnum, StringMap } from './_schema.js';
import { Kind } from './constants.js';
import type { KindDefinition } from './kind.js';
import { type Condition, ConditionsSchema, type ObjectMeta } from './shared.js';
import { SOURCES, WORKSPACE_SOURCES } from './spawner-sources.js';
import { AGENT_CONFIG_REFS_EXCLUSIVE, taskCommonFields } from './task.js';

export * from './spawner-sources.js';

export const ITEM_STATES = ['open', 'closed', 'all'] as const;
export const ISSUE_TYPES = ['issues', 'pulls'] as const;
export const REVIEW_STATES = ['approved', 'changes_requested', 'any'] as const;
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const DEFAULT_POLL_INTERVAL = '5m';
export const DEFAULT_PROMPT_TEMPLATE = '{{.Title}}';

const pollInterval = () => Type.Optional(Type.String({ description: 'PollInterval overrides spec.pollInterval for this source (e.g., "30s", "5m").' }));

const COMMENT_POLICY_EXCLUSIVE = {
  rule: '!(has(self.commentPolicy) && ((has(self.triggerComment) && size(self.triggerComment) > 0) || (has(self.excludeComments) && size(self.excludeComments) > 0)))',
  message: 'commentPolicy cannot be used with triggerComment or excludeComments',
};

export const CommentPolicySchema = Type.Object(
  {
    triggerComment: Type.Optional(Type.String({ description: 'TriggerComment requires a matching command for the item to be included.' })),
    excludeComments: Type.Optional(
      Type.Array(Type.String(), {
        description: 'ExcludeComments blocks items whose most recent matching command is an exclude command.',
      }),
    ),
    allowedUsers: Type.Optional(Type.Array(Type.String(), { description: 'AllowedUsers restricts comment control to these GitHub usernames.' })),
    allowedTeams: Type.Optional(
      Type.Array(Type.String({ pattern: '^[^/]+/[^/]+$' }), {
        description: 'AllowedTeams restricts comment control to active members of these teams (org/team-slug).',
      }),
    ),
    minimumPermission: Type.Optional(
      StringEnum(PERMISSIONS, {
        description: 'MinimumPermission restricts comment control to users with at least this repository permission.',
      }),
    ),
  },
  { description: 'CommentPolicy configures comment-based workflow control and authorization.' },
);
export type CommentPolicy = Static<typeof CommentPolicySchema>;

export const CHECK_RUN_NAME_MAX_LENGTH = 100;

export const ReportingSchema = (description: string) =>
  Type.Object(
    {
      enabled: Type.Optional(
        Type.Boolean({ description: 'Enabled posts a status comment (started, succeeded, failed) on the originating issue or pull request.' }),
      ),
      checks: Type.Optional(
        Type.Object(
          {
            name: Type.Optional(
              Type.String({
                maxLength: CHECK_RUN_NAME_MAX_LENGTH,
                description:
                  'Name of the Check Run, as branch protection rules name it. Defaults to "Kelos: <taskspawner-name>" (renaming the TaskSpawner renames it).',
              }),
            ),
          },
          {
            description:
              'Checks creates a GitHub Check Run on the pull request head for each Task spawned from a pull request; unset creates none. Needs a token with checks:write.',
          },
        ),
      ),
    },
    { description },
  );
export type Reporting = Static<ReturnType<typeof ReportingSchema>>;

export const FilePatternsSchema = (description: string) =>
  Type.Object(
    {
      include: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Include: at least one changed file left after exclude must match one of these globs. Empty: any file left passes.',
        }),
      ),
      exclude: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Exclude: changed files matching one of these globs are dropped first; an item left with no file is rejected.',
        }),
      ),
    },
    { description },
  );
export type FilePatterns = Static<ReturnType<typeof FilePatternsSchema>>;

const PR_FILE_PATTERNS_DESCRIPTION =
  'FilePatterns filters pull requests by their changed files (doublestar globs such as "**/*.go", "docs/**"). Unset: no file filter.';

const NO_CHECKS_FOR_ISSUES = {
  rule: '!has(self.reporting) || !has(self.reporting.checks)',
  message: 'checks reporting is not supported for githubIssues source',
};

/** Fields GitHub issue and pull request sources share. */
const githubCommon = {
  repo: Type.Optional(
    Type.String({
      description: 'Repo overrides the repository to poll ("owner/repo" or a URL). Defaults to the workspace repository.',
    }),
  ),
  excludeLabels: Type.Optional(Type.Array(Type.String(), { description: 'ExcludeLabels filters out items with any of these labels (client-side).' })),
  state: Type.Optional(StringEnum(ITEM_STATES, { default: 'open', description: 'State filters items by state (open, closed, all).' })),
  author: Type.Optional(Type.String({ description: 'Author filters items by the username of their author.' })),
  excludeAuthors: Type.Optional(Type.Array(Type.String(), { description: 'ExcludeAuthors filters out items by these authors (client-side).' })),
  commentPolicy: Type.Optional(CommentPolicySchema),
  triggerComment: Type.Optional(Type.String({ description: 'TriggerComment requires a matching comment. Deprecated: use commentPolicy.triggerComment.' })),
  excludeComments: Type.Optional(
    Type.Array(Type.String(), {
      description: 'ExcludeComments excludes items whose most recent command matches. Deprecated: use commentPolicy.excludeComments.',
    }),
  ),
  priorityLabels: Type.Optional(
    Type.Array(Type.String(), {
      description: 'PriorityLabels orders discovered items by the first matching label (index 0 first); unmatched items come last.',
    }),
  ),
  pollInterval: pollInterval(),
};

export const GitHubIssuesSchema = Type.Object(
  {
    ...githubCommon,
    types: Type.Optional(
      Type.Array(StringEnum(ISSUE_TYPES), {
        default: ['issues'],
        description: 'Types selects which item types to discover: issues, pulls, or both.',
      }),
    ),
    labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels filters issues by labels (server-side).' })),
    assignee: Type.Optional(Type.String({ description: 'Assignee filters issues by assignee; "*" any assignee, "none" unassigned.' })),
    reporting: Type.Optional(ReportingSchema('Reporting posts status back to the originating GitHub issue.')),
  },
  { description: 'GitHubIssues discovers issues from a GitHub repository.', ...cel(COMMENT_POLICY_EXCLUSIVE, NO_CHECKS_FOR_ISSUES) },
);
export type GitHubIssues = Static<typeof GitHubIssuesSchema>;

export const GitHubPullRequestsSchema = Type.Object(
  {
    ...githubCommon,
    labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels a pull request must all carry.' })),
    reviewState: Type.Optional(
      StringEnum(REVIEW_STATES, {
        default: 'any',
        description: 'ReviewState filters pull requests by the latest APPROVED or CHANGES_REQUESTED review per reviewer on the head SHA.',
      }),
    ),
    draft: Type.Optional(Type.Boolean({ description: 'Draft filters pull requests by draft state; unset includes both.' })),
    filePatterns: Type.Optional(FilePatternsSchema(PR_FILE_PATTERNS_DESCRIPTION)),
    reporting: Type.Optional(ReportingSchema('Reporting posts status back to the originating pull request, and optionally a Check Run.')),
  },
  { description: 'GitHubPullRequests discovers pull requests from a GitHub repository.', ...cel(COMMENT_POLICY_EXCLUSIVE) },
);
export type GitHubPullRequests = Static<typeof GitHubPullRequestsSchema>;

export const CronSchema = Type.Object(
  { schedule: Type.String({ description: 'Schedule is a 5-field cron expression (e.g., "0 9 * * 1"), in UTC.' }) },
  { description: 'Cron triggers task spawning on a cron schedule.' },
);
export type Cron = Static<typeof CronSchema>;

export const JiraSchema = Type.Object(
  {
    baseUrl: Type.String({ pattern: '^https?://.+', description: 'BaseURL is the Jira instance URL.' }),
    project: Type.String({ description: 'Project is the Jira project key (e.g., "PROJ").' }),
    jql: Type.Optional(Type.String({ description: 'JQL filters issues: the query becomes "project = <project> AND (<jql>)".' })),
    secretRef: NameRef('SecretRef references a Secret with JIRA_TOKEN and optionally JIRA_USER (Basic auth; else Bearer).'),
    pollInterval: pollInterval(),
  },
  { description: 'Jira discovers issues from a Jira project.' },
);
export type Jira = Static<typeof JiraSchema>;

/** GitHub event types whose deliveries concern a pull request (Check Runs need one). */
export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_target'] as const;

export const GITHUB_WEBHOOK_MAX_EVENTS = 20;
export const BODY_PATTERN_MAX_LENGTH = 1024;
export const MAX_EXCLUDE_BODY_PATTERNS = 10;
export const COMMENT_SUBJECTS = ['Issue', 'PullRequest'] as const;

export const GitHubWebhookFilterSchema = Type.Object(
  {
    event: Type.String({ description: 'Event is the GitHub event type this filter applies to.' }),
    action: Type.Optional(Type.String({ description: 'Action the delivery must carry (e.g. "opened", "created", "submitted").' })),
    labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels the issue or pull request must all carry.' })),
    excludeLabels: Type.Optional(Type.Array(Type.String(), { description: 'ExcludeLabels rejects issues or pull requests with any of these labels.' })),
    state: Type.Optional(Type.String({ description: 'State of the issue or pull request ("open", "closed").' })),
    branch: Type.Optional(Type.String({ description: 'Branch name (exact or glob) for push events and create events of a branch.' })),
    tag: Type.Optional(Type.String({ description: 'Tag name (exact or glob) for create events of a tag and release events.' })),
    draft: Type.Optional(Type.Boolean({ description: 'Draft filters pull requests by draft state; unset includes both.' })),
    author: Type.Optional(Type.String({ description: "Author is the username the delivery's sender must have." })),
    excludeAuthors: Type.Optional(Type.Array(Type.String(), { description: 'ExcludeAuthors rejects deliveries sent by these usernames.' })),
    bodyContains: Type.Optional(
      Type.String({
        maxLength: BODY_PATTERN_MAX_LENGTH,
        description: 'BodyContains: a case-sensitive substring of the comment or review body. Deprecated: use bodyPattern.',
      }),
    ),
    bodyPattern: Type.Optional(
      Type.String({
        maxLength: BODY_PATTERN_MAX_LENGTH,
        description: 'BodyPattern: an RE2 regular expression the comment or review body must match.',
      }),
    ),
    excludeBodyPatterns: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: BODY_PATTERN_MAX_LENGTH }), {
        maxItems: MAX_EXCLUDE_BODY_PATTERNS,
        description: 'ExcludeBodyPatterns rejects deliveries whose comment or review body matches any of these RE2 expressions.',
      }),
    ),
    commentOn: Type.Optional(
      StringEnum(COMMENT_SUBJECTS, {
        description: 'CommentOn limits issue_comment deliveries to comments on plain issues (Issue) or pull requests (PullRequest); unset matches both.',
      }),
    ),
    filePatterns: Type.Optional(
      FilePatternsSchema("FilePatterns filters deliveries by changed files: a push lists them, a pull request's are fetched with the workspace token."),
    ),
  },
  { description: 'A filter on GitHub webhook deliveries; all its fields must match.' },
);
export type GitHubWebhookFilter = Static<typeof GitHubWebhookFilterSchema>;

export const GitHubWebhookSchema = Type.Object(
  {
    events: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: GITHUB_WEBHOOK_MAX_EVENTS,
      description: 'Events are the GitHub event types to accept (e.g. "issues", "issue_comment", "pull_request", "push").',
    }),
    repository: Type.Optional(Type.String({ description: 'Repository ("owner/repo") deliveries must come from. Unset accepts every repository.' })),
    excludeAuthors: Type.Optional(
      Type.Array(Type.String(), {
        description: 'ExcludeAuthors rejects deliveries sent by these usernames, before any filter is evaluated.',
      }),
    ),
    filters: Type.Optional(
      Type.Array(GitHubWebhookFilterSchema, {
        description: 'Filters narrow the accepted deliveries: one matching filter is enough. Unset: every delivery of the listed events.',
      }),
    ),
    reporting: Type.Optional(ReportingSchema('Reporting posts status back to the originating issue or pull request.')),
  },
  {
    description: 'GitHubWebhook creates Tasks from GitHub webhook deliveries.',
    ...cel({
      rule: `!has(self.reporting) || !has(self.reporting.checks) || self.events.exists(e, e in [${PULL_REQUEST_EVENTS.map((e) => `'${e}'`).join(', ')}])`,
      message: 'checks reporting requires at least one pull-request event type',
    }),
  },
);
export type GitHubWebhook = Static<typeof GitHubWebhookSchema>;

export const LINEAR_ACTIONS = ['create', 'update', 'remove', ''] as const;

export const LinearWebhookSchema = Type.Object(
  {
    types: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Types are the Linear resource types to accept (e.g. "Issue", "Comment", "Project").',
    }),
    filters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.Optional(Type.String({ description: 'Type limits the filter to one resource type; unset applies it to all of types.' })),
            action: Type.Optional(StringEnum(LINEAR_ACTIONS, { description: 'Action the delivery must carry: create, update or remove.' })),
            states: Type.Optional(Type.Array(Type.String(), { description: 'States: workflow state names the issue must be in (e.g. "Todo").' })),
            labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels the issue must all carry.' })),
            excludeLabels: Type.Optional(Type.Array(Type.String(), { description: 'ExcludeLabels rejects issues with any of these labels.' })),
          },
          { description: 'A filter on Linear webhook deliveries; all its fields must match.' },
        ),
        { description: 'Filters narrow the accepted deliveries: one matching filter is enough. Unset: every delivery of the listed types.' },
      ),
    ),
  },
  { description: 'LinearWebhook creates Tasks from Linear webhook deliveries.' },
);
export type LinearWebhook = Static<typeof LinearWebhookSchema>;

export const WEBHOOK_SOURCE_PATTERN = '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$';

export const GenericWebhookSchema = Type.Object(
  {
    source: Type.String({
      pattern: WEBHOOK_SOURCE_PATTERN,
      description: 'Source names the sender (e.g. "sentry"): lowercase letters, digits and inner hyphens. Deliveries arrive at /webhook/<source>.',
    }),
    fieldMapping: StringMap(
      'FieldMapping maps template variable names to JSONPath expressions over the delivery body. The "id" key is required (deduplication and Task names); id, title, body and url are also .ID, .Title, .Body and .URL.',
    ),
    filters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Type.String({ description: 'Field is a JSONPath expression selecting the value to test.' }),
            value: Type.Optional(Type.String({ description: 'Value the field must equal. Exclusive with pattern.' })),
            pattern: Type.Optional(Type.String({ description: 'Pattern: a regular expression the field must match. Exclusive with value.' })),
          },
          {
            description: 'A condition on the delivery body: exactly one of value and pattern.',
            ...cel({
              rule: 'has(self.value) != (has(self.pattern) && size(self.pattern) > 0)',
              message: 'exactly one of value or pattern must be set',
            }),
          },
        ),
        { description: 'Filters must all match for a delivery to create a Task. Unset: every delivery.' },
      ),
    ),
  },
  {
    description: 'Webhook creates Tasks from JSON deliveries of any sender.',
    ...cel({ rule: "'id' in self.fieldMapping", message: "fieldMapping must include an 'id' key for deduplication and task naming" }),
  },
);
export type GenericWebhook = Static<typeof GenericWebhookSchema>;

export const SLACK_BOT_MESSAGE_POLICIES = ['None', 'All', 'OthersOnly'] as const;
export const SLACK_CHANNEL_PATTERN = '^[CG][A-Z0-9]{8,}$';

export const SlackSchema = Type.Object(
  {
    channels: Type.Optional(
      Type.Array(Type.String({ pattern: SLACK_CHANNEL_PATTERN }), {
        maxItems: 64,
        description: 'Channels (IDs such as "C0123456789") the bot listens in. Unset: every channel it was invited to.',
      }),
    ),
    botMessagePolicy: Type.Optional(
      StringEnum(SLACK_BOT_MESSAGE_POLICIES, {
        description:
          'BotMessagePolicy: which bot messages may trigger — None (unset: none), All (every bot, itself included: beware of loops), OthersOnly (other bots, never its own).',
      }),
    ),
    triggers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pattern: Type.Optional(
              Type.String({
                maxLength: 256,
                description: 'Pattern: an unanchored RE2 expression over the message text, leading @-mentions removed.',
              }),
            ),
            mentionOptional: Type.Optional(Type.Boolean({ description: 'MentionOptional fires on a pattern match even without an @-mention of the bot.' })),
          },
          { description: 'A message trigger.' },
        ),
        {
          maxItems: 8,
          description: 'Triggers: one matching trigger is enough; each needs an @-mention of the bot unless mentionOptional. Unset: every mention.',
        },
      ),
    ),
    excludePatterns: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 10,
        description: 'ExcludePatterns reject messages matching any of these RE2 expressions (leading @-mentions removed; not slash commands).',
      }),
    ),
  },
  { description: 'Slack creates Tasks from Slack messages that mention the bot or match a trigger.' },
);
export type Slack = Static<typeof SlackSchema>;

export const WhenSchema = Type.Object(
  {
    githubIssues: Type.Optional(GitHubIssuesSchema),
    githubPullRequests: Type.Optional(GitHubPullRequestsSchema),
    cron: Type.Optional(CronSchema),
    jira: Type.Optional(JiraSchema),
    githubWebhook: Type.Optional(GitHubWebhookSchema),
    linearWebhook: Type.Optional(LinearWebhookSchema),
    webhook: Type.Optional(GenericWebhookSchema),
    slack: Type.Optional(SlackSchema),
  },
  {
    description: 'When defines what triggers task spawning. Exactly one source must be set.',
    ...cel({
      rule: SOURCES.map((s) => `(has(self.${s}) ? 1 : 0)`).join(' + ') + ' == 1',
      message: `exactly one of ${SOURCES.slice(0, -1).join(', ')} or ${SOURCES[SOURCES.length - 1]} must be set`,
    }),
  },
);
export type When = Static<typeof WhenSchema>;

export const CONTEXT_SOURCE_FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
export const CONTEXT_SOURCE_METHODS = ['GET', 'POST'] as const;
export const RESPONSE_FILTER_TYPES = ['JSONPath'] as const;
export const MAX_CONTEXT_SOURCES = 8;
export const CONTEXT_SOURCE_NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]*$';
export const DEFAULT_CONTEXT_TIMEOUT_SECONDS = 10;
export const MAX_CONTEXT_TIMEOUT_SECONDS = 60;
export const DEFAULT_CONTEXT_MAX_RESPONSE_BYTES = 32768;
export const MAX_CONTEXT_MAX_RESPONSE_BYTES = 131072;

const nonEmpty = (description: string) => Type.String({ minLength: 1, description });

export const HttpContextSourceSchema = Type.Object(
  {
    url: nonEmpty('URL to fetch; a Go text/template over the work item (e.g. "https://api.example.com/items/{{.Number}}"). HTTPS unless allowInsecure.'),
    method: Type.Optional(StringEnum(CONTEXT_SOURCE_METHODS, { default: 'GET', description: 'Method: GET or POST.' })),
    headers: Type.Optional(StringMap('Headers sent with the request; values are Go text/templates over the work item.')),
    headersFrom: Type.Optional(
      Type.Array(
        Type.Object(
          {
            header: nonEmpty('Header name (e.g. "Authorization").'),
            secretName: nonEmpty("Name of a Secret in the TaskSpawner's namespace."),
            secretKey: nonEmpty('Key of the Secret whose value is the header value.'),
          },
          { description: 'A header whose value is read from a Secret.' },
        ),
        { maxItems: 16, description: 'HeadersFrom: headers whose values come from Secrets; they win over headers of the same name.' },
      ),
    ),
    body: Type.Optional(Type.String({ description: 'Body of a POST request; a Go text/template over the work item.' })),
    responseFilter: Type.Optional(
      Type.Object(
        {
          type: StringEnum(RESPONSE_FILTER_TYPES, { description: 'Type of the filter language.' }),
          expression: nonEmpty('Expression in that language, e.g. "$.fields.description".'),
        },
        { description: 'ResponseFilter keeps only the part of the response it selects. Unset: the whole body.' },
      ),
    ),
    allowInsecure: Type.Optional(Type.Boolean({ description: 'AllowInsecure allows plain http:// URLs.' })),
    timeoutSeconds: Type.Optional(
      Int32({
        default: DEFAULT_CONTEXT_TIMEOUT_SECONDS,
        minimum: 1,
        maximum: MAX_CONTEXT_TIMEOUT_SECONDS,
        description: 'TimeoutSeconds bounds each request.',
      }),
    ),
    maxResponseBytes: Type.Optional(
      Int32({
        default: DEFAULT_CONTEXT_MAX_RESPONSE_BYTES,
        minimum: 1,
        maximum: MAX_CONTEXT_MAX_RESPONSE_BYTES,
        description: 'MaxResponseBytes bounds the response body read, and so what reaches the prompt.',
      }),
    ),
  },
  { description: 'HTTP fetches the value from an HTTP(S) endpoint.' },
);

export const ContextSourceSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: CONTEXT_SOURCE_NAME_PATTERN,
      description: 'Name: the value is .Context.<name> in the promptTemplate, branch and metadata templates.',
    }),
    http: Type.Optional(HttpContextSourceSchema),
    failurePolicy: Type.Optional(
      StringEnum(CONTEXT_SOURCE_FAILURE_POLICIES, {
        default: 'Fail',
        description: 'FailurePolicy when the fetch fails: Fail creates no Task for the item; Ignore uses an empty value and logs a warning.',
      }),
    ),
  },
  {
    description: 'A source of data fetched before a Task is created. Exactly one kind (today: http).',
    ...cel({ rule: 'has(self.http)', message: 'exactly one source kind must be set (currently only http is supported)' }),
  },
);
export type ContextSource = Static<typeof ContextSourceSchema>;

export const TaskTemplateSchema = Type.Object(
  {
    ...taskCommonFields,
    branch: Type.Optional(Type.String({ description: 'Branch spawned Tasks work on; a Go text/template (e.g. "kelos-task-{{.Number}}").' })),
    promptTemplate: Type.Optional(Type.String({ description: 'PromptTemplate is a Go text/template for the task prompt. Defaults to "{{.Title}}".' })),
    metadata: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(StringMap('Labels merged into spawned Tasks; values are templates.')),
          annotations: Type.Optional(StringMap('Annotations merged into spawned Tasks; values are templates.')),
        },
        {
          description: 'Metadata holds labels and annotations for spawned Tasks. The kelos.dev/taskspawner label is always set by the spawner.',
        },
      ),
    ),
    contextSources: Type.Optional(
      Type.Array(ContextSourceSchema, {
        maxItems: MAX_CONTEXT_SOURCES,
        description: 'ContextSources are fetched in parallel for each work item before its Task is created; each value is .Context.<name> in the templates.',
        ...cel({ rule: 'self.all(s, self.exists_one(t, t.name == s.name))', message: 'contextSources names must be unique' }),
      }),
    ),
  },
  { description: 'TaskTemplate defines the template for spawned Tasks.', ...cel(AGENT_CONFIG_REFS_EXCLUSIVE) },
);
export type TaskTemplate = Static<typeof TaskTemplateSchema>;

export const TaskSpawnerSpecSchema = Type.Object(
  {
    when: WhenSchema,
    taskTemplate: TaskTemplateSchema,
    pollInterval: Type.Optional(
      Type.String({
        default: DEFAULT_POLL_INTERVAL,
        description: 'PollInterval is how often to poll the source (e.g., "5m"). Deprecated: use the source\'s pollInterval.',
      }),
    ),
    maxConcurrency: Type.Optional(Int32({ minimum: 0, description: 'MaxConcurrency limits the non-terminal Tasks of this spawner; 0 or unset is unlimited.' })),
    maxTotalTasks: Type.Optional(Int32({ minimum: 0, description: 'MaxTotalTasks limits the Tasks created over the lifetime (status.totalTasksCreated).' })),
    suspend: Type.Optional(Type.Boolean({ default: false, description: 'Suspend stops creating Tasks; running ones continue.' })),
  },
  {
    description: 'TaskSpawnerSpec defines the desired state of TaskSpawner.',
    ...cel({
      rule: `!(${WORKSPACE_SOURCES.map((s) => `has(self.when.${s})`).join(' || ')}) || has(self.taskTemplate.workspaceRef)`,
      message: 'taskTemplate.workspaceRef is required when using githubIssues, githubPullRequests, githubWebhook, or linearWebhook source',
    }),
  },
);
export type TaskSpawnerSpec = Static<typeof TaskSpawnerSpecSchema>;

const counter = (description: string) => Type.Optional(Type.Integer({ description }));

export const TaskSpawnerStatusSchema = Type.Object(
  {
    phase: Type.Optional(Type.String({ description: 'Phase is Pending, Running, Failed or Suspended.' })),
    deploymentName: Type.Optional(Type.String({ description: 'DeploymentName is the Deployment running the spawner.' })),
    cronJobName: Type.Optional(Type.String({ description: 'CronJobName is the CronJob running the spawner.' })),
    totalDiscovered: counter('TotalDiscovered is the number of work items discovered in the last cycle.'),
    totalTasksCreated: counter('TotalTasksCreated is the total number of Tasks created.'),
    activeTasks: counter('ActiveTasks is the number of non-terminal Tasks.'),
    lastDiscoveryTime: Type.Optional(DateTime('LastDiscoveryTime is the last time the source was polled.')),
    message: Type.Optional(Type.String({ description: 'Message provides additional information about the current status.' })),
    conditions: Type.Optional(ConditionsSchema()),
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64', description: 'ObservedGeneration is the generation the status was computed from.' })),
  },
  { description: 'TaskSpawnerStatus defines the observed state of TaskSpawner.' },
);
export type TaskSpawnerStatus = Omit<Static<typeof TaskSpawnerStatusSchema>, 'conditions'> & { conditions?: Condition[] };

export interface TaskSpawner {
  apiVersion: 'kelos.dev/v1alpha1';
  kind: 'TaskSpawner';
  metadata: ObjectMeta;
  spec: TaskSpawnerSpec;
  status?: TaskSpawnerStatus;
}

export const TaskSpawnerDefinition: KindDefinition = {
  kind: Kind.TASK_SPAWNER,
  plural: 'taskspawners',
  singular: 'taskspawner',
  listKind: 'TaskSpawnerList',
  description:
    'TaskSpawner turns work items (GitHub issues or pull requests, cron ticks, Jira issues, GitHub, Linear, Slack or other webhook deliveries) into Tasks.',
  spec: TaskSpawnerSpecSchema,
  specRequired: true,
  status: TaskSpawnerStatusSchema,
  printerColumns: [
    { name: 'Workspace', type: 'string', jsonPath: '.spec.taskTemplate.workspaceRef.name' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Active', type: 'integer', jsonPath: '.status.activeTasks' },
    { name: 'Discovered', type: 'integer', jsonPath: '.status.totalDiscovered' },
    { name: 'Tasks', type: 'integer', jsonPath: '.status.totalTasksCreated' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
