import { TaskPhase } from '../api/constants.js';
import type { Task } from '../api/task.js';

export type DependencyState =
  | { readonly state: 'ready' }
  | { readonly state: 'cycle'; readonly path: readonly string[] }
  | { readonly state: 'failed'; readonly name: string }
  | { readonly state: 'waiting'; readonly name: string; readonly reason: 'missing' | 'unfinished'; readonly phase?: string };

/**
 * A cycle through `task` in the dependsOn graph of its namespace, as the path
 * `task → … → task`; undefined when there is none. Missing Tasks end a path.
 */
export function findCycle(task: Task, tasks: ReadonlyMap<string, Task>): string[] | undefined {
  const start = task.metadata.name!;
  const done = new Set<string>();
  const path: string[] = [start];
  const visit = (deps: readonly string[]): boolean => {
    for (const dep of deps) {
      if (dep === start) {
        path.push(dep);
        return true;
      }
      if (done.has(dep)) continue;
      done.add(dep);
      const next = tasks.get(dep);
      if (!next) continue;
      path.push(dep);
      if (visit(next.spec?.dependsOn ?? [])) return true;
      path.pop();
    }
    return false;
  };
  return visit(task.spec.dependsOn ?? []) ? path : undefined;
}

/** Where the Task's dependencies stand: a cycle first, then a failure, then the first one not done. */
export function dependencyState(task: Task, tasks: ReadonlyMap<string, Task>): DependencyState {
  const deps = task.spec.dependsOn ?? [];
  if (deps.length === 0) return { state: 'ready' };
  const cycle = findCycle(task, tasks);
  if (cycle) return { state: 'cycle', path: cycle };
  for (const name of deps) {
    if (tasks.get(name)?.status?.phase === TaskPhase.FAILED) return { state: 'failed', name };
  }
  for (const name of deps) {
    const dep = tasks.get(name);
    if (!dep) return { state: 'waiting', name, reason: 'missing' };
    if (dep.status?.phase !== TaskPhase.SUCCEEDED) {
      return { state: 'waiting', name, reason: 'unfinished', ...(dep.status?.phase ? { phase: dep.status.phase } : {}) };
    }
  }
  return { state: 'ready' };
}

/** The data prompts of dependants are rendered with: `.Deps.<name>.{Results,Outputs,Name}` and `.Name`. */
export function promptData(task: Task, tasks: ReadonlyMap<string, Task>): Record<string, unknown> {
  const deps: Record<string, unknown> = {};
  for (const name of task.spec.dependsOn ?? []) {
    const dep = tasks.get(name);
    deps[name] = { Name: name, Results: { ...(dep?.status?.results ?? {}) }, Outputs: [...(dep?.status?.outputs ?? [])] };
  }
  return { Name: task.metadata.name, Deps: deps };
}
