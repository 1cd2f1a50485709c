import { createHash } from 'node:crypto';
import { Annotation, DEFAULT_PROMPT_TEMPLATE, type Task, type TaskSpawner } from '../api/index.js';
import { branchNameProblem, invalidBranchMessage } from '../git/ref-format.js';
import { REPORT_PENDING } from '../github/task-report.js';
import { reportingOf } from '../github/task-reporter.js';
import { spawnedTask, spawnedTaskSpec, templateAnnotations } from '../render/spawned-task.js';
import { deferRender, renderTemplate, type TemplateValue } from '../template/index.js';
import type { WebhookVars } from './vars.js';

/** Annotations a webhook Task carries: which route it came in on and the sender's delivery id. */
export const WebhookAnnotation = {
  SOURCE: 'kelos.dev/webhook-source',
  DELIVERY: 'kelos.dev/webhook-delivery',
} as const;

/** A Task that cannot be built from a delivery: retrying the same delivery cannot help. */
export class WebhookTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTaskError';
  }
}

/**
 * The name of the Task a delivery becomes for one spawner:
 * `<spawner>-<event>-<12 hex>`, the hash over the spawner's name and the
 * delivery's identity (taken from signed content), so a redelivery, or the
 * same delivery reaching two replicas, names the same Task. At most 63
 * characters; the hash is never cut.
 */
export function webhookTaskName(spawner: string, event: string, key: string): string {
  const hash = createHash('sha256').update(`${spawner}\0${key}`).digest('hex').slice(0, 12);
  const safeEvent = event
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  let head = safeEvent ? `${spawner}-${safeEvent}` : spawner;
  const max = 63 - hash.length - 1;
  if (head.length > max) head = head.slice(0, max).replace(/[^a-z0-9]+$/, '');
  return `${head}-${hash}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export interface WebhookTaskMeta {
  /** The route: `github`, `linear`, `slack` or the generic source's name. */
  readonly source: string;
  /** The sender's delivery id (a header), when it sent one. */
  readonly deliveryId?: string;
  /** The issue or pull request of a GitHub delivery (reporting reads these). */
  readonly origin?: { readonly kind: 'issue' | 'pull-request'; readonly number: number; readonly repo: string; readonly headSha?: string };
}

/** Values a deferred prompt can carry: scalars only (the payload stays out). */
function scalarVars(vars: WebhookVars): Record<string, TemplateValue> {
  const out: Record<string, TemplateValue> = {};
  for (const [k, v] of Object.entries(vars)) if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  return out;
}

/**
 * The Task a delivery becomes: the taskTemplate with its prompt, branch and
 * metadata rendered once over the delivery's variables and `context`, the
 * fetched contextSources as `.Context` (as data: payload
 * text is never parsed as a template), the `kelos.dev/taskspawner` label,
 * the webhook and source annotations and a controller owner reference. With
 * dependsOn, the prompt is deferred: the template stays in spec.prompt and the
 * values go to an annotation, rendered once by the controller with `.Deps`.
 * Throws WebhookTaskError when the template does not render or renders a
 * branch or label that Kubernetes or git would refuse.
 */
export function buildWebhookTask(
  spawner: TaskSpawner,
  deliveryVars: WebhookVars,
  name: string,
  meta: WebhookTaskMeta,
  context?: Readonly<Record<string, string>>,
): Task {
  const t = spawner.spec.taskTemplate;
  // `.Context`: the fetched values of the contextSources (lib/context/context-sources.ts), as data.
  const vars = context ? { ...deliveryVars, Context: context } : deliveryVars;
  const spawnerName = spawner.metadata.name!;
  const render = (text: string, what: string) => {
    try {
      return renderTemplate(text, vars, what);
    } catch (err) {
      throw new WebhookTaskError(`TaskSpawner ${spawnerName}: ${what}: ${(err as Error).message}`);
    }
  };

  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.metadata?.labels ?? {})) {
    const value = render(v, `metadata.labels[${k}]`);
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new WebhookTaskError(
        `TaskSpawner ${spawnerName}: metadata.labels[${k}] rendered ${JSON.stringify(value.slice(0, 80))}, not a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`,
      );
    }
    labels[k] = value;
  }

  const annotations = templateAnnotations(t, render);
  annotations[WebhookAnnotation.SOURCE] = meta.source;
  // Every delivery becomes a Task; the controller runs at most maxConcurrency of them at once.
  if ((spawner.spec.maxConcurrency ?? 0) > 0) annotations[Annotation.MAX_CONCURRENCY] = String(spawner.spec.maxConcurrency);
  if (meta.deliveryId) annotations[WebhookAnnotation.DELIVERY] = meta.deliveryId;
  if (meta.origin) {
    annotations[Annotation.SOURCE_KIND] = meta.origin.kind;
    annotations[Annotation.SOURCE_NUMBER] = String(meta.origin.number);
    annotations[Annotation.SOURCE_REPO] = meta.origin.repo;
    // The head a check run is kept on; the reporter (lib/github/task-reporter.ts) validates it again.
    if (meta.origin.kind === 'pull-request' && meta.origin.headSha && /^[0-9a-f]{40,64}$/.test(meta.origin.headSha))
      annotations[Annotation.SOURCE_SHA] = meta.origin.headSha;
    if (reportingOf(spawner)) annotations[Annotation.REPORTED] = REPORT_PENDING;
  }

  const promptTemplate = t.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  let prompt: string;
  if (t.dependsOn?.length) {
    try {
      const d = deferRender(promptTemplate, context ? { ...scalarVars(deliveryVars), Context: { ...context } } : scalarVars(deliveryVars), {
        name: 'promptTemplate',
        lateFields: ['Deps', 'Name'],
      });
      prompt = d.template;
      annotations[Annotation.PROMPT_VALUES] = d.values;
    } catch (err) {
      throw new WebhookTaskError(`TaskSpawner ${spawnerName}: promptTemplate: ${(err as Error).message}`);
    }
  } else {
    prompt = render(promptTemplate, 'promptTemplate');
  }

  const branch = t.branch !== undefined ? render(t.branch, 'branch') : undefined;
  if (branch) {
    const problem = branchNameProblem(branch);
    if (problem) throw new WebhookTaskError(`TaskSpawner ${spawnerName}: ${invalidBranchMessage(branch, problem)}`);
  }
  return spawnedTask(spawner, name, labels, annotations, spawnedTaskSpec(t, { prompt, branch, upstreamRepo: t.upstreamRepo }));
}
