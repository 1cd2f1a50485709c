import { branchNameProblem, invalidBranchMessage } from '../git/ref-format.js';
import { parseRepo, REPO_CREDENTIALS_REASON, RepoUrlError } from '../github/repo-url.js';
import { Kind, Label } from './constants.js';
import { CronScheduleError, cronExpression } from './cron-schedule.js';
import { DEFAULT_PROMPT_TEMPLATE, sourceOf } from './task-spawner.js';
import { spawnerTemplateScope, taskPromptScope, templateProblems } from './template-check.js';
import type { ValidationIssue } from './validate.js';

/**
 * Longest Task name: a Task's Job takes its name, and the Job controller puts
 * it in the pod label `job-name` (label values are at most 63 characters).
 */
export const TASK_NAME_MAX_LENGTH = 63;
/** Longest Task generateName: the apiserver appends 5 random characters. */
export const TASK_GENERATE_NAME_MAX_LENGTH = TASK_NAME_MAX_LENGTH - 5;
/** Longest TaskSpawner name: it is the `kelos.dev/taskspawner` label value of every Task it spawns. */
export const TASK_SPAWNER_NAME_MAX_LENGTH = 63;

/**
 * The checks of kelos.dev objects that the apiserver does not make but that
 * would fail once the object runs: templates (syntax, variables of the
 * source, `.Deps` against dependsOn), cron schedules, names too long for the
 * Job or label they become, dependsOn outside the Task's namespace, and
 * repository URLs kelos refuses (credentials among them). Run after (or
 * beside) `validateObject`; values of the wrong type are left to it.
 */
export function checkObject(obj: unknown): ValidationIssue[] {
  if (!isRecord(obj)) return [];
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  switch (obj.kind) {
    case Kind.TASK:
      return [...taskNameIssues(meta), ...taskIssues(spec, 'spec', false)];
    case Kind.TASK_SPAWNER:
      return [...spawnerNameIssues(meta), ...spawnerIssues(spec)];
    case Kind.WORKSPACE:
      return workspaceIssues(spec);
    default:
      return [];
  }
}

function taskNameIssues(meta: Record<string, unknown>): ValidationIssue[] {
  const { name, generateName } = meta;
  if (typeof name === 'string' && name.length > TASK_NAME_MAX_LENGTH) {
    return [
      {
        path: 'metadata.name',
        message: `Too long: ${name.length} characters: a Task's name becomes its Job's name and the pod label job-name, at most ${TASK_NAME_MAX_LENGTH} characters`,
      },
    ];
  }
  if (name === undefined && typeof generateName === 'string' && generateName.length > TASK_GENERATE_NAME_MAX_LENGTH) {
    return [
      {
        path: 'metadata.generateName',
        message: `Too long: ${generateName.length} characters: with the 5 characters the apiserver adds, a Task's name becomes its Job's name and the pod label job-name (at most ${TASK_NAME_MAX_LENGTH}), so at most ${TASK_GENERATE_NAME_MAX_LENGTH}`,
      },
    ];
  }
  return [];
}

function spawnerNameIssues(meta: Record<string, unknown>): ValidationIssue[] {
  const { name } = meta;
  if (typeof name !== 'string' || name.length <= TASK_SPAWNER_NAME_MAX_LENGTH) return [];
  return [
    {
      path: 'metadata.name',
      message: `Too long: ${name.length} characters: a TaskSpawner's name becomes the ${Label.TASK_SPAWNER} label of every Task it spawns, at most ${TASK_SPAWNER_NAME_MAX_LENGTH} characters`,
    },
  ];
}

/** A Task's spec, or a TaskSpawner's taskTemplate (`inTemplate`), whose prompt is checked elsewhere. */
function taskIssues(spec: Record<string, unknown>, at: string, inTemplate: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const deps = stringList(spec.dependsOn);
  deps.forEach((d, i) => {
    if (d.includes('/')) {
      issues.push({
        path: `${at}.dependsOn[${i}]`,
        message: `Invalid value: ${JSON.stringify(d)}: dependsOn names a Task in the same namespace; a Task in another namespace is never found and the dependant waits forever`,
      });
    }
  });
  // A Task's branch is used as written; a spawner's is a template.
  if (typeof spec.branch === 'string' && spec.branch !== '') {
    const literal = inTemplate ? undefined : branchNameProblem(spec.branch);
    const problem = inTemplate ? branchProblem(spec.branch) : literal && invalidBranchMessage(spec.branch, literal);
    if (problem) issues.push({ path: `${at}.branch`, message: `Invalid value: ${problem}` });
  }
  if (!inTemplate && deps.length > 0 && typeof spec.prompt === 'string') {
    for (const p of templateProblems(spec.prompt, 'prompt', taskPromptScope(deps))) issues.push({ path: `${at}.prompt`, message: p });
  }
  return issues;
}

