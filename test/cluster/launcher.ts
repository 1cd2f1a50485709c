// Starts and stops a real Kubernetes control plane on loopback for tests:
// etcd, kube-apiserver (RBAC, service-account keys, per-run PKI),
// kube-controller-manager, kube-scheduler and kwok with one fake node, from
// the binaries built by test/cluster/build.sh (or $KUBEBUILDER_ASSETS); on
// request also a real node (node/real-node.ts) that kwok leaves alone.
//
// Each start gets its own run directory (certificates, kubeconfigs, component
// logs, etcd data, pod-log files) and its own free ports, so two runs never
// collide. The run directory is removed on a clean stop and kept (minus etcd
// data) when something failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kwokConfigYaml } from './kwok-config.js';
import { REAL_NODE_NAME, RealNode, type RealNodeInfo, RealNodeUnavailable } from './node/real-node.js';
import { type Binaries, type Component, runsRoot as defaultRunsRoot, resolveBinaries } from './paths.js';
import { createPki, type Pki, writeKubeconfig } from './pki.js';
import { type PodLogWatcher, startPodLogWatcher } from './pod-logs.js';
import { Proc } from './proc.js';

export const NODE_NAME = 'kwok-node-0';
export { REAL_NODE_NAME };
/** kwok manages only nodes with this annotation set to `fake`. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const SERVICE_CIDR = '10.96.0.0/16';
const SERVICE_IP = '10.96.0.1';
const POD_CIDR = '10.244.0.0/16';

export interface StartOptions {
  /** parent of the run directory; default <repo>/.kelos-test */
  runsRoot?: string;
  /** progress messages; default: silent */
  log?: (msg: string) => void;
  /** keep the run directory even after a clean stop */
  keep?: boolean;
  /** also log when each component became ready (default: $KELOS_TEST_CLUSTER_VERBOSE === '1') */
  verbose?: boolean;
  /**
   * A real node beside kwok's: 'auto' starts it where the machine allows and
   * records why not otherwise; 'required' fails the start without it.
   * @default 'off'
   */
  realNode?: 'off' | 'auto' | 'required';
}

/** What a run publishes in <runDir>/cluster.json (read by harness users of KELOS_TEST_KUBECONFIG). */
export interface ClusterInfo {
  runDir: string;
  kubeconfig: string;
  apiserver: string;
  podLogsDir: string;
  /** version the kube-apiserver binary reports (the pinned one when built by build.sh) */
  kubeVersion: string;
  ownerPid: number;
  components: Array<{ name: string; pid: number; port?: number }>;
  status: 'starting' | 'running' | 'stopped' | 'failed';
  startMs?: number;
  /** the real node, when one runs */
  realNode?: RealNodeInfo;
  /** why no real node runs, when one was asked for */
  realNodeUnavailable?: string;
}

