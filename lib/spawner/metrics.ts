import { Counter, Gauge, Registry } from 'prom-client';
import type { CycleReport } from './cycle.js';

/**
 * A spawner's Prometheus metrics, in their own registry: its cycles, the Tasks
 * they created, and what GitHub costs it — every HTTP answer by status code
 * (304s are the free ones) and the rate limit left. Every series carries the
 * TaskSpawner's namespace and name.
 */
export class SpawnerMetrics {
  readonly registry = new Registry();
  private readonly cycles = new Counter({
    name: 'kelos_spawner_cycles_total',
    help: 'Spawner cycles by result: ok, failed (the source could not be read), suspended, error (the TaskSpawner could not be read or written)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly discovered = new Gauge({
    name: 'kelos_spawner_discovered_items',
    help: 'Work items the last successful cycle discovered',
    registers: [this.registry],
  });
  private readonly created = new Counter({ name: 'kelos_spawner_tasks_created_total', help: 'Tasks created', registers: [this.registry] });
  private readonly deleted = new Counter({
    name: 'kelos_spawner_tasks_deleted_total',
    help: 'Finished Tasks deleted to make way for a newer trigger comment',
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'kelos_spawner_task_failures_total',
    help: 'Tasks a cycle could not render, create or delete',
    registers: [this.registry],
  });
  private readonly skipped = new Gauge({
    name: 'kelos_spawner_skipped_items',
    help: 'Items the last cycle passed over for their data, by reason (InvalidBranch, BaseBranch, ForkHeadRef, BranchInUse, PromptValuesTooLarge, TriggerNotAuthorized)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly unconfirmed = new Counter({
    name: 'kelos_spawner_unconfirmed_triggers_total',
    help: 'Triggers recorded in the ledger whose Task never appeared (the spawner stopped between the two): spent without a Task',
    registers: [this.registry],
  });
  private readonly lastCycle = new Gauge({
    name: 'kelos_spawner_last_cycle_timestamp_seconds',
    help: 'When the last cycle ended, whatever its result',
    registers: [this.registry],
  });
  private readonly githubRequests = new Counter({
    name: 'kelos_spawner_github_requests_total',
    help: 'HTTP requests to GitHub by status code ("error" when no answer came: network errors, timeouts)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitRemaining = new Gauge({
    name: 'kelos_spawner_github_rate_limit_remaining',
    help: 'x-ratelimit-remaining of the last GitHub answer that carried it, by x-ratelimit-resource (core: REST requests, graphql: GraphQL points)',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  // No process metrics (the kubelet has the container's CPU and memory): the spawner stays small.
  constructor(labels: { readonly namespace: string; readonly taskspawner: string }) {
    this.registry.setDefaultLabels({ namespace: labels.namespace, taskspawner: labels.taskspawner });
  }

  /** Records a cycle's report, or a cycle that threw (`undefined`). */
  cycle(report: CycleReport | undefined, now = Date.now()): void {
    this.lastCycle.set(now / 1000);
    if (!report) {
      this.cycles.inc({ result: 'error' });
      return;
    }
    this.cycles.inc({ result: report.suspended ? 'suspended' : report.ok ? 'ok' : 'failed' });
    if (report.ok && !report.suspended) this.discovered.set(report.discovered);
    this.created.inc(report.created.length);
    this.deleted.inc(report.deleted.length);
    this.failures.inc(report.failures.length);
    this.unconfirmed.inc(report.unconfirmed?.length ?? 0);
    if (report.ok && !report.suspended) {
      this.skipped.reset();
      for (const s of report.skipped ?? []) this.skipped.inc({ reason: s.reason });
    }
  }

  /** Records one answer of GitHub (or `undefined` when none came). */
  githubResponse(status: number | undefined, headers?: { get(name: string): string | null }): void {
    this.githubRequests.inc({ code: status === undefined ? 'error' : String(status) });
    const remaining = headers?.get('x-ratelimit-remaining');
    if (remaining != null && remaining !== '' && Number.isFinite(Number(remaining))) {
      this.rateLimitRemaining.set({ resource: headers?.get('x-ratelimit-resource') || 'core' }, Number(remaining));
    }
  }
}
