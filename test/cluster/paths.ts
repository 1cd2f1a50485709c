// Where the test control plane's binaries, run directories and pinned versions live.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clusterDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(clusterDir, '..', '..');

/** Parent of per-run directories (git-ignored). */
export const runsRoot = process.env.KELOS_TEST_RUN_ROOT ?? join(repoRoot, '.kelos-test');

export interface PinnedVersions {
  kube: string;
  etcd: string;
  kwok: string;
}

/** The versions pinned in test/cluster/versions.env. */
export function pinnedVersions(): PinnedVersions {
  const text = readFileSync(join(clusterDir, 'versions.env'), 'utf8');
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  const get = (k: string): string => {
    const v = vars.get(k);
    if (!v) throw new Error(`test/cluster/versions.env: ${k} is not set`);
    return v;
  };
  return { kube: get('KUBE_VERSION'), etcd: get('ETCD_VERSION'), kwok: get('KWOK_VERSION') };
}

export function cacheRoot(): string {
  if (process.env.KELOS_TEST_CLUSTER_CACHE) return process.env.KELOS_TEST_CLUSTER_CACHE;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'kelos-test-cluster');
}

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export interface ResolvedBinary {
  path: string;
  /** 'assets' when taken from $KUBEBUILDER_ASSETS, else 'cache'. */
  source: 'assets' | 'cache';
  /** The pinned version the cache directory was built for (undefined for assets). */
  pinned?: string;
}

export interface Binaries {
  bins: Record<Component, ResolvedBinary>;
  /** kubelet of the pinned version (the real node), when build.sh built it */
  kubelet?: string;
  /** Directory holding kwok's CRDs (Logs) of the same version as the kwok binary. */
  kwokCrdDir: string;
}

/**
 * Finds every binary: $KUBEBUILDER_ASSETS first (setup-envtest ships etcd and
 * kube-apiserver), then the build cache. Throws one error naming everything
 * that is missing and how to build it.
 */
export function resolveBinaries(): Binaries {
  const v = pinnedVersions();
  const root = cacheRoot();
  const assets = process.env.KUBEBUILDER_ASSETS;
  const dirs: Record<Component, [string, string]> = {
    etcd: [join(root, `etcd-${v.etcd}`), v.etcd],
    'kube-apiserver': [join(root, `kube-${v.kube}`), v.kube],
    'kube-controller-manager': [join(root, `kube-${v.kube}`), v.kube],
    'kube-scheduler': [join(root, `kube-${v.kube}`), v.kube],
    kwok: [join(root, `kwok-${v.kwok}`), v.kwok],
  };
  const missing: string[] = [];
  const bins = {} as Record<Component, ResolvedBinary>;
  for (const name of Object.keys(dirs) as Component[]) {
    if (assets && existsSync(join(assets, name))) {
      bins[name] = { path: join(assets, name), source: 'assets' };
      continue;
    }
    const [dir, pinned] = dirs[name];
    const path = join(dir, name);
    if (!existsSync(path) || !existsSync(join(dir, '.stamp'))) missing.push(`${name} (${path})`);
    bins[name] = { path, source: 'cache', pinned };
  }
  const kwokCrdDir = join(dirs.kwok[0], 'crds');
  if (!existsSync(join(kwokCrdDir, 'kwok.x-k8s.io_logs.yaml'))) missing.push(`kwok CRDs (${kwokCrdDir})`);
  if (missing.length > 0) {
    throw new Error(
      `test control plane binaries are missing: ${missing.join(', ')}.\n` +
        `Build them with: test/cluster/build.sh  (cold: about 10 min on 2 cores; cached by version afterwards)\n` +
        `or point the suite at a running cluster with KELOS_TEST_KUBECONFIG=<kubeconfig>.`,
    );
  }
  const kubelet = join(dirs['kube-apiserver'][0], 'kubelet');
  return { bins, kwokCrdDir, ...(existsSync(kubelet) ? { kubelet } : {}) };
}

/** Built images (archives and their manifest), written by scripts/images.ts. */
export function imagesCacheDir(): string {
  return join(cacheRoot(), 'images');
}
