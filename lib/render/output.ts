// Writing owned output: deterministic YAML, replaced as a whole, only generated files removed.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  type Dirent,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { fastYaml } from './_fast-yaml.js';

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
  return fastYaml(obj, !keysSorted) ?? libraryYaml(obj, keysSorted);
}

/** `renderYaml` by the `yaml` library alone (what the fast path must match byte for byte). */
export function libraryYaml(obj: unknown, keysSorted = false): string {
  return stringify(obj, { sortMapEntries: !keysSorted, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Lists the files under a folder (relative paths, `/` separators); none when
 * it does not exist. Symbolic links are passed over, so a walk never leaves
 * the folder, and so is the list of generated files synth keeps there.
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
    if (e.isSymbolicLink() || e.name === GENERATED_LIST) continue;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name)).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

/** The list of generated files that `writeOutput` keeps in the output folder. */
export const GENERATED_LIST = '.kelos-generated';
const LIST_HEADER = '# Written by kelos synth: the files it generated here. It replaces and removes only these.\n';

/** An output folder kelos will not write: nothing was changed. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/**
 * Makes `outdir` hold `files`, and of what it held before, removes only the
 * files it generated (listed in `.kelos-generated`; in a folder without the
 * list, files of its own naming scheme, `<chart>/<Kind>.<name>.yaml`, whose
 * `kind` matches). Everything is written into a new folder beside `outdir`
 * first, files that kelos did not write are carried over (hard links, and
 * symbolic links as links), and the new folder replaces the old one by
 * rename, so a failure leaves `outdir` as it was. A symbolic link inside
 * `outdir` is never followed: one in the way of a file is an OutputError, as
 * is a file kelos did not write at a path it must write.
 */
export function writeOutput(outdir: string, files: Iterable<OutputFile>): void {
  const wanted = new Set<string>();
  const target = outputFolder(outdir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const existing = lstatOrUndefined(target);
  if (existing && !existing.isDirectory()) throw new OutputError(`${outdir} is not a folder`);
  const previous = existing ? generatedFiles(target) : new Set<string>();

  const staging = freshFolder(parent, basename(target), 'new');
  try {
    const made = new Set<string>();
    // Written as they come (an iterable may render them one at a time); a later file of the same path wins.
    for (const { path, content } of files) {
      checkOutputPath(path);
      wanted.add(path);
      const dir = dirname(join(staging, path));
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(join(staging, path), content);
    }
    writeFileSync(join(staging, GENERATED_LIST), `${LIST_HEADER}${[...wanted].sort().join('\n')}\n`);
    if (existing) {
      const wantedDirs = new Set(
        [...wanted].flatMap((p) =>
          p
            .split('/')
            .slice(0, -1)
            .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
        ),
      );
      carryOver(target, staging, '', { previous, wanted, wantedDirs });
      chmodSync(staging, existing.mode & 0o7777);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  if (!existing) {
    renameSync(staging, target);
    return;
  }
  const old = freshFolder(parent, basename(target), 'old', false);
  renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (err) {
    renameSync(old, target);
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  // Only links to what was carried over, and the old generated files.
  rmSync(old, { recursive: true, force: true });
}

/**
 * The files kelos generated in an output folder: those `.kelos-generated`
 * lists, or without the list, files of its naming scheme whose `kind` matches.
 */
export function generatedFiles(outdir: string): Set<string> {
  const list = join(outdir, GENERATED_LIST);
  if (lstatOrUndefined(list)?.isFile()) {
    const paths = readFileSync(list, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && isOutputPath(l));
    return new Set(paths);
  }
  return new Set(
    listFiles(outdir).filter((path) => {
      const m = /^(?:argocd\/[^/]+|[^/]+\/([A-Z][A-Za-z0-9]*)\.[^/]+)\.yaml$/.exec(path);
      if (!m) return false;
      const kind = /^kind: (\S+)$/m.exec(readFileSync(join(outdir, path), 'utf8'))?.[1];
      return kind === (m[1] ?? 'Application');
    }),
  );
}

interface CarryOver {
  readonly previous: ReadonlySet<string>;
  readonly wanted: ReadonlySet<string>;
  readonly wantedDirs: ReadonlySet<string>;
}

/** Links what kelos did not generate from `from` into `to`, refusing what is in the way of a wanted file. */
function carryOver(from: string, to: string, rel: string, c: CarryOver): void {
  const entries = readdirSync(join(from, rel), { withFileTypes: true });
  if (entries.length === 0 && rel !== '') mkdirSync(join(to, rel), { recursive: true });
  for (const e of entries) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    const src = join(from, path);
    const dst = join(to, path);
    if (path === GENERATED_LIST) continue;
    if (e.isDirectory()) {
      if (c.wanted.has(path)) throw new OutputError(`${src} is a folder where kelos synth writes a file; move it away or delete it`);
      carryOver(from, to, path, c);
      continue;
    }
    if (c.previous.has(path)) continue;
    if (c.wanted.has(path)) throw new OutputError(`${src} exists and was not written by kelos synth; move it away or delete it`);
    if (c.wantedDirs.has(path)) {
      throw new OutputError(
        e.isSymbolicLink()
          ? `${src} is a symbolic link; kelos synth does not write through symbolic links: remove it or choose another output folder`
          : `${src} is a file where kelos synth writes a folder; move it away or delete it`,
      );
    }
    mkdirSync(dirname(dst), { recursive: true });
    if (e.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else linkSync(src, dst);
  }
}

/** The folder to write: `outdir` itself, or where it points when it is a symbolic link (the caller's choice). */
function outputFolder(outdir: string): string {
  const abs = resolve(outdir);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    real = abs;
  }
  const cwd = process.cwd();
  if (real === dirname(real) || cwd === real || cwd.startsWith(`${real}${sep}`)) {
    throw new OutputError(`${outdir} holds the working directory; kelos synth replaces its output folder, so give it a folder of its own (e.g. dist)`);
  }
  return real;
}

function checkOutputPath(path: string): void {
  if (!isOutputPath(path)) {
    throw new OutputError(
      `output path ${JSON.stringify(path)} must be relative to the output folder and must not contain "." or ".." segments or hidden names`,
    );
  }
}

function isOutputPath(path: string): boolean {
  return (
    path !== '' && !path.startsWith('/') && !path.includes('\\') && path.split('/').every((seg) => seg !== '' && !seg.startsWith('.') && !seg.includes('\0'))
  );
}

/** A new, empty folder beside `base` in `parent`, named so it is hidden and recognisable. */
function freshFolder(parent: string, base: string, kind: 'new' | 'old', create = true): string {
  for (;;) {
    const path = join(parent, `.${base}.kelos-${kind}-${randomBytes(4).toString('hex')}`);
    if (!create) {
      if (!lstatOrUndefined(path)) return path;
      continue;
    }
    try {
      mkdirSync(path);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
