import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { Label } from '../api/constants.js';
import { OutputKey } from '../api/outputs.js';
import type { Task } from '../api/task.js';
import { time } from '../api/task-phase.js';

/** The controller's Prometheus metrics, in their own registry (served on --metrics-addr). */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly taskCreated = new Counter({
    name: 'kelos_task_created_total',
    help: 'Jobs created for Tasks',
    labelNames: ['namespace', 'type'] as const,
    registers: [this.registry],
  });
  readonly taskCompleted = new Counter({
    name: 'kelos_task_completed_total',
    help: 'Tasks that reached a terminal phase',
    labelNames: ['namespace', 'type', 'phase'] as const,
    registers: [this.registry],
  });
  readonly taskDuration = new Histogram({
    name: 'kelos_task_duration_seconds',
    help: 'Time from a Task starting (or being created) to finishing',
    labelNames: ['namespace', 'type', 'phase'] as const,
    buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
    registers: [this.registry],
  });
  readonly taskCost = new Counter({
    name: 'kelos_task_cost_usd_total',
    help: 'Cost in USD reported by agents',
    labelNames: ['namespace', 'type', 'spawner', 'model'] as const,
    registers: [this.registry],
  });
  readonly inputTokens = new Counter({
    name: 'kelos_task_input_tokens_total',
    help: 'Input tokens reported by agents',
    labelNames: ['namespace', 'type', 'spawner', 'model'] as const,
    registers: [this.registry],
  });
  readonly outputTokens = new Counter({
    name: 'kelos_task_output_tokens_total',
    help: 'Output tokens reported by agents',
    labelNames: ['namespace', 'type', 'spawner', 'model'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'kelos_reconcile_errors_total',
    help: 'Reconciles that failed and were retried',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'kelos_workqueue_depth',
    help: 'Keys waiting in the work queue',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'kelos_leader',
    help: '1 when this replica is the leader and reconciles',
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts a Task that just finished, with its duration, cost and tokens. */
  taskFinished(
    task: Task,
    phase: string,
    startTime: string | undefined,
    completionTime: string | undefined,
    results: Record<string, string> | undefined,
  ): void {
    const ns = task.metadata.namespace ?? '';
    const type = task.spec.type;
    this.taskCompleted.inc({ namespace: ns, type, phase });
    const start = time(startTime) ?? time(task.metadata.creationTimestamp);
    const end = time(completionTime);
    if (start !== undefined && end !== undefined && end >= start) {
      this.taskDuration.observe({ namespace: ns, type, phase }, (end - start) / 1000);
    }
    const labels = { namespace: ns, type, spawner: task.metadata.labels?.[Label.TASK_SPAWNER] ?? '', model: task.spec.model ?? '' };
    const add = (counter: Counter<'namespace' | 'type' | 'spawner' | 'model'>, key: string) => {
      const v = Number.parseFloat(results?.[key] ?? '');
      if (Number.isFinite(v) && v > 0) counter.inc(labels, v);
    };
    add(this.taskCost, OutputKey.COST_USD);
    add(this.inputTokens, OutputKey.INPUT_TOKENS);
    add(this.outputTokens, OutputKey.OUTPUT_TOKENS);
  }
}
