import { Annotation, DEFAULT_PROMPT_TEMPLATE, type Task, type TaskSpawner } from '../api/index.js';
import { parseRepo } from '../github/repo-url.js';
import { REPORT_PENDING } from '../github/task-report.js';
import { reportingOf } from '../github/task-reporter.js';
import { spawnedTask, spawnedTaskSpec, templateAnnotations } from '../render/spawned-task.js';
import { deferRender, renderTemplate } from '../template/index.js';
import { templateVars, type WorkItem } from './work-item.js';

/**
 * The Task a spawner creates for a work item: the taskTemplate with
 * `promptTemplate`, `branch` and metadata values rendered against the item,
 * the `kelos.dev/taskspawner` label, the source annotations and a controller
 * owner reference to the TaskSpawner. Throws TemplateError when a template
 * does not render (e.g. a missing key).
 *
 * With `dependsOn` the prompt is not rendered here: `spec.prompt` gets the
 * TaskSpawner's own template and the item's fields go, as JSON data, into
 * the `kelos.dev/prompt-values` annotation; the controller renders both once,
 * with `.Deps`, so issue text is never parsed as a template. Throws
 * TemplateDataError when those values do not fit in an annotation.
 * `context` is the item's fetched contextSources, `.Context` in every template.
 */
export function buildTask(spawner: TaskSpawner, item: WorkItem, name: string, context?: Readonly<Record<string, string>>): Task {
  const t = spawner.spec.taskTemplate;
  // `.Context`: the fetched values of the contextSources (lib/context/context-sources.ts), as data.
  const vars = context ? { ...templateVars(item), Context: context } : templateVars(item);
  const render = (text: string, what: string) => renderTemplate(text, vars, what);

  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.metadata?.labels ?? {})) labels[k] = render(v, `metadata.labels[${k}]`);

  const annotations = templateAnnotations(t, render);
  if (item.origin) {
    annotations[Annotation.SOURCE_KIND] = item.origin.kind;
    annotations[Annotation.SOURCE_NUMBER] = String(item.number);
    annotations[Annotation.SOURCE_REPO] = item.origin.repo;
    if (item.origin.kind === 'pull-request' && item.headSha) annotations[Annotation.SOURCE_SHA] = item.headSha;
    if (reportingOf(spawner)) annotations[Annotation.REPORTED] = REPORT_PENDING;
  }

  const promptTemplate = t.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  let prompt: string;
  if (t.dependsOn?.length) {
    const d = deferRender(promptTemplate, vars, { name: 'promptTemplate', lateFields: ['Deps', 'Name'] });
    prompt = d.template;
    annotations[Annotation.PROMPT_VALUES] = d.values;
  } else {
    prompt = render(promptTemplate, 'promptTemplate');
  }
  const branch = t.branch !== undefined ? render(t.branch, 'branch') : undefined;
  const spec = spawnedTaskSpec(t, { prompt, branch, upstreamRepo: t.upstreamRepo ?? upstreamRepoOf(spawner) });
  return spawnedTask(spawner, name, labels, annotations, spec);
}

/** `owner/repo` of a GitHub source's `repo` override (the fork workflow), else undefined. */
export function upstreamRepoOf(spawner: Pick<TaskSpawner, 'spec'>): string | undefined {
  const repo = spawner.spec.when.githubIssues?.repo || spawner.spec.when.githubPullRequests?.repo;
  if (!repo) return undefined;
  try {
    const r = parseRepo(repo);
    return `${r.owner}/${r.repo}`;
  } catch {
    return undefined;
  }
}
