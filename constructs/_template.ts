// Synth-time checks of Go text/template strings (prompts, branches, metadata) and of dependsOn.
import type { Construct, IConstruct } from 'constructs';
import { type TemplateScope, templateProblems } from '../lib/api/template-check.js';
import { parseTemplate, TemplateError } from '../lib/template/index.js';
import { namespaceOf, PropError, show } from './_util.js';

/** Throws a PropError when `text` is not a valid Go template. */
export function checkTemplate(scope: Construct, prop: string, text: string | undefined): void {
  if (text === undefined) return;
  try {
    parseTemplate(text, prop);
  } catch (err) {
    if (err instanceof TemplateError) throw new PropError(scope, prop, `is not a valid Go template: ${err.message}`);
    throw err;
  }
}

/**
 * Throws a PropError when `text` does not parse or reads what its data does
 * not have: a variable of another source, a misspelt one, a `.Deps` entry
 * not in dependsOn (docs/template-variables.md).
 */
export function checkTemplateFields(scope: Construct, prop: string, text: string | undefined, data: TemplateScope): void {
  if (text === undefined) return;
  const [problem] = templateProblems(text, prop, data);
  if (problem) throw new PropError(scope, prop, problem);
}

/**
 * The names of the Tasks `scope` depends on. Throws a PropError for one in
 * another namespace: Kelos looks dependsOn up in the dependant's own
 * namespace, so the dependant would wait forever.
 */
export function checkDependencies(scope: Construct, tasks: ReadonlyArray<IConstruct & { readonly taskName: string }>): string[] {
  const here = namespaceOf(scope);
  for (const t of tasks) {
    const there = namespaceOf(t);
    if (there !== here) {
      throw new PropError(
        scope,
        'dependsOn',
        `names Task ${show(t.taskName)} of namespace ${show(there)}, but dependsOn is looked up in ${show(here)}, the namespace of ${scope.node.path}: it would wait forever; depend on a Task of the same namespace`,
      );
    }
  }
  return tasks.map((t) => t.taskName);
}
