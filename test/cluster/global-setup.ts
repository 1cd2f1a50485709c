// vitest global setup of the `cluster` project: starts the real control plane
// once for all *.cluster.test.ts files (or uses KELOS_TEST_KUBECONFIG) and hands
// its kubeconfig to tests via provide('kubeconfig') / provide('kelosCluster').
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ProvidedCluster } from './context.js';
import { type ClusterInfo, startControlPlane } from './launcher.js';

const log = (msg: string): void => console.error(`[kelos-test-cluster] ${msg}`);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.KELOS_TEST_KUBECONFIG;
  if (external) {
    const kubeconfig = resolve(external);
    if (!existsSync(kubeconfig)) throw new Error(`KELOS_TEST_KUBECONFIG=${external}: no such file`);
    // A cluster from `npm run cluster:start` describes itself next to its kubeconfig.
    const infoFile = join(dirname(kubeconfig), 'cluster.json');
    let info: ClusterInfo | undefined;
    if (existsSync(infoFile)) {
      const parsed = JSON.parse(readFileSync(infoFile, 'utf8')) as ClusterInfo;
      if (resolve(parsed.kubeconfig) === kubeconfig) info = parsed;
    }
    const provided: ProvidedCluster = {
      kubeconfig,
      podLogsDir: info?.podLogsDir ?? null,
      kubeVersion: info?.kubeVersion ?? null,
      external: true,
      runDir: info?.runDir ?? null,
    };
    log(`using the existing cluster of KELOS_TEST_KUBECONFIG=${kubeconfig}`);
    project.provide('kubeconfig', kubeconfig);
    project.provide('kelosCluster', provided);
    return undefined;
  }

  const cp = await startControlPlane({ log, keep: process.env.KELOS_TEST_KEEP_RUN === '1' });
  const provided: ProvidedCluster = {
    kubeconfig: cp.kubeconfig,
    podLogsDir: cp.podLogsDir,
    kubeVersion: cp.kubeVersion,
    external: false,
    runDir: cp.runDir,
  };
  project.provide('kubeconfig', cp.kubeconfig);
  project.provide('kelosCluster', provided);

  return async () => {
    let failed = false;
    try {
      failed = project.vitest.state.getCountOfFailedTests() > 0;
    } catch {
      failed = false;
    }
    const { keptRunDir } = await cp.stop({ failed });
    if (keptRunDir) log(`component logs kept in ${keptRunDir}/logs`);
  };
}