export interface ControlPlane {
  info: ClusterInfo;
  kubeconfig: string;
  runDir: string;
  podLogsDir: string;
  kubeVersion: string;
  /** milliseconds from start() to everything ready */
  startMs: number;
  /** unexpected component exits and watcher errors, if any */
  problems: string[];
  /** the real node, when one runs */
  realNode?: RealNodeInfo;
  /** why no real node runs, when one was asked for */
  realNodeUnavailable?: string;
  /** Stops everything. Keeps the run dir (logs) when `failed` or a component died. */
  stop(opts?: { failed?: boolean }): Promise<{ keptRunDir?: string }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface HttpsOpts {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function httpGet(url: string, tls: HttpsOpts = {}, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const handler = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(
            u,
            {
              method: 'GET',
              timeout: timeoutMs,
              ...(tls.ca ? { ca: tls.ca } : { rejectUnauthorized: false }),
              ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
            },
            handler,
          )
        : httpRequest(u, { method: 'GET', timeout: timeoutMs }, handler);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Tidies runs left behind by a process that died without stopping its control
 * plane: ends their component processes (only pids whose command line names
 * that run's directory) and deletes run directories older than three days.
 */
export function cleanStaleRuns(root: string, log: (m: string) => void = () => {}): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (!name.startsWith('run-')) continue;
    const dir = join(root, name);
    let info: ClusterInfo | undefined;
    try {
      info = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterInfo;
    } catch {
      info = undefined;
    }
    if (info && (info.status === 'running' || info.status === 'starting') && !pidAlive(info.ownerPid)) {
      for (const c of info.components) {
        if (pidAlive(c.pid) && cmdlineOf(c.pid).includes(dir)) {
          log(`stale run ${name}: stopping ${c.name} (pid ${c.pid})`);
          try {
            process.kill(c.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      info.status = 'failed';
      writeFileSync(join(dir, 'cluster.json'), JSON.stringify(info, null, 2));
      rmSync(join(dir, 'etcd-data'), { recursive: true, force: true });
    }
    try {
      const ageMs = Date.now() - statSync(dir).mtimeMs;
      const live = info && (info.status === 'running' || info.status === 'starting') && pidAlive(info.ownerPid);
      if (!live && ageMs > 3 * 24 * 3600_000) rmSync(dir, { recursive: true, force: true });
    } catch {
      /* raced with another cleaner */
    }
  }
}

async function binaryVersion(bin: string): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', () => resolve(/v\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? 'unknown'));
    c.on('error', () => resolve('unknown'));
  });
}

/** Starts a control plane; retries with new ports if a port was taken meanwhile. */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const root = opts.runsRoot ?? defaultRunsRoot;
  const log = opts.log ?? (() => {});
  mkdirSync(root, { recursive: true });
  cleanStaleRuns(root, log);
  const bins = resolveBinaries();
  let lastErr: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(root, bins, opts, log);
    } catch (err) {
      lastErr = err;
      if (!(err instanceof PortInUseError)) throw err;
      log(`a port was taken meanwhile (${err.message}); retrying with new ports`);
    }
  }
  throw lastErr;
}

class PortInUseError extends Error {}