function spawnerIssues(spec: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const when = isRecord(spec.when) ? spec.when : {};
  const cron = isRecord(when.cron) ? when.cron : undefined;
  if (cron && typeof cron.schedule === 'string') {
    try {
      cronExpression(cron.schedule);
    } catch (err) {
      if (!(err instanceof CronScheduleError)) throw err;
      issues.push({ path: 'spec.when.cron.schedule', message: err.message });
    }
  }
  for (const source of ['githubIssues', 'githubPullRequests'] as const) {
    const s = when[source];
    if (isRecord(s) && typeof s.repo === 'string') issues.push(...repoIssues(s.repo, `spec.when.${source}.repo`));
  }

  const template = isRecord(spec.taskTemplate) ? spec.taskTemplate : {};
  issues.push(...taskIssues(template, 'spec.taskTemplate', true));
  const source = sourceOf({ when } as never);
  if (!source) return issues;
  const dependsOn = stringList(template.dependsOn);
  const contexts = Array.isArray(template.contextSources) ? template.contextSources.filter(isRecord) : [];
  const contextSources = contexts.map((c) => c.name).filter((n): n is string => typeof n === 'string');
  const mapping = isRecord(when.webhook) && isRecord(when.webhook.fieldMapping) ? Object.keys(when.webhook.fieldMapping) : [];
  const check = (text: unknown, path: string, name: string, options: { prompt?: boolean; context?: boolean } = {}) => {
    if (typeof text !== 'string') return;
    const scope = spawnerTemplateScope(source, {
      prompt: options.prompt,
      dependsOn,
      fieldMapping: mapping,
      ...(options.context === false ? {} : { contextSources }),
    });
    for (const p of templateProblems(text, name, scope)) issues.push({ path, message: p });
  };
  check(template.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE, 'spec.taskTemplate.promptTemplate', 'promptTemplate', { prompt: true });
  check(template.branch, 'spec.taskTemplate.branch', 'branch');
  const metadata = isRecord(template.metadata) ? template.metadata : {};
  for (const field of ['labels', 'annotations'] as const) {
    const map = isRecord(metadata[field]) ? metadata[field] : {};
    for (const [k, value] of Object.entries(map)) check(value, `spec.taskTemplate.metadata.${field}[${k}]`, `metadata.${field}[${k}]`);
  }
  // A context source's own templates are rendered over the item, before any context exists.
  contexts.forEach((c, i) => {
    const http = isRecord(c.http) ? c.http : {};
    const at = `spec.taskTemplate.contextSources[${i}].http`;
    check(http.url, `${at}.url`, 'url', { context: false });
    check(http.body, `${at}.body`, 'body', { context: false });
    const headers = isRecord(http.headers) ? http.headers : {};
    for (const [k, value] of Object.entries(headers)) check(value, `${at}.headers[${k}]`, `headers[${k}]`, { context: false });
  });
  return issues;
}

function workspaceIssues(spec: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Any git host may serve a Workspace: of what parseRepo refuses, only credentials count.
  const credentials = (text: string, path: string) => repoIssues(text, path).filter((i) => i.message.endsWith(REPO_CREDENTIALS_REASON));
  if (typeof spec.repo === 'string') issues.push(...credentials(spec.repo, 'spec.repo'));
  if (Array.isArray(spec.remotes)) {
    spec.remotes.forEach((r, i) => {
      if (isRecord(r) && typeof r.url === 'string') issues.push(...credentials(r.url, `spec.remotes[${i}].url`));
    });
  }
  return issues;
}

/** What parseRepo refuses; the message masks credentials. */
function repoIssues(text: string, path: string): ValidationIssue[] {
  try {
    parseRepo(text);
    return [];
  } catch (err) {
    if (!(err instanceof RepoUrlError)) throw err;
    return [{ path, message: err.message }];
  }
}

/**
 * What git would refuse in a branch: the name itself when it is literal, or
 * for a template the text around its actions (each action taken as a plain
 * word), which no item's values can repair. Undefined when git accepts it.
 */
export function branchProblem(branch: string): string | undefined {
  if (!branch.includes('{{')) {
    const problem = branchNameProblem(branch);
    return problem ? invalidBranchMessage(branch, problem) : undefined;
  }
  const sample = branch.replace(
    /(\s*)\{\{(-?)[\s\S]*?(-?)\}\}(\s*)/g,
    (_m, pre: string, left: string, right: string, post: string) => `${left ? '' : pre}x${right ? '' : post}`,
  );
  const problem = branchNameProblem(sample);
  return problem
    ? `template ${JSON.stringify(branch)} renders no valid git branch name whatever the item: ${problem} (see git check-ref-format --branch)`
    : undefined;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
