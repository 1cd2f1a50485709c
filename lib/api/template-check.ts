import { parseTemplate, TemplateError, templateFieldPaths } from '../template/index.js';
import { didYouMean } from './suggest.js';
import type { SourceName } from './task-spawner.js';
import { CONTEXT_VARIABLE, DEPENDENCY_FIELDS, POLLING_SOURCES, SOURCE_VARIABLES, SPAWNER_VARIABLES, TASK_PROMPT_VARIABLES } from './template-variables.js';

/** A variable that holds named entries: `.Deps.<task>`, `.Context.<name>`. */
export interface KeyedVariable {
  /** The names it holds. */
  readonly keys: readonly string[];
  /** Where the names come from, for messages: "dependsOn". */
  readonly from: string;
  /** The fields of each entry; undefined when an entry is a plain value. */
  readonly fields?: readonly string[];
}

/** What a template's data holds, for checking the fields it reads. */
export interface TemplateScope {
  /** The top-level variables. */
  readonly variables: readonly string[];
  /** Variables the data defines but always leaves empty (a polling source's unused ones). */
  readonly unset?: readonly string[];
  /** Variables holding objects whose fields are not known in advance (`.Payload`). */
  readonly objects?: readonly string[];
  /** Variables holding named entries, checked against their names. */
  readonly keyed?: Readonly<Record<string, KeyedVariable>>;
  /** Whose variables they are, for messages: "a githubIssues source". */
  readonly owner: string;
}

const TASK_PROMPT_NAMES = TASK_PROMPT_VARIABLES.map((x) => x.name);
const DEPENDENCY_NAMES = DEPENDENCY_FIELDS.map((x) => x.name);

export interface SpawnerTemplateOptions {
  /** The template is the promptTemplate (which also sees `.Name` and `.Deps` with dependsOn). */
  readonly prompt?: boolean;
  /** The taskTemplate's dependsOn. */
  readonly dependsOn?: readonly string[];
  /** The names of the taskTemplate's contextSources: `.Context.<name>`. Undefined for a context source's own templates. */
  readonly contextSources?: readonly string[];
  /** The keys of a generic webhook's fieldMapping, which are variables too. */
  readonly fieldMapping?: readonly string[];
}

/**
 * The data of a spawner's template: the variables its source sets; with
 * contextSources, `.Context`; and for the prompt of a taskTemplate with
 * `dependsOn`, `.Name` and `.Deps` (bound when the Task's prompt is rendered).
 */
export function spawnerTemplateScope(source: SourceName, options: SpawnerTemplateOptions = {}): TemplateScope {
  const own = SOURCE_VARIABLES[source];
  const variables = [...own.map((x) => x.name), ...(options.fieldMapping ?? []).filter((k) => !own.some((x) => x.name === k))];
  const keyed: Record<string, KeyedVariable> = {};
  if (options.contextSources?.length) {
    variables.push(CONTEXT_VARIABLE.name);
    keyed[CONTEXT_VARIABLE.name] = { keys: options.contextSources, from: 'contextSources' };
  }
  if (options.prompt && options.dependsOn?.length) {
    variables.push(...TASK_PROMPT_NAMES);
    keyed.Deps = { keys: options.dependsOn, from: 'dependsOn', fields: DEPENDENCY_NAMES };
  }
  return {
    variables,
    unset: POLLING_SOURCES.includes(source) ? SPAWNER_VARIABLES.filter((x) => !variables.includes(x)) : [],
    objects: own.filter((x) => x.object).map((x) => x.name),
    keyed,
    owner: `a ${source} source`,
  };
}

/** The data of a Task's prompt: rendered, with `.Name` and `.Deps`, only when the Task has `dependsOn`. */
export function taskPromptScope(dependsOn: readonly string[]): TemplateScope {
  return { variables: TASK_PROMPT_NAMES, keyed: { Deps: { keys: dependsOn, from: 'dependsOn', fields: DEPENDENCY_NAMES } }, owner: 'a Task prompt' };
}

const quote = (s: string) => JSON.stringify(s);
const hinted = (hint: string | undefined, show: (h: string) => string) => (hint ? ` (did you mean ${show(hint)}?)` : '');

/**
 * What is wrong with a template, each problem once: it does not parse, or it
 * reads a variable its data does not have (with the likely one meant), an
 * entry of `.Deps` or `.Context` that dependsOn or contextSources does not
 * name, a field a dependency does not have, or a field of a plain value.
 * Fields read through `with`, `range` or variables are not traced. Empty
 * when the template is fine.
 */
export function templateProblems(text: string, name: string, scope: TemplateScope): string[] {
  let paths: string[][];
  try {
    paths = templateFieldPaths(parseTemplate(text, name));
  } catch (err) {
    if (err instanceof TemplateError) return [`is not a valid Go template: ${err.message}`];
    throw err;
  }
  const problems = new Set<string>();
  const has = scope.variables.map((x) => `.${x}`).join(', ');
  for (const path of paths) {
    const [top, key, field, sub] = path as [string, ...(string | undefined)[]];
    if (!scope.variables.includes(top)) {
      let why = `which ${scope.owner} does not have`;
      if (TASK_PROMPT_NAMES.includes(top)) why = 'which only the prompt of a Task with dependsOn has';
      else if (top === CONTEXT_VARIABLE.name) why = 'which only a taskTemplate with contextSources has';
      else if (scope.unset?.includes(top)) why = `which ${scope.owner} leaves empty`;
      problems.add(`reads .${top}, ${why}${hinted(didYouMean(top, scope.variables), (h) => `.${h}`)}; ${has ? `it has ${has}` : 'it has no variables'}`);
      continue;
    }
    if (key === undefined || scope.objects?.includes(top)) continue;
    const keyed = scope.keyed?.[top];
    if (!keyed) {
      problems.add(`reads .${path.join('.')}, but .${top} is a plain value with no fields`);
      continue;
    }
    if (!keyed.keys.includes(key)) {
      problems.add(
        `reads .${top} ${quote(key)}, which is not in ${keyed.from}${hinted(didYouMean(key, keyed.keys), quote)}; ${keyed.from} has ${keyed.keys.map(quote).join(', ')}`,
      );
      continue;
    }
    if (field === undefined) continue;
    if (!keyed.fields) {
      problems.add(`reads .${top} ${quote(key)} ${quote(field)}, but .${top} ${quote(key)} is a plain value with no fields`);
      continue;
    }
    if (!keyed.fields.includes(field)) {
      problems.add(
        `reads .${top} ${quote(key)} ${quote(field)}, which a dependency does not have${hinted(didYouMean(field, keyed.fields), quote)}; it has ${keyed.fields.map(quote).join(', ')}`,
      );
      continue;
    }
    if (field === 'Name' && sub !== undefined)
      problems.add(`reads .${top} ${quote(key)} "Name" ${quote(sub)}, but a dependency's Name is a plain value with no fields`);
  }
  return [...problems];
}
