// The dependency rules between folders, read from the import statements
// (static, type-only and dynamic) of every source file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repository-relative file → the repository-relative files it imports (relative specifiers only). */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap(sources)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    graph.set(
      file,
      importedFiles
        .map((i) => i.fileName)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts')))),
    );
  }
  return graph;
}

/** `from → to` for every import of a file under `from` of a file under `to`. */
function crossings(graph: Map<string, string[]>, from: string, to: (target: string) => boolean): string[] {
  return [...graph].flatMap(([file, targets]) => (file.startsWith(from) ? targets.filter(to).map((t) => `${file} → ${t}`) : []));
}

function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

const graph = importGraph(['lib', 'constructs', 'cli']);
const under =
  (...dirs: string[]) =>
  (target: string) =>
    dirs.some((d) => target.startsWith(`${d}/`));

describe('layering', () => {
  it('reads imports, so a rule can fail', () => {
    expect(graph.get('lib/spawner/spawner.ts')).toContain('lib/github/client.ts');
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual(['a → b → a']);
  });

  it('keeps the controller and the spawner apart: what both need lives in lib/github, lib/render or lib/kube', () => {
    expect(crossings(graph, 'lib/controller/', under('lib/spawner'))).toEqual([]);
    expect(crossings(graph, 'lib/spawner/', under('lib/controller'))).toEqual([]);
  });

  it('keeps the spawner and the webhook server apart: what both need (contextSources, JSONPath) lives in lib/context', () => {
    expect(crossings(graph, 'lib/spawner/', under('lib/webhook'))).toEqual([]);
    expect(crossings(graph, 'lib/webhook/', under('lib/spawner'))).toEqual([]);
    expect(crossings(graph, 'lib/context/', (t) => !under('lib/context', 'lib/api', 'lib/template')(t))).toEqual([]);
  });

  it('lets lib/github depend on lib/api only', () => {
    expect(crossings(graph, 'lib/github/', (t) => !under('lib/github', 'lib/api')(t))).toEqual([]);
  });

  it('keeps lib/ free of constructs/ and cli/', () => {
    expect(crossings(graph, 'lib/', under('constructs', 'cli'))).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
