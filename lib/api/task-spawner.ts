import { Type, type Static } from '@sinclair/typebox';
import { Kind } from './constants.js';
import { ConditionsSchema, type Condition, type ObjectMeta } from './shared.js';
import { AGENT_CONFIG_REFS_EXCLUSIVE, taskCommonFields } from './task.js';
import { DateTime, Int32, NameRef, StringEnum, StringMap, cel } from './_schema.js';
import type { KindDefinition } from './kind.js';

export const ITEM_STATES = ['open', 'closed', 'all'] as const;
export const ISSUE_TYPES = ['issues', 'pulls'] as const;
export const REVIEW_STATES = ['approved', 'changes_requested', 'any'] as const;
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const DEFAULT_POLL_INTERVAL = '5m';
export const DEFAULT_PROMPT_TEMPLATE = '{{.Title}}';

const pollInterval = () =>
  Type.Optional(
    Type.String({ description: 'PollInterval overrides spec.pollInterval for this source (e.g., "30s", "5m").' }),
  );

const COMMENT_POLICY_EXCLUSIVE = {
  rule: '!(has(self.commentPolicy) && ((has(self.triggerComment) && size(self.triggerComment) > 0) || (has(self.excludeComments) && size(self.excludeComments) > 0)))',
  message: 'commentPolicy cannot be used with triggerComment or excludeComments',
};

export const CommentPolicySchema = Type.Object(
  {
    triggerComment: Type.Optional(
      Type.String({ description: 'TriggerComment requires a matching command for the item to be included.' }),
    ),
    excludeComments: Type.Optional(
      Type.Array(Type.String(), {
        description: 'ExcludeComments blocks items whose most recent matching command is an exclude command.',
      }),
    ),
    allowedUsers: Type.Optional(
      Type.Array(Type.String(), { description: 'AllowedUsers restricts comment control to these GitHub usernames.' }),
    ),
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

/** Fields GitHub issue and pull request sources share. */
const githubCommon = {
  repo: Type.Optional(
    Type.String({
      description: 'Repo overrides the repository to poll ("owner/repo" or a URL). Defaults to the workspace repository.',
    }),
  ),
  excludeLabels: Type.Optional(
    Type.Array(Type.String(), { description: 'ExcludeLabels filters out items with any of these labels (client-side).' }),
  ),
  state: Type.Optional(
    StringEnum(ITEM_STATES, { default: 'open', description: 'State filters items by state (open, closed, all).' }),
  ),
  author: Type.Optional(Type.String({ description: 'Author filters items by the username of their author.' })),
  excludeAuthors: Type.Optional(
    Type.Array(Type.String(), { description: 'ExcludeAuthors filters out items by these authors (client-side).' }),
  ),
  commentPolicy: Type.Optional(CommentPolicySchema),
  triggerComment: Type.Optional(
    Type.String({ description: 'TriggerComment requires a matching comment. Deprecated: use commentPolicy.triggerComment.' }),
  ),
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
    assignee: Type.Optional(
      Type.String({ description: 'Assignee filters issues by assignee; "*" any assignee, "none" unassigned.' }),
    ),
  },
  { description: 'GitHubIssues discovers issues from a GitHub repository.', ...cel(COMMENT_POLICY_EXCLUSIVE) },
);
export type GitHubIssues = Static<typeof GitHubIssuesSchema>;

export const GitHubPullRequestsSchema = Type.Object(
  {
    ...githubCommon,
    labels: Type.Optional(Type.Array(Type.String(), { description: 'Labels a pull request must all carry.' })),
    reviewState: Type.Optional(
      StringEnum(REVIEW_STATES, {
        default: 'any',
        description:
          'ReviewState filters pull requests by the latest APPROVED or CHANGES_REQUESTED review per reviewer on the head SHA.',
      }),
    ),
    draft: Type.Optional(Type.Boolean({ description: 'Draft filters pull requests by draft state; unset includes both.' })),
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

export const SOURCES = ['githubIssues', 'githubPullRequests', 'cron', 'jira'] as const;
export type SourceName = (typeof SOURCES)[number];

export const WhenSchema = Type.Object(
  {
    githubIssues: Type.Optional(GitHubIssuesSchema),
    githubPullRequests: Type.Optional(GitHubPullRequestsSchema),
    cron: Type.Optional(CronSchema),
    jira: Type.Optional(JiraSchema),
  },
  {
    description: 'When defines what triggers task spawning. Exactly one source must be set.',
    ...cel({
      rule: SOURCES.map((s) => `(has(self.${s}) ? 1 : 0)`).join(' + ') + ' == 1',
      message: 'exactly one of githubIssues, githubPullRequests, cron or jira must be set',
    }),
  },
);
export type When = Static<typeof WhenSchema>;

export const TaskTemplateSchema = Type.Object(
  {
    ...taskCommonFields,
    branch: Type.Optional(
      Type.String({ description: 'Branch spawned Tasks work on; a Go text/template (e.g. "kelos-task-{{.Number}}").' }),
    ),
    promptTemplate: Type.Optional(
      Type.String({ description: 'PromptTemplate is a Go text/template for the task prompt. Defaults to "{{.Title}}".' }),
    ),
    metadata: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(StringMap('Labels merged into spawned Tasks; values are templates.')),
          annotations: Type.Optional(StringMap('Annotations merged into spawned Tasks; values are templates.')),
        },
        {
          description:
            'Metadata holds labels and annotations for spawned Tasks. The kelos.dev/taskspawner label is always set by the spawner.',
        },
      ),
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
    maxConcurrency: Type.Optional(
      Int32({ minimum: 0, description: 'MaxConcurrency limits the non-terminal Tasks of this spawner; 0 or unset is unlimited.' }),
    ),
    maxTotalTasks: Type.Optional(
      Int32({ minimum: 0, description: 'MaxTotalTasks limits the Tasks created over the lifetime (status.totalTasksCreated).' }),
    ),
    suspend: Type.Optional(
      Type.Boolean({ default: false, description: 'Suspend stops creating Tasks; running ones continue.' }),
    ),
  },
  {
    description: 'TaskSpawnerSpec defines the desired state of TaskSpawner.',
    ...cel({
      rule: '!(has(self.when.githubIssues) || has(self.when.githubPullRequests)) || has(self.taskTemplate.workspaceRef)',
      message: 'taskTemplate.workspaceRef is required when using githubIssues or githubPullRequests source',
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
    observedGeneration: Type.Optional(
      Type.Integer({ format: 'int64', description: 'ObservedGeneration is the generation the status was computed from.' }),
    ),
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

/** The source a spawner uses (exactly one is set on a valid spec). */
export function sourceOf(spec: Pick<TaskSpawnerSpec, 'when'>): SourceName | undefined {
  return SOURCES.find((s) => spec.when[s] !== undefined);
}

/** Polling sources run as a Deployment; cron runs as a CronJob. */
export function isCronSpawner(spec: Pick<TaskSpawnerSpec, 'when'>): boolean {
  return spec.when.cron !== undefined;
}

export const TaskSpawnerDefinition: KindDefinition = {
  kind: Kind.TASK_SPAWNER,
  plural: 'taskspawners',
  singular: 'taskspawner',
  listKind: 'TaskSpawnerList',
  description: 'TaskSpawner turns work items (GitHub issues or pull requests, cron ticks, Jira issues) into Tasks.',
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
