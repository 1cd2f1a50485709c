import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The webhook server's Prometheus metrics: deliveries by route and answer,
 * Tasks created, redeliveries that created nothing, Tasks that could not be
 * created, and how long a delivery took from its last byte to its answer.
 */
export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly deliveries = new Counter({
    name: 'kelos_webhook_deliveries_total',
    help: 'Deliveries by route (github, linear, slack or the generic source) and HTTP status answered',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });
  private readonly created = new Counter({
    name: 'kelos_webhook_tasks_created_total',
    help: 'Tasks created from deliveries',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'kelos_webhook_duplicate_tasks_total',
    help: 'Tasks a delivery named that existed already (redeliveries, retries, a delivery reaching two replicas)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'kelos_webhook_task_failures_total',
    help: 'Tasks not created, by reason: invalid (the template or the apiserver refused it; retrying cannot help), unavailable (the apiserver could not be reached; the sender is asked to retry), limit (maxTotalTasks reached)',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'kelos_webhook_delivery_duration_seconds',
    help: 'From a verified delivery to its Tasks existing in the apiserver',
    labelNames: ['source'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  delivery(source: string, code: number): void {
    this.deliveries.inc({ source, code: String(code) });
  }

  latency(source: string, seconds: number): void {
    this.duration.observe({ source }, seconds);
  }

  task(source: string, outcome: 'created' | 'duplicate' | 'invalid' | 'unavailable' | 'limit'): void {
    if (outcome === 'created') this.created.inc({ source });
    else if (outcome === 'duplicate') this.duplicates.inc({ source });
    else this.failures.inc({ source, reason: outcome });
  }
}
