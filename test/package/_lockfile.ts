// A package-lock.json for a test project, cut from this repository's own lock,
// so `npm ci --offline` installs it from the npm cache `npm ci` filled: every
// package it needs is locked with its integrity, and no registry document is asked for.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lock {
  name: string;
  version: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

export interface ProjectDeps {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** Where Node would find `dep` when required from the package installed at `from` (a lock key). */
function locate(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
  for (let at = from; ; ) {
    const key = at === '' ? `node_modules/${dep}` : `${at}/node_modules/${dep}`;
    if (packages[key]) return key;
    if (at === '') return undefined;
    const i = at.lastIndexOf('/node_modules/');
    at = i < 0 ? '' : at.slice(0, i);
  }
}

/**
 * The lock of a project with `deps`, where `kelos` is the packed tarball at
 * `tarball` (a path relative to the project) and every other package is taken
 * with its place in the tree from `repoLock`.
 */
export function projectLock(name: string, deps: ProjectDeps, repoLock: Lock, tarball: { path: string; file: string; manifest: LockEntry }): Lock {
  const source = repoLock.packages;
  const kelos: LockEntry = {
    version: tarball.manifest.version,
    resolved: `file:${tarball.path}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball.file)).digest('base64')}`,
    ...pick(tarball.manifest, ['license', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']),
  };
  const packages: Record<string, LockEntry> = { 'node_modules/kelos': kelos };
  const all = { ...source, ...packages };
  const queue: string[] = [];
  const want = (from: string, dep: string, optional: boolean) => {
    const key = locate(all, from, dep);
    if (!key) {
      if (optional) return;
      throw new Error(`${dep} (needed by ${from || name}) is not in the repository's package-lock.json`);
    }
    if (!packages[key]) {
      packages[key] = locked(key, all[key]);
      queue.push(key);
    }
  };
  for (const dep of Object.keys({ ...deps.dependencies, ...deps.devDependencies })) want('', dep, false);
  queue.push('node_modules/kelos');
  while (queue.length) {
    const key = queue.shift()!;
    const e = all[key];
    for (const dep of Object.keys(e.dependencies ?? {})) want(key, dep, false);
    for (const dep of Object.keys(e.optionalDependencies ?? {})) want(key, dep, true);
    for (const dep of Object.keys(e.peerDependencies ?? {})) want(key, dep, e.peerDependenciesMeta?.[dep]?.optional ?? false);
  }
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    name,
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name, version: '1.0.0', ...deps }, ...sorted },
  };
}

/**
 * The entry with its tarball URL (the repository's lock omits it, and npm would
 * ask the registry for it), without the flags that describe the repository's
 * tree rather than the project's (npm works them out again).
 */
function locked(key: string, e: LockEntry): LockEntry {
  const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = e;
  if (rest.resolved || !rest.version) return rest;
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return { ...rest, resolved: `${REGISTRY}${name}/-/${name.split('/').pop()}-${rest.version}.tgz` };
}

const REGISTRY = 'https://registry.npmjs.org/';

function pick(o: LockEntry, keys: string[]): LockEntry {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
