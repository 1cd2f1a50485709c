// `npm run cluster:start` / `npm run cluster:stop`: a test control plane to poke
// at by hand (kubectl, or KELOS_TEST_KUBECONFIG=... npm test).
//
//   start  starts a detached daemon that runs the control plane and, where
//          the machine allows, the real node with the built images; prints one
//          line saying whether the real node runs, and KUBECONFIG=<path> as
//          its last line once everything is ready
//   stop   stops every control plane started by `start` (or only the one whose
//          kubeconfig/run directory is given)
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { CONTROLLER_NAMESPACE } from '../../lib/api/constants.js';
import { startControlPlane } from './launcher.js';
import { REAL_NODE_NAME, REAL_NODE_NAMESPACE_ANNOTATIONS, type RealNodeInfo } from './node/real-node.js';
import { runsRoot } from './paths.js';

const daemonsDir = join(runsRoot, 'daemons');
const self = fileURLToPath(import.meta.url);

interface DaemonRecord {
  pid: number;
  runDir: string;
  kubeconfig: string;
  log: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isOurDaemon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(self);
  } catch {
    return false;
  }
}

async function start(): Promise<number> {
  mkdirSync(daemonsDir, { recursive: true });
  const stamp = `${Date.now()}-${process.pid}`;
  const readyFile = join(daemonsDir, `ready-${stamp}.json`);
  const logFile = join(runsRoot, `daemon-${stamp}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...process.execArgv, self, 'daemon', readyFile, logFile], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: process.cwd(),
    env: process.env,
  });
  closeSync(fd);
  child.unref();
  console.error(`[kelos-test-cluster] starting (daemon pid ${child.pid}, log ${logFile})`);
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    if (existsSync(readyFile)) {
      const r = JSON.parse(readFileSync(readyFile, 'utf8')) as {
        kubeconfig?: string;
        error?: string;
        startMs?: number;
        runDir?: string;
        realNode?: RealNodeInfo;
        realNodeUnavailable?: string;
      };
      rmSync(readyFile, { force: true });
      if (r.error) {
        console.error(r.error);
        return 1;
      }
      console.log(`# control plane ready in ${r.startMs} ms; run dir ${r.runDir}; stop with: npm run cluster:stop`);
      console.log(
        r.realNode
          ? `# real node ${REAL_NODE_NAME}: running (pods on ${r.realNode.subnet}, host at ${r.realNode.gateway}, ${r.realNode.images.length} image references); ` +
              `namespace annotations ${Object.keys(REAL_NODE_NAMESPACE_ANNOTATIONS).join(', ')} (as kelos-system has) put a namespace's pods on it`
          : `# real node ${REAL_NODE_NAME}: not started: ${r.realNodeUnavailable ?? 'unknown reason'}`,
      );
      console.log(`KUBECONFIG=${r.kubeconfig}`);
      return 0;
    }
    if (child.pid && !alive(child.pid)) {
      console.error(`the daemon exited before the control plane was ready; see ${logFile}`);
      return 1;
    }
    await sleep(100);
  }
  console.error(`timed out waiting for the control plane; see ${logFile}`);
  return 1;
}

async function daemon(readyFile: string, logFile: string): Promise<void> {
  const log = (m: string): void => console.error(`${new Date().toISOString()} ${m}`);
  let cp;
  try {
    cp = await startControlPlane({ log, verbose: true, realNode: 'auto' });
    if (cp.realNode) await prepareKelosSystem(cp.kubeconfig);
  } catch (err) {
    writeFileSync(readyFile, JSON.stringify({ error: (err as Error).message }));
    process.exit(1);
  }
  const record: DaemonRecord = { pid: process.pid, runDir: cp.runDir, kubeconfig: cp.kubeconfig, log: logFile };
  const recordFile = join(daemonsDir, `${process.pid}.json`);
  writeFileSync(recordFile, JSON.stringify(record, null, 2));
  writeFileSync(
    readyFile,
    JSON.stringify({
      kubeconfig: cp.kubeconfig,
      startMs: cp.startMs,
      runDir: cp.runDir,
      ...(cp.realNode ? { realNode: cp.realNode } : {}),
      ...(cp.realNodeUnavailable ? { realNodeUnavailable: cp.realNodeUnavailable } : {}),
    }),
  );
  let stopping = false;
  const shutdown = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    const { keptRunDir } = await cp.stop();
    rmSync(recordFile, { force: true });
    if (keptRunDir) log(`problems seen; logs kept in ${keptRunDir}`);
    else rmSync(logFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // stay alive: the pod-log watcher runs in this process
  setInterval(() => {}, 1 << 30);
}

/**
 * Creates kelos-system with the annotations that put its pods on the real
 * node, so `kubectl apply -f dist/kelos-system/` runs the controller there
 * (apply keeps annotations it does not set).
 */
async function prepareKelosSystem(kubeconfig: string): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({
    body: { metadata: { name: CONTROLLER_NAMESPACE, annotations: { ...REAL_NODE_NAMESPACE_ANNOTATIONS } } },
  });
}

async function stop(target?: string): Promise<number> {
  const records: Array<DaemonRecord & { file: string }> = [];
  if (existsSync(daemonsDir)) {
    for (const f of readdirSync(daemonsDir)) {
      if (!/^\d+\.json$/.test(f)) continue;
      const file = join(daemonsDir, f);
      try {
        records.push({ ...(JSON.parse(readFileSync(file, 'utf8')) as DaemonRecord), file });
      } catch {
        rmSync(file, { force: true });
      }
    }
  }
  const wanted = target ? resolve(target) : undefined;
  const chosen = records.filter((r) => !wanted || r.kubeconfig === wanted || r.runDir === wanted);
  if (chosen.length === 0) {
    console.log(target ? `no control plane started by cluster:start matches ${target}` : 'no control plane started by cluster:start is running');
    return 0;
  }
  for (const r of chosen) {
    if (!alive(r.pid) || !isOurDaemon(r.pid)) {
      rmSync(r.file, { force: true });
      console.log(`already gone: ${r.runDir}`);
      continue;
    }
    process.kill(r.pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (alive(r.pid) && Date.now() < deadline) await sleep(100);
    if (alive(r.pid)) {
      console.error(`daemon ${r.pid} did not stop within 60s; killing it`);
      process.kill(r.pid, 'SIGKILL');
    }
    rmSync(r.file, { force: true });
    console.log(`stopped ${r.runDir}`);
  }
  return 0;
}

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case 'start':
    process.exitCode = await start();
    break;
  case 'stop':
    process.exitCode = await stop(rest[0]);
    break;
  case 'daemon':
    await daemon(rest[0]!, rest[1]!);
    break;
  default:
    console.error('usage: cli.ts start | stop [kubeconfig|runDir]');
    process.exitCode = 2;
}
