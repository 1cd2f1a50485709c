// The spawner's sources and what kind of workload each needs, apart from the
// TaskSpawner's schema: the controller reads these and, by not importing the
// schema (TypeBox and the Kubernetes core definitions), stays a few MB smaller.

export const SOURCES = ['githubIssues', 'githubPullRequests', 'cron', 'jira', 'githubWebhook', 'linearWebhook', 'webhook', 'slack'] as const;
export type SourceName = (typeof SOURCES)[number];

/** A TaskSpawner spec as far as these read it (its sources). */
export interface SpecWithSources {
  readonly when: { readonly [S in SourceName]?: unknown };
}

/** Sources whose events are delivered to kelos (pushed) rather than polled. */
export const WEBHOOK_SOURCES = ['githubWebhook', 'linearWebhook', 'webhook', 'slack'] as const satisfies readonly SourceName[];
export type WebhookSourceName = (typeof WEBHOOK_SOURCES)[number];

/** Sources whose spawned Tasks need taskTemplate.workspaceRef. */
export const WORKSPACE_SOURCES = ['githubIssues', 'githubPullRequests', 'githubWebhook', 'linearWebhook'] as const satisfies readonly SourceName[];

/** The source a spawner uses (exactly one is set on a valid spec). */
export function sourceOf(spec: SpecWithSources): SourceName | undefined {
  return SOURCES.find((s) => spec.when[s] !== undefined);
}

/** True for a source whose events are delivered to the webhook server instead of polled. */
export function isWebhookSpawner(spec: SpecWithSources): boolean {
  return WEBHOOK_SOURCES.some((s) => spec.when[s] !== undefined);
}

/** Polling sources run as a Deployment; cron runs as a CronJob. */
export function isCronSpawner(spec: SpecWithSources): boolean {
  return spec.when.cron !== undefined;
}
