export { Spawner, type SpawnerOptions, type CycleReport } from './spawner.js';
export { planCycle, priorityRank, type CycleInput, type CyclePlan, type ExistingTask, type PlannedCreate } from './cycle.js';
export { nextStatus, setCondition, type CycleOutcome } from './status.js';
export { buildTask, upstreamRepoOf } from './build-task.js';
export { taskName, TASK_NAME_MAX_LENGTH } from './task-name.js';
export { parseDuration, pollIntervalMs } from './duration.js';
export { templateVars, joinNewest, type WorkItem, type WorkItemOrigin, type TemplateVars } from './work-item.js';
export { templateNeeds, type Source, type Needs } from './source.js';
export { createGitHubClient, githubApiBaseUrl, parseRepo, type GitHubClient, type GitHubClientOptions, type GitHubCredentials, type RepoRef } from './github-client.js';
export { GitHubIssuesSource, type GitHubIssuesSourceOptions } from './github-issues.js';
export { GitHubPullRequestsSource, type GitHubPullRequestsSourceOptions } from './github-pull-requests.js';
export { CronSource, MAX_CRON_TICKS, parseSchedule, tickId } from './cron.js';
export { JiraSource, buildJql, issueNumber, type JiraCredentials, type JiraSourceOptions } from './jira.js';
export {
  CommentAuthorizer,
  evaluateCommentPolicy,
  resolveCommentPolicy,
  hasCommand,
  permissionAtLeast,
  type ResolvedCommentPolicy,
  type PolicyDecision,
  type CommandComment,
} from './comment-policy.js';
export { aggregateReviewState, type Review, type AggregatedReviewState } from './review-state.js';
