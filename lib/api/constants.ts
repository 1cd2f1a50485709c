/** API group, version and kinds of kelos.dev/v1alpha1. */
export const GROUP = 'kelos.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const Kind = {
  TASK: 'Task',
  WORKSPACE: 'Workspace',
  AGENT_CONFIG: 'AgentConfig',
  TASK_SPAWNER: 'TaskSpawner',
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Plural resource names, as used in RBAC rules and REST paths. */
export const Plural = {
  Task: 'tasks',
  Workspace: 'workspaces',
  AgentConfig: 'agentconfigs',
  TaskSpawner: 'taskspawners',
} as const satisfies Record<Kind, string>;

/** Labels written by kelos (docs/architecture.md). */
export const Label = {
  TASK_SPAWNER: 'kelos.dev/taskspawner',
  NAME: 'kelos.dev/name',
  COMPONENT: 'kelos.dev/component',
  MANAGED_BY: 'kelos.dev/managed-by',
  TASK: 'kelos.dev/task',
} as const;

export const LabelValue = {
  NAME: 'kelos',
  MANAGED_BY: 'kelos-controller',
  COMPONENT_TASK: 'task',
  COMPONENT_SPAWNER: 'spawner',
  COMPONENT_CONTROLLER: 'controller',
} as const;

export const Annotation = {
  SOURCE_KIND: 'kelos.dev/source-kind',
  SOURCE_NUMBER: 'kelos.dev/source-number',
  SOURCE_REPO: 'kelos.dev/source-repo',
  /**
   * On a spawned Task with dependsOn: the work item's template fields as JSON.
   * The controller renders spec.prompt (the TaskSpawner's template) once with
   * them and `.Deps`; they are data, never template text.
   */
  PROMPT_VALUES: 'kelos.dev/prompt-values',
  /**
   * Set by the compiler on a TaskSpawner whose workload (Deployment or CronJob
   * and RBAC) it rendered into dist/; the controller leaves such spawners' workloads alone.
   */
  WORKLOAD_COMPILED: 'kelos.dev/workload-compiled',
  /**
   * Set by the compiler on the Tasks it renders: they are declared in git,
   * and a sync re-creates what is deleted, so after ttlSecondsAfterFinished
   * the controller deletes the Task's Job and keeps the Task (with its status).
   */
  DECLARED: 'kelos.dev/declared',
  /** Set by the webhook server on the Tasks of a spawner with maxConcurrency: the controller starts at most that many at once. */
  MAX_CONCURRENCY: 'kelos.dev/max-concurrency',
} as const;

export const FINALIZER = 'kelos.dev/finalizer';

/** The field manager used for every server-side apply and status write. */
export const FIELD_MANAGER = 'kelos';

/** Namespace of the controller install and of its leader election Lease. */
export const CONTROLLER_NAMESPACE = 'kelos-system';
/** Name of the controller's Deployment, ServiceAccount and ClusterRole, its leader election Lease, and its Events' component. */
export const CONTROLLER_NAME = 'kelos-controller';
/** Port of the controller's /metrics. */
export const METRICS_PORT = 8080;
/** Port of the controller's /healthz and /readyz. */
export const HEALTH_PORT = 8081;

export const TaskPhase = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  WAITING: 'Waiting',
} as const;
export type TaskPhase = (typeof TaskPhase)[keyof typeof TaskPhase];

export const TaskSpawnerPhase = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  FAILED: 'Failed',
  SUSPENDED: 'Suspended',
} as const;
export type TaskSpawnerPhase = (typeof TaskSpawnerPhase)[keyof typeof TaskSpawnerPhase];

/** Condition types (docs/architecture.md §7: status speaks Kubernetes). */
export const ConditionType = {
  SUCCEEDED: 'Succeeded',
  READY: 'Ready',
  /** TaskSpawner: the last cycle passed over items for their data (an invalid branch, values too large). */
  ITEMS_SKIPPED: 'ItemsSkipped',
} as const;

/** CamelCase condition reasons. */
export const Reason = {
  // Task
  WAITING_FOR_DEPENDENCIES: 'WaitingForDependencies',
  DEPENDENCY_FAILED: 'DependencyFailed',
  CIRCULAR_DEPENDENCY: 'CircularDependency',
  WAITING_FOR_BRANCH: 'WaitingForBranch',
  WAITING_FOR_CONCURRENCY: 'WaitingForConcurrency',
  JOB_CREATED: 'JobCreated',
  JOB_RUNNING: 'JobRunning',
  JOB_SUCCEEDED: 'JobSucceeded',
  JOB_FAILED: 'JobFailed',
  INVALID_SPEC: 'InvalidSpec',
  PROMPT_RENDER_FAILED: 'PromptRenderFailed',
  INVALID_BRANCH: 'InvalidBranch',
  WAITING_FOR_WORKSPACE: 'WaitingForWorkspace',
  WAITING_FOR_AGENT_CONFIG: 'WaitingForAgentConfig',
  WAITING_FOR_SECRET: 'WaitingForSecret',
  WAITING_FOR_PREVIOUS_JOB: 'WaitingForPreviousJob',
  JOB_DELETED: 'JobDeleted',
  TTL_EXPIRED: 'TTLExpired',
  GITHUB_TOKEN_FAILED: 'GitHubTokenFailed',
  /** The Job cannot create or start its Pod (FailedCreate, image pull, unschedulable): still Pending, not for long. */
  JOB_NOT_STARTING: 'JobNotStarting',
  /** The Job's Pod did not start within the controller's job start timeout. */
  JOB_START_TIMEOUT: 'JobStartTimeout',
  // TaskSpawner
  SPAWNING: 'Spawning',
  SUSPENDED: 'Suspended',
  DISCOVERY_FAILED: 'DiscoveryFailed',
  TASK_CREATE_FAILED: 'TaskCreateFailed',
  /** ItemsSkipped: items were skipped for more than one reason. */
  SEVERAL: 'Several',
  NONE_SKIPPED: 'NoneSkipped',
  WORKLOAD_READY: 'WorkloadReady',
  WORKLOAD_COMPILED: 'WorkloadCompiled',
  INVALID_SCHEDULE: 'InvalidSchedule',
} as const;

/** The agent types the API accepts: the agent registry's (lib/agents). */
export { AGENT_TYPES, type AgentTypeName } from '../agents/registry.js';

/** The UID and fsGroup agent pods run as (docs/architecture.md §4). */
export const AGENT_UID = 61100;
