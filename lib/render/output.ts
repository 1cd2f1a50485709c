// Writing owned output: deterministic YAML, changed files only, stale files removed.
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'yaml';

export interface OutputFile {
  /** Path relative to the output folder, with `/` separators. */
  readonly path: string;
  readonly content: string;
}

/**
 * YAML with sorted keys, block scalars for multi-line strings, no line folding.
 * `keysSorted` skips the sort for objects whose keys are sorted already
 * (cdk8s's `toJson()` sorts them).
 */
export function renderYaml(obj: unknown, keysSorted = false): string {
  return stringify(obj, { sortMapEntries: !keysSorted, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Lists the files under a folder (relative paths, `/` separators); none when
 * it does not exist. Hidden entries (`.name`) and symbolic links are passed
 * over: a walk never leaves the folder.
 */
export function listFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.isSymbolicLink()) continue;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name)).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

/** Makes `outdir` hold exactly `files`: writes what changed, removes what is no longer produced. */
export function writeOutput(outdir: string, files: readonly OutputFile[]): void {
  mkdirSync(outdir, { recursive: true });
  const wanted = new Map(files.map((f) => [f.path, f.content]));
  for (const existing of listFiles(outdir)) {
    if (!wanted.has(existing)) rmSync(join(outdir, existing));
  }
  for (const [path, content] of wanted) {
    const full = join(outdir, path);
    let current: string | undefined;
    try {
      current = readFileSync(full, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  removeEmptyDirs(outdir, outdir);
}

function removeEmptyDirs(dir: string, root: string): void {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) removeEmptyDirs(p, root);
  }
  if (dir !== root && readdirSync(dir).length === 0 && relative(root, dir) !== '') rmdirSync(dir);
}
