// `kelos diff`: the rendered output against the live cluster, like
// `kubectl diff --server-side`: each object is applied with a server-side
// dry-run and the result compared with what is live. Exit 1 when they differ.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FIELD_MANAGER } from '../../lib/api/constants.js';
import { isNotFound, KubeError } from '../../lib/kube/kube-error.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { listFiles, renderYaml } from '../../lib/render/output.js';
import { UserError } from '../errors.js';
import { readProjectConfig } from '../project.js';
import { runApp } from '../synth.js';
import { type GlobalOptions, withCluster } from './_context.js';
import { applyObject, describeObject, kindRank, type Manifest, RestMapper } from './_rest.js';

export interface DiffOptions {
  /** Re-synthesise first: true for the app of cdk8s.yaml, or a command. */
  readonly app?: boolean | string;
  /** The rendered folder (default: `output` of cdk8s.yaml). */
  readonly output?: string;
  /** Also diff dist/argocd/ (needs ArgoCD's CRDs in the cluster). */
  readonly argocd?: boolean;
}

/** The objects of a rendered folder, CRDs and namespaces first. */
export function readRendered(dir: string, argocd = false): Array<{ file: string; obj: Manifest }> {
  const out: Array<{ file: string; obj: Manifest }> = [];
  for (const file of listFiles(dir)) {
    if (!/\.ya?ml$/.test(file) || (!argocd && file.startsWith('argocd/'))) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new UserError(`${join(dir, file)} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      const obj = doc.toJS() as Manifest | null;
      if (obj && typeof obj === 'object' && obj.kind && obj.apiVersion) out.push({ file, obj });
    }
  }
  return out.sort((a, b) => kindRank(a.obj.kind) - kindRank(b.obj.kind));
}

/** Fields that change on every write or only describe bookkeeping. */
export function normalise(obj: Record<string, any>): Record<string, any> {
  const o = structuredClone(obj);
  if (o.metadata) {
    delete o.metadata.managedFields;
    delete o.metadata.resourceVersion;
    delete o.metadata.generation;
  }
  return o;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One lookup per key. */
function memo<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (key) => {
    let p = seen.get(key);
    if (!p) seen.set(key, (p = fn(key)));
    return p;
  };
}

const fileName = (obj: Manifest) => {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return [group || 'core', version, obj.kind, obj.metadata.namespace, obj.metadata.name].filter(Boolean).join('.');
};

/** A unified diff from `diff -u` (or $KELOS_EXTERNAL_DIFF), or a plain listing without it. */
function showDiff(liveDir: string, mergedDir: string, files: string[]): string {
  const external = process.env.KELOS_EXTERNAL_DIFF;
  const [cmd, ...args] = external ? external.split(/\s+/) : ['diff', '-u', '-N'];
  let text = '';
  for (const f of files) {
    const r = spawnSync(cmd!, [...args, join(liveDir, f), join(mergedDir, f)], { encoding: 'utf8' });
    if (r.error) {
      const live = existsSync(join(liveDir, f)) ? readFileSync(join(liveDir, f), 'utf8') : '';
      const merged = readFileSync(join(mergedDir, f), 'utf8');
      text += `--- ${join(liveDir, f)}\n+++ ${join(mergedDir, f)}\n${live
        .split('\n')
        .filter(Boolean)
        .map((l) => `-${l}`)
        .join('\n')}\n${merged
        .split('\n')
        .filter(Boolean)
        .map((l) => `+${l}`)
        .join('\n')}\n`;
    } else {
      text += r.stdout;
    }
  }
  return text;
}

export async function runDiff(g: GlobalOptions, opts: DiffOptions): Promise<void> {
  const project = readProjectConfig();
  let dir = opts.output ?? project.output;
  let tmp: string | undefined;
  try {
    if (opts.app) {
      tmp = mkdtempSync(join(tmpdir(), 'kelos-diff-'));
      await runApp(typeof opts.app === 'string' ? opts.app : project.app, join(tmp, 'out'));
      dir = join(tmp, 'out');
    } else if (!existsSync(dir)) {
      throw new UserError(`${dir}/ does not exist: run \`kelos synth\` first, or pass --app to render the app`);
    }
    const rendered = readRendered(dir, opts.argocd);
    if (rendered.length === 0) throw new UserError(`${dir}/ holds no Kubernetes objects`);
    const work = mkdtempSync(join(tmpdir(), 'kelos-diff-'));
    const liveDir = join(work, 'LIVE');
    const mergedDir = join(work, 'MERGED');
    mkdirSync(liveDir);
    mkdirSync(mergedDir);
    const changed: string[] = [];
    const problems: string[] = [];
    let created = 0;
    /** Namespaces the cluster does not have, with how many rendered objects are in each. */
    const missingNamespaces = new Map<string, number>();
    try {
      await withCluster(
        g,
        async ({ client }) => {
          const mapper = new RestMapper(client);
          const namespaceExists = memo((ns: string) => client.get(resourcePath(Resources.namespaces, { name: ns })).then((n) => n !== undefined));
          for (const { file, obj } of rendered) {
            const name = fileName(obj);
            const path = await mapper.path(obj);
            let live: Manifest | undefined;
            let merged: Manifest;
            if (!path) {
              problems.push(
                `${describeObject(obj)} (${dir}/${file}): the cluster does not serve ${obj.apiVersion} ${obj.kind}; install its CRD first (kelos install for kelos.dev)`,
              );
              merged = obj;
            } else {
              live = await client.get<Manifest>(path);
              try {
                merged = await applyObject(client, mapper, obj, { dryRun: true });
              } catch (err) {
                if (!live && isNotFound(err)) {
                  const ns = obj.metadata.namespace;
                  if (ns && !(await namespaceExists(ns))) missingNamespaces.set(ns, (missingNamespaces.get(ns) ?? 0) + 1);
                  merged = obj;
                } else if (err instanceof KubeError && (err.statusCode === 422 || err.statusCode === 400 || err.statusCode === 409)) {
                  problems.push(`${describeObject(obj)} (${dir}/${file}): ${err.message}`);
                  continue;
                } else {
                  throw err;
                }
              }
            }
            const a = live ? renderYaml(normalise(live)) : undefined;
            const b = renderYaml(normalise(merged));
            if (a === b) continue;
            if (a !== undefined) writeFileSync(join(liveDir, name), a);
            else created++;
            writeFileSync(join(mergedDir, name), b);
            changed.push(name);
          }
        },
        FIELD_MANAGER,
      );
      if (changed.length > 0) process.stdout.write(showDiff(liveDir, mergedDir, changed));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // A dry-run cannot show what would be made in a namespace that does not exist: say so.
    const renderedNamespaces = new Set(rendered.filter((r) => r.obj.kind === 'Namespace').map((r) => r.obj.metadata.name));
    for (const [ns, count] of [...missingNamespaces].sort()) {
      const what = `namespace "${ns}" does not exist in the cluster (${plural(count, 'object')} of ${dir}/ in it ${count === 1 ? 'is' : 'are'} shown as rendered, without the apiserver's defaults)`;
      if (renderedNamespaces.has(ns)) process.stderr.write(`Note: ${what}; ${dir}/ creates it\n`);
      else problems.push(`${what}, and ${dir}/ does not create it: applying would fail; create it (kubectl create namespace ${ns}) or let the chart render it`);
    }
    for (const p of problems) process.stderr.write(`Error: ${p}\n`);
    if (changed.length === 0 && problems.length === 0) {
      process.stderr.write(`${opts.app ? "the app's output" : `${dir}/`} matches the cluster (${rendered.length} objects)\n`);
      return;
    }
    if (changed.length > 0) {
      process.stderr.write(`${changed.length} of ${rendered.length} objects differ from the cluster${created ? ` (${created} not there yet)` : ''}\n`);
    }
    process.exitCode = problems.length > 0 ? 2 : 1;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
