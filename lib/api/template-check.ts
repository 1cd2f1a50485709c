import { TemplateError, parseTemplate, templateFieldPaths } from '../template/index.js';
import { didYouMean } from './suggest.js';
import type { SourceName } from './task-spawner.js';
import { DEPENDENCY_FIELDS, SOURCE_VARIABLES, SPAWNER_VARIABLES, TASK_PROMPT_VARIABLES } from './template-variables.js';

/** What a template's data holds, for checking the fields it reads. */
export interface TemplateScope {
  /** The top-level variables. */
  readonly variables: readonly string[];
  /** Variables the data defines but always leaves empty (a source's unused ones). */
  readonly unset?: readonly string[];
  /** Whose variables they are, for messages: "a githubIssues source". */
  readonly owner: string;
  /** The Task names `.Deps` holds (the dependsOn list); undefined when there is no `.Deps`. */
  readonly deps?: readonly string[];
}

const TASK_PROMPT_NAMES = TASK_PROMPT_VARIABLES.map((x) => x.name);
const DEPENDENCY_NAMES = DEPENDENCY_FIELDS.map((x) => x.name);

/**
 * The data of a spawner's template: the variables its source sets, and for
 * the prompt of a taskTemplate with `dependsOn` also `.Name` and `.Deps`
 * (bound when the Task's prompt is rendered).
 */
export function spawnerTemplateScope(source: SourceName, options: { readonly prompt?: boolean; readonly dependsOn?: readonly string[] } = {}): TemplateScope {
  const variables = SOURCE_VARIABLES[source].map((x) => x.name);
  const deps = options.prompt && options.dependsOn?.length ? options.dependsOn : undefined;
  return {
    variables: deps ? [...variables, ...TASK_PROMPT_NAMES] : variables,
    unset: SPAWNER_VARIABLES.filter((x) => !variables.includes(x)),
    owner: `a ${source} source`,
    ...(deps ? { deps } : {}),
  };
}

/** The data of a Task's prompt: rendered, with `.Name` and `.Deps`, only when the Task has `dependsOn`. */
export function taskPromptScope(dependsOn: readonly string[]): TemplateScope {
  return { variables: TASK_PROMPT_NAMES, owner: 'a Task prompt', deps: dependsOn };
}

/**
 * What is wrong with a template, each problem once: it does not parse, or it
 * reads a variable its data does not have (with the likely one meant), a key
 * of `.Deps` not in dependsOn, a field a dependency does not have, or a field
 * of a plain value. Fields read through `with`, `range` or variables are not
 * traced. Empty when the template is fine.
 */
export function templateProblems(text: string, name: string, scope: TemplateScope): string[] {
  let paths: string[][];
  try {
    paths = templateFieldPaths(parseTemplate(text, name));
  } catch (err) {
    if (err instanceof TemplateError) return [`is not a valid template: ${err.message}`];
    throw err;
  }
  const problems = new Set<string>();
  const has = scope.variables.map((x) => `.${x}`).join(', ');
  for (const path of paths) {
    const [top, key, field, sub] = path as [string, ...(string | undefined)[]];
    if (!scope.variables.includes(top)) {
      const hint = didYouMean(top, scope.variables);
      let why = `which ${scope.owner} does not have`;
      if (TASK_PROMPT_NAMES.includes(top)) why = 'which only the prompt of a Task with dependsOn has';
      else if (scope.unset?.includes(top)) why = `which ${scope.owner} leaves empty`;
      problems.add(`reads .${top}, ${why}${hint ? ` (did you mean .${hint}?)` : ''}; ${has ? `it has ${has}` : 'it has no variables'}`);
      continue;
    }
    if (top !== 'Deps') {
      if (key !== undefined) problems.add(`reads .${path.join('.')}, but .${top} is a plain value with no fields`);
      continue;
    }
    if (key === undefined || !scope.deps) continue;
    if (!scope.deps.includes(key)) {
      const hint = didYouMean(key, scope.deps);
      problems.add(
        `reads .Deps ${JSON.stringify(key)}, which is not in dependsOn${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; dependsOn has ${scope.deps.map((d) => JSON.stringify(d)).join(', ')}`,
      );
      continue;
    }
    if (field === undefined) continue;
    if (!DEPENDENCY_NAMES.includes(field)) {
      const hint = didYouMean(field, DEPENDENCY_NAMES);
      problems.add(
        `reads .Deps ${JSON.stringify(key)} ${JSON.stringify(field)}, which a dependency does not have${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; it has ${DEPENDENCY_NAMES.map((d) => JSON.stringify(d)).join(', ')}`,
      );
      continue;
    }
    if (field === 'Name' && sub !== undefined) problems.add(`reads .Deps ${JSON.stringify(key)} "Name" ${JSON.stringify(sub)}, but a dependency's Name is a plain value with no fields`);
  }
  return [...problems];
}