async function startOnce(root: string, bins: Binaries, opts: StartOptions, log: (m: string) => void): Promise<ControlPlane> {
  const t0 = Date.now();
  const verbose = opts.verbose ?? process.env.KELOS_TEST_CLUSTER_VERBOSE === '1';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runDir = mkdtempSync(join(root, `run-${stamp}-`));
  const logsDir = join(runDir, 'logs');
  const podLogsDir = join(runDir, 'pod-logs');
  const etcdData = join(runDir, 'etcd-data');
  mkdirSync(logsDir);
  mkdirSync(podLogsDir);
  writeFileSync(join(podLogsDir, '_empty.log'), '');

  const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const apiserver = `https://127.0.0.1:${apiPort}`;
  const procs: Proc[] = [];
  const problems: string[] = [];
  let watcher: PodLogWatcher | undefined;
  const kubeVersionP =
    bins.bins['kube-apiserver'].source === 'cache' ? Promise.resolve(bins.bins['kube-apiserver'].pinned!) : binaryVersion(bins.bins['kube-apiserver'].path);

  const info: ClusterInfo = {
    runDir,
    kubeconfig: join(runDir, 'admin.kubeconfig'),
    apiserver,
    podLogsDir,
    kubeVersion: 'unknown',
    ownerPid: process.pid,
    components: [],
    status: 'starting',
  };
  const saveInfo = (): void => writeFileSync(join(runDir, 'cluster.json'), JSON.stringify(info, null, 2) + '\n');
  saveInfo();

  const onExit = (p: Proc): void => {
    const msg = `${p.name} exited unexpectedly (code ${p.exitCode}, signal ${p.exitSignal}); log: ${p.logFile}`;
    problems.push(msg);
    log(msg);
  };
  const startBin = (name: string, bin: string, args: string[], env: NodeJS.ProcessEnv = process.env, port?: number): Proc => {
    const p = new Proc(name, join(logsDir, `${name}.log`), bin, args, env, onExit);
    procs.push(p);
    if (p.child.pid) info.components.push({ name, pid: p.child.pid, ...(port ? { port } : {}) });
    saveInfo();
    return p;
  };
  const start = (name: Component, args: string[], env: NodeJS.ProcessEnv = process.env, port?: number): Proc =>
    startBin(name, bins.bins[name].path, args, env, port);

  // The real node takes a slot (its bridge address is the kubelet's serving IP) before the PKI is made.
  const mode = opts.realNode ?? 'off';
  let node: RealNode | undefined;
  let core: k8s.CoreV1Api | undefined;
  const noNode = (reason: string): void => {
    info.realNodeUnavailable = reason;
    saveInfo();
    log(`real node ${REAL_NODE_NAME}: not started: ${reason}`);
  };
  if (mode !== 'off') {
    try {
      node = RealNode.reserve(runDir, bins.kubelet);
    } catch (err) {
      if (mode === 'required' || !(err instanceof RealNodeUnavailable)) throw err;
      noNode(err.message);
    }
  }

  const stopAll = async (failed: boolean): Promise<{ keptRunDir?: string }> => {
    watcher?.stop();
    const byName = (n: string): Proc[] => procs.filter((p) => p.name === n);
    await Promise.all(['kwok', 'kube-scheduler', 'kube-controller-manager'].flatMap(byName).map((p) => p.stop(3000)));
    // With no scheduler and controllers left, the node's pods can be stopped for good.
    await node?.stop(core, log);
    await Promise.all(byName('kube-apiserver').map((p) => p.stop(5000)));
    await Promise.all(byName('etcd').map((p) => p.stop(5000)));
    const keep = failed || problems.length > 0;
    info.status = keep ? 'failed' : 'stopped';
    if (problems.length > 0) writeFileSync(join(runDir, 'problems.txt'), problems.join('\n') + '\n');
    rmSync(etcdData, { recursive: true, force: true });
    if (keep || opts.keep) {
      saveInfo();
      return { keptRunDir: runDir };
    }
    rmSync(runDir, { recursive: true, force: true });
    return {};
  };

  /** polls `check` until true; fails fast when one of `deps` exited */
  const waitFor = async (what: string, deps: Proc[], check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let lastErr = '';
    for (;;) {
      const dead = deps.find((p) => !p.running);
      if (dead) {
        const tail = dead.tail();
        if (/address already in use/i.test(tail)) throw new PortInUseError(`${dead.name}: address already in use`);
        throw new Error(`${dead.name} exited while waiting for ${what} (code ${dead.exitCode}); last lines of ${dead.logFile}:\n${tail}`);
      }
      try {
        if (await check()) {
          if (verbose) log(`${what}: ready at +${Date.now() - t0} ms`);
          return;
        }
      } catch (err) {
        lastErr = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}; logs in ${logsDir}`);
      }
      await sleep(100);
    }
  };

  try {
    // etcd and the PKI in parallel
    const etcd = start(
      'etcd',
      [
        '--name=kelos-test',
        `--data-dir=${etcdData}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=kelos-test=http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true',
        '--snapshot-count=10000',
        '--quota-backend-bytes=2147483648',
        '--log-level=warn',
      ],
      process.env,
      etcdPort,
    );
    const pki: Pki = await createPki(join(runDir, 'pki'), SERVICE_IP, node ? { name: REAL_NODE_NAME, ip: node.info.gateway } : undefined);
    const kubeconfigs = {
      admin: info.kubeconfig,
      kcm: join(runDir, 'controller-manager.kubeconfig'),
      scheduler: join(runDir, 'scheduler.kubeconfig'),
    };
    writeKubeconfig(kubeconfigs.admin, apiserver, pki.ca.cert, pki.admin, 'kelos-test-admin');
    writeKubeconfig(kubeconfigs.kcm, apiserver, pki.ca.cert, pki.controllerManager, 'system:kube-controller-manager');
    writeKubeconfig(kubeconfigs.scheduler, apiserver, pki.ca.cert, pki.scheduler, 'system:kube-scheduler');

    const api = start(
      'kube-apiserver',
      [
        '--advertise-address=127.0.0.1',
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        `--tls-cert-file=${pki.apiserver.cert}`,
        `--tls-private-key-file=${pki.apiserver.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        '--authorization-mode=Node,RBAC',
        // namespace annotations put pods on the real node (REAL_NODE_NAMESPACE_ANNOTATIONS)
        '--enable-admission-plugins=PodNodeSelector,PodTolerationRestriction',
        '--anonymous-auth=true',
        '--allow-privileged=true',
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        // the kubelet endpoint (pod logs) is kwok's server on 127.0.0.1
        '--kubelet-preferred-address-types=InternalIP',
        `--kubelet-certificate-authority=${pki.ca.cert}`,
        `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
        `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
        // aggregation layer / delegated authentication of controller-manager and scheduler
        `--requestheader-client-ca-file=${pki.ca.cert}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
        `--proxy-client-key-file=${pki.frontProxyClient.key}`,
        // loopback addresses are not valid Endpoints; the test cluster needs none
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        '--v=1',
      ],
      process.env,
      apiPort,
    );
    await waitFor('etcd', [etcd], async () => (await httpGet(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"true"'));
    const adminTls = { ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) };
    await waitFor('kube-apiserver /readyz', [etcd, api], async () => (await httpGet(`${apiserver}/readyz`, adminTls)).status === 200);

    const kcm = start(
      'kube-controller-manager',
      [
        `--kubeconfig=${kubeconfigs.kcm}`,
        `--authentication-kubeconfig=${kubeconfigs.kcm}`,
        `--authorization-kubeconfig=${kubeconfigs.kcm}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.ca.cert}`,
        `--cluster-signing-cert-file=${pki.ca.cert}`,
        `--cluster-signing-key-file=${pki.ca.key}`,
        '--cluster-name=kelos-test',
        // controllers start one after another, each fetching its own token: don't throttle that
        '--kube-api-qps=200',
        '--kube-api-burst=400',
        '--profiling=false',
        '--v=1',
      ],
      process.env,
      kcmPort,
    );
    const sched = start(
      'kube-scheduler',
      [
        `--kubeconfig=${kubeconfigs.scheduler}`,
        `--authentication-kubeconfig=${kubeconfigs.scheduler}`,
        `--authorization-kubeconfig=${kubeconfigs.scheduler}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedPort}`,
        '--leader-elect=false',
        '--profiling=false',
        '--v=1',
      ],
      process.env,
      schedPort,
    );

    // kwok's Logs CRD and the fake node, through the API
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigs.admin);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    const coreApi = core;
    const crdYaml = readFileSync(join(bins.kwokCrdDir, 'kwok.x-k8s.io_logs.yaml'), 'utf8');
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(crdYaml);
    await ext.createCustomResourceDefinition({ body: crd });
    await coreApi.createNode({
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: NODE_NAME,
          labels: {
            'kubernetes.io/hostname': NODE_NAME,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            type: 'kwok',
          },
          annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        },
      },
    });
    await waitFor('kwok Logs CRD Established', [api], async () => {
      const c = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return !!c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    });

    const kwokConfig = join(runDir, 'kwok.yaml');
    writeFileSync(kwokConfig, kwokConfigYaml(join(podLogsDir, '_empty.log')));
    const kwokHome = join(runDir, 'kwok-home'); // kwok also reads ~/.kwok/kwok.yaml: keep it out
    mkdirSync(kwokHome);
    const kwok = start(
      'kwok',
      [
        `--kubeconfig=${kubeconfigs.admin}`,
        `--config=${kwokConfig}`,
        // only nodes annotated as fake: the real node and its pods are the kubelet's
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        `--node-port=${kwokPort}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        `--tls-cert-file=${pki.kwokServing.cert}`,
        `--tls-private-key-file=${pki.kwokServing.key}`,
        `--cidr=${POD_CIDR}`,
        '--node-lease-duration-seconds=40',
        '--enable-crds=Logs',
      ],
      { ...process.env, HOME: kwokHome },
      kwokPort,
    );
    watcher = startPodLogWatcher(kc, podLogsDir, (msg) => {
      problems.push(msg);
      log(msg);
    });

    const caTls = { ca: readFileSync(pki.ca.cert) };
    const startNode = async (): Promise<void> => {
      if (!node) return;
      try {
        info.realNode = await node.start({
          runDir,
          logsDir,
          apiPort,
          serviceCidr: SERVICE_CIDR,
          serviceIp: SERVICE_IP,
          caFile: pki.ca.cert,
          kubeletClient: pki.kubeletClient!,
          kubeletServing: pki.kubeletServing!,
          freePort,
          startProc: (name, bin, args, env) => startBin(name, bin, args, env),
          writeKubeconfig: (path) => writeKubeconfig(path, apiserver, pki.ca.cert, pki.kubeletClient!, `system:node:${REAL_NODE_NAME}`),
          core: coreApi,
          waitFor: (what, deps, check, timeoutMs) => waitFor(what, [api, ...deps], check, timeoutMs),
          log,
        });
        saveInfo();
        log(`real node ${REAL_NODE_NAME}: ready on ${node.info.bridge} ${node.info.subnet} (${info.realNode.images.length} image references)`);
      } catch (err) {
        if (mode === 'required') throw err;
        const reason = err instanceof RealNodeUnavailable ? err.message : `it failed to start: ${(err as Error).message.split('\n')[0]}`;
        const stopped = node;
        node = undefined;
        await stopped.stop(coreApi, log);
        // a failed kubelet or containerd is not a problem of the control plane
        for (let i = problems.length - 1; i >= 0; i--) if (/^(kubelet|containerd) /.test(problems[i]!)) problems.splice(i, 1);
        noNode(reason);
      }
    };
    await Promise.all([
      startNode(),
      waitFor('kube-controller-manager /healthz', [kcm, api], async () => (await httpGet(`https://127.0.0.1:${kcmPort}/healthz`)).status === 200),
      waitFor('kube-scheduler /readyz', [sched, api], async () => (await httpGet(`https://127.0.0.1:${schedPort}/readyz`)).status === 200),
      waitFor('kwok /healthz', [kwok, api], async () => (await httpGet(`https://127.0.0.1:${kwokPort}/healthz`, caTls)).status === 200),
      waitFor(`node ${NODE_NAME} Ready`, [kwok, api], async () => {
        const n = await coreApi.readNode({ name: NODE_NAME });
        return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      }),
      // the service-account controller works (pods need their namespace's default SA)
      waitFor('ServiceAccount default/default', [kcm, api], async () => {
        await coreApi.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      }),
    ]);

    const startMs = Date.now() - t0;
    info.kubeVersion = await kubeVersionP;
    info.status = 'running';
    info.startMs = startMs;
    saveInfo();
    log(`control plane ready in ${startMs} ms; KUBECONFIG=${info.kubeconfig}`);
    return {
      info,
      kubeconfig: info.kubeconfig,
      runDir,
      podLogsDir,
      kubeVersion: info.kubeVersion,
      startMs,
      problems,
      ...(info.realNode ? { realNode: info.realNode } : {}),
      ...(info.realNodeUnavailable ? { realNodeUnavailable: info.realNodeUnavailable } : {}),
      stop: (o) => stopAll(o?.failed ?? false),
    };
  } catch (err) {
    const { keptRunDir } = await stopAll(true);
    if (err instanceof PortInUseError) {
      rmSync(runDir, { recursive: true, force: true });
      throw err;
    }
    throw new Error(`starting the test control plane failed: ${(err as Error).message}\nrun directory kept: ${keptRunDir}`, {
      cause: err,
    });
  }
}
