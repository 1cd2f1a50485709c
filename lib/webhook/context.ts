import { type ContextFetchOptions, fetchContext } from '../context/context-sources.js';
import type { ContextualTask, PlannedTask } from './delivery.js';
import { WebhookTaskError } from './task.js';

/**
 * The cap on a context source's timeoutSeconds at the webhook server: GitHub
 * waits 10 s for an answer, and the Task must still be created after the
 * sources answer.
 */
export const WEBHOOK_CONTEXT_TIMEOUT_SECONDS = 5;

export interface ResolvedContext {
  /** Tasks built with their fetched context. */
  readonly creates: readonly PlannedTask[];
  /** Tasks that cannot be built from this delivery (a template fails): 422. */
  readonly failures: readonly string[];
  /**
   * Tasks whose source with failurePolicy Fail failed: 503, the sender
   * retries. `message` is for the sender (no URL); `error` for the log.
   */
  readonly unavailable: ReadonlyArray<{ readonly name: string; readonly message: string; readonly error: string }>;
}

/**
 * Fetches the contextSources of each contextual Task of a delivery, in
 * parallel, with every source's timeout capped at `maxTimeoutSeconds`
 * (WEBHOOK_CONTEXT_TIMEOUT_SECONDS by default), then builds the Tasks with
 * `.Context`. A source that fails under failurePolicy Fail leaves its Task
 * unmade and unavailable (the delivery is answered 503 and a retry fetches
 * again); under Ignore its value is "".
 */
export async function resolveContext(pending: readonly ContextualTask[], options: ContextFetchOptions): Promise<ResolvedContext> {
  const creates: PlannedTask[] = [];
  const failures: string[] = [];
  const unavailable: Array<{ name: string; message: string; error: string }> = [];
  const fetchOptions = { ...options, maxTimeoutSeconds: options.maxTimeoutSeconds ?? WEBHOOK_CONTEXT_TIMEOUT_SECONDS };
  const fetched = await Promise.all(
    pending.map(async (p) => ({ p, got: await fetchContext(p.spawner.spec.taskTemplate.contextSources ?? [], p.vars, fetchOptions) })),
  );
  for (const { p, got } of fetched) {
    const spawner = p.spawner.metadata.name!;
    if ('failed' in got) {
      unavailable.push({ name: p.name, message: `TaskSpawner ${spawner}: context source ${got.failed} failed; retry`, error: got.error });
      continue;
    }
    try {
      creates.push({ spawner: p.spawner, task: p.build(got.values) });
    } catch (err) {
      failures.push(err instanceof WebhookTaskError ? err.message : `TaskSpawner ${spawner}: ${(err as Error).message}`);
    }
  }
  return { creates, failures, unavailable };
}
