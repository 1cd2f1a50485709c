// A real node beside kwok's simulated one: containerd (its CRI), runc, a CNI
// bridge of the harness's own and a kubelet registered with the test
// apiserver, running real containers from the images scripts/images.ts built.
//
// A machine runs up to SLOTS real nodes at once; each slot has its own
// bridge, subnet, cgroup root, sockets and containerd root (kept between runs,
// so the imported images stay). Whatever a slot's last owner left behind
// (it was killed, say) is cleaned up when the slot is taken again.
//
// Pods reach only their bridge: routes to the pod subnet and to the Service
// range, no default route and no DNS server. The apiserver's Service IP
// (KUBERNETES_SERVICE_HOST) is translated to a proxy on the gateway address
// that forwards to the apiserver on loopback, so in-cluster clients work.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import { cacheRoot } from '../paths.js';
import type { Proc } from '../proc.js';
import { cniConfig, containerdConfig, kubeletConfig, type NodeLayout } from './config.js';
import { type BuiltImage, readImageManifest } from './image-manifest.js';

const exec = promisify(execFile);

export const REAL_NODE_NAME = 'real-node-0';
/** Label of the real node; tests select it with nodeSelector or the namespace annotation below. */
export const REAL_NODE_LABEL = 'kelos.dev/node';
export const REAL_NODE_LABEL_VALUE = 'real';
/** Taint that keeps every pod that does not ask for the real node on kwok's node. */
export const REAL_NODE_TAINT = { key: 'kelos.dev/real-node', value: 'true', effect: 'NoSchedule' as const };

/**
 * Annotations that put every pod of a namespace on the real node (the
 * apiserver runs the PodNodeSelector and PodTolerationRestriction admission
 * plugins): a node selector and a toleration of the real node's taint.
 */
export const REAL_NODE_NAMESPACE_ANNOTATIONS: Readonly<Record<string, string>> = {
  'scheduler.alpha.kubernetes.io/node-selector': `${REAL_NODE_LABEL}=${REAL_NODE_LABEL_VALUE}`,
  'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify([
    { key: REAL_NODE_TAINT.key, operator: 'Equal', value: REAL_NODE_TAINT.value, effect: REAL_NODE_TAINT.effect },
  ]),
};

const SLOTS = 4;
const CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];
const RUNC = ['/usr/sbin/runc', '/usr/bin/runc'];
const SUBNET_BASE = process.env.KELOS_TEST_NODE_SUBNET_BASE ?? '10.249';

/** Why the real node cannot start on this machine; thrown before anything was started. */
export class RealNodeUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealNodeUnavailable';
  }
}

export interface RealNodeInfo {
  name: string;
  slot: number;
  /** the node IP: the bridge's address, where pods reach servers on the host */
  gateway: string;
  subnet: string;
  bridge: string;
  /** images imported into the node's containerd (every reference) */
  images: string[];
  containerdSocket: string;
}

function which(names: string[], dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])): string | undefined {
  for (const n of names) {
    if (n.startsWith('/')) {
      if (existsSync(n)) return n;
      continue;
    }
    for (const d of dirs) if (d && existsSync(join(d, n))) return join(d, n);
  }
  return undefined;
}

export interface NodeTools {
  containerd: string;
  ctr: string;
  runc: string;
  cniBinDir: string;
  ip: string;
  iptables: string;
  kubelet: string;
}

/**
 * What the real node needs from the machine, or the reasons it cannot start:
 * root, the Debian packages (scripts/install-node-packages.sh), kubelet
 * (test/cluster/build.sh) and the images (npm run images).
 */
export function realNodePrerequisites(kubelet: string | undefined): { tools?: NodeTools; missing: string[] } {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push(`a Linux machine (this is ${process.platform})`);
  if (process.getuid?.() !== 0) missing.push('root (containerd, kubelet and the pod network need it)');
  const containerd = which(['containerd']);
  const ctr = which(['ctr']);
  const runc = which(RUNC);
  const cniBinDir = CNI_BIN_DIRS.find((d) => ['bridge', 'host-local', 'loopback'].every((p) => existsSync(join(d, p))));
  const ip = which(['ip']);
  const iptables = which(['iptables']);
  const packages: string[] = [];
  if (!containerd || !ctr) packages.push('containerd');
  if (!runc) packages.push('runc');
  if (!cniBinDir) packages.push('containernetworking-plugins');
  if (!ip) packages.push('iproute2');
  if (!iptables) packages.push('iptables');
  if (packages.length) missing.push(`the packages ${packages.join(', ')} (scripts/install-node-packages.sh)`);
  if (!kubelet) missing.push('kubelet (test/cluster/build.sh)');
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) missing.push('cgroups mounted at /sys/fs/cgroup');
  const manifest = readImageManifest();
  if (!manifest?.images.some((i) => i.sandbox)) missing.push('the built images (npm run images)');
  if (missing.length) return { missing };
  return { tools: { containerd: containerd!, ctr: ctr!, runc: runc!, cniBinDir: cniBinDir!, ip: ip!, iptables: iptables!, kubelet: kubelet! }, missing };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface SlotOwner {
  pid: number;
  runDir: string;
}

function slotDirs(slot: number) {
  return {
    /** kept between runs: containerd's images */
    keep: join(cacheRoot(), `node-${slot}`),
    /** sockets and runtime state (short paths: unix sockets are limited to 107 bytes) */
    state: `/run/kelos-test-node-${slot}`,
    /** kubelet's root: pod volumes on disk */
    lib: `/var/lib/kelos-test-node-${slot}`,
  };
}

/** Takes the first free slot (O_EXCL owner file; a dead owner's slot is free). */
function acquireSlot(runDir: string): { slot: number; stale?: SlotOwner } | undefined {
  for (let slot = 0; slot < SLOTS; slot++) {
    const dir = slotDirs(slot).keep;
    mkdirSync(dir, { recursive: true });
    const ownerFile = join(dir, 'owner.json');
    let stale: SlotOwner | undefined;
    if (existsSync(ownerFile)) {
      try {
        const owner = JSON.parse(readFileSync(ownerFile, 'utf8')) as SlotOwner;
        if (pidAlive(owner.pid)) continue;
        stale = owner;
      } catch {
        /* unreadable: a crash while writing it */
      }
      rmSync(ownerFile, { force: true });
    }
    try {
      writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, runDir } satisfies SlotOwner), { flag: 'wx' });
      return { slot, ...(stale ? { stale } : {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return undefined;
}

function releaseSlot(slot: number): void {
  const ownerFile = join(slotDirs(slot).keep, 'owner.json');
  try {
    const owner = JSON.parse(readFileSync(ownerFile, 'utf8')) as SlotOwner;
    if (owner.pid === process.pid) rmSync(ownerFile, { force: true });
  } catch {
    /* gone */
  }
}

function layoutFor(slot: number, configDir: string, tools: NodeTools): NodeLayout {
  const d = slotDirs(slot);
  return {
    name: REAL_NODE_NAME,
    containerdRoot: join(d.keep, 'containerd'),
    containerdState: join(d.state, 'containerd'),
    containerdSocket: join(d.state, 'containerd.sock'),
    kubeletRoot: join(d.lib, 'kubelet'),
    configDir,
    cniConfDir: join(configDir, 'cni'),
    cniBinDir: tools.cniBinDir,
    ipamDir: join(d.state, 'ipam'),
    bridge: `kelos-test${slot}`,
    subnet: `${SUBNET_BASE}.${slot}.0/24`,
    gateway: `${SUBNET_BASE}.${slot}.1`,
    cgroupRoot: `/kelos-test-node-${slot}`,
    runc: tools.runc,
  };
}

async function run(cmd: string, args: string[], opts: { ok?: boolean; timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    if (opts.ok) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/**
 * Whether containerd's CRI answers RuntimeService.Version, the call the
 * kubelet validates the runtime with: gRPC over HTTP/2 on the unix socket,
 * an empty request message.
 */
export function criVersion(socket: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: () => connect(socket) });
    const done = (err?: Error, ok?: boolean) => {
      session.close();
      if (err) reject(err);
      else resolve(!!ok);
    };
    session.on('error', (err) => done(err));
    const req = session.request({ ':method': 'POST', ':path': '/runtime.v1.RuntimeService/Version', 'content-type': 'application/grpc', te: 'trailers' });
    req.setTimeout(5000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    let status: string | undefined;
    let message = '';
    req.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
    });
    req.on('trailers', (trailers) => {
      status = String(trailers['grpc-status'] ?? status);
      message = decodeURIComponent(String(trailers['grpc-message'] ?? ''));
    });
    req.on('data', () => undefined);
    req.on('end', () => (status === '0' ? done(undefined, true) : done(new Error(`CRI Version: grpc-status ${status ?? 'none'} ${message}`))));
    req.on('error', (err) => done(err));
    req.end(Buffer.alloc(5)); // uncompressed, zero-length VersionRequest
  });
}

/** cgroup directories of one cgroup root: one per v1 controller hierarchy, or the v2 one. */
function cgroupDirs(root: string): string[] {
  const base = '/sys/fs/cgroup';
  if (existsSync(join(base, 'cgroup.controllers'))) return [join(base, root)];
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'unified')
    .map((e) => join(base, e.name, root));
}

/** Every process in a cgroup tree (read from the pids or memory hierarchy). */
function processesIn(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const line of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.push(Number(line));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      /* removed meanwhile */
    }
  };
  walk(dir);
  return pids;
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    /* still has processes; the next start of the slot tries again */
  }
}

/** Processes whose command line mentions one of `markers` (containerd, its shims, kubelet of a slot). */
function processesMentioning(markers: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (markers.some((m) => cmdline.includes(m))) out.push(Number(name));
    } catch {
      /* exited */
    }
  }
  return out;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Mount points under `dirs`, deepest first (from /proc/self/mountinfo). */
function mountsUnder(dirs: string[]): string[] {
  const unescapeOctal = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map(unescapeOctal)
    .filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountAll(dirs: string[]): Promise<void> {
  for (const p of mountsUnder(dirs)) await run('umount', ['-l', p], { ok: true });
}

export interface StartRealNodeInputs {
  runDir: string;
  logsDir: string;
  apiPort: number;
  serviceCidr: string;
  serviceIp: string;
  caFile: string;
  kubeletClient: { cert: string; key: string };
  kubeletServing: { cert: string; key: string };
  freePort: () => Promise<number>;
  /** starts a component process with its log in logsDir (the launcher's) */
  startProc: (name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv) => Proc;
  writeKubeconfig: (path: string) => void;
  core: k8s.CoreV1Api;
  waitFor: (what: string, deps: Proc[], check: () => Promise<boolean>, timeoutMs?: number) => Promise<void>;
  log: (msg: string) => void;
}

/** A real node that has a slot and an address, ready to start once the apiserver is up. */
export class RealNode {
  readonly info: RealNodeInfo;
  private readonly layout: NodeLayout;
  private procs: Proc[] = [];
  private proxy?: Server;
  private readonly sockets = new Set<Socket>();
  private started = false;
  private released = false;

  private constructor(
    readonly slot: number,
    private readonly tools: NodeTools,
    configDir: string,
    private readonly stale: SlotOwner | undefined,
  ) {
    this.layout = layoutFor(slot, configDir, tools);
    this.info = {
      name: REAL_NODE_NAME,
      slot,
      gateway: this.layout.gateway,
      subnet: this.layout.subnet,
      bridge: this.layout.bridge,
      images: [],
      containerdSocket: this.layout.containerdSocket,
    };
  }

  /**
   * Checks the machine and takes a slot. Throws RealNodeUnavailable (nothing
   * started) when the machine lacks something or every slot is in use.
   */
  static reserve(runDir: string, kubelet: string | undefined): RealNode {
    const { tools, missing } = realNodePrerequisites(kubelet);
    if (!tools) throw new RealNodeUnavailable(`this machine lacks ${missing.join('; ')}`);
    const got = acquireSlot(runDir);
    if (!got) throw new RealNodeUnavailable(`all ${SLOTS} real-node slots of this machine are in use (npm run cluster:stop ends idle ones)`);
    return new RealNode(got.slot, tools, join(runDir, 'node'), got.stale);
  }

  private markers(): string[] {
    const d = slotDirs(this.slot);
    return [d.state, d.lib];
  }

  /** Removes what a previous owner of the slot (or this one) left: processes, mounts, network, cgroups. */
  private async sweep(): Promise<void> {
    const l = this.layout;
    killAll(cgroupDirs(l.cgroupRoot).flatMap(processesIn));
    killAll(processesMentioning(this.markers()));
    await sleep(200);
    await unmountAll([l.kubeletRoot, l.containerdState, slotDirs(this.slot).lib]);
    for (const dir of cgroupDirs(l.cgroupRoot)) removeCgroupTree(dir);
    await this.removeNetwork();
    rmSync(slotDirs(this.slot).state, { recursive: true, force: true });
    rmSync(slotDirs(this.slot).lib, { recursive: true, force: true });
  }

  private chain(): string {
    return `KELOS-NODE-${this.slot}`;
  }

  private async removeNetwork(): Promise<void> {
    const { ip, iptables } = this.tools;
    const chain = this.chain();
    for (const [table, hook] of [
      ['nat', 'PREROUTING'],
      ['filter', 'FORWARD'],
    ] as const) {
      // -D removes one jump at a time; a crash may have left several
      for (let i = 0; i < 5; i++) {
        const rules = await run(iptables, ['-w', '-t', table, '-S', hook], { ok: true });
        const jump = rules.split('\n').find((r) => r.endsWith(`-j ${chain}`));
        if (!jump) break;
        await run(iptables, ['-w', '-t', table, ...jump.replace(/^-A /, '-D ').split(' ')], { ok: true });
      }
      await run(iptables, ['-w', '-t', table, '-F', chain], { ok: true });
      await run(iptables, ['-w', '-t', table, '-X', chain], { ok: true });
    }
    await run(ip, ['link', 'del', this.layout.bridge], { ok: true });
  }

  private async checkSubnetFree(): Promise<void> {
    const routes = JSON.parse(await run(this.tools.ip, ['-j', 'route', 'show'])) as Array<{ dst: string; dev?: string }>;
    const [net] = this.layout.subnet.split('/');
    const prefix = net!.split('.').slice(0, 3).join('.');
    const clash = routes.find((r) => r.dev !== this.layout.bridge && r.dst.startsWith(`${prefix}.`));
    if (clash) {
      throw new RealNodeUnavailable(
        `the pod subnet ${this.layout.subnet} is already routed on this machine (${clash.dst} dev ${clash.dev}); set KELOS_TEST_NODE_SUBNET_BASE to another 10.x`,
      );
    }
  }

  private async setUpNetwork(serviceIp: string, proxyPort: number): Promise<void> {
    const { ip, iptables } = this.tools;
    const l = this.layout;
    const chain = this.chain();
    await run(ip, ['link', 'add', l.bridge, 'type', 'bridge']);
    await run(ip, ['addr', 'add', `${l.gateway}/${l.subnet.split('/')[1]}`, 'dev', l.bridge]);
    await run(ip, ['link', 'set', l.bridge, 'up']);
    // Service IP of the apiserver -> the proxy on the gateway address.
    await run(iptables, ['-w', '-t', 'nat', '-N', chain]);
    await run(iptables, [
      '-w',
      '-t',
      'nat',
      '-A',
      chain,
      '-d',
      `${serviceIp}/32`,
      '-p',
      'tcp',
      '--dport',
      '443',
      '-j',
      'DNAT',
      '--to-destination',
      `${l.gateway}:${proxyPort}`,
    ]);
    await run(iptables, ['-w', '-t', 'nat', '-I', 'PREROUTING', '-i', l.bridge, '-j', chain]);
    // Nothing from the pods leaves the bridge, even where IP forwarding is on.
    await run(iptables, ['-w', '-t', 'filter', '-N', chain]);
    await run(iptables, ['-w', '-t', 'filter', '-A', chain, '!', '-o', l.bridge, '-j', 'DROP']);
    await run(iptables, ['-w', '-t', 'filter', '-I', 'FORWARD', '-i', l.bridge, '-j', chain]);
  }

  /** TCP proxy from the gateway address to the apiserver on loopback. */
  private startProxy(port: number, apiPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = createServer((client) => {
        const upstream = connect(apiPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      srv.once('error', reject);
      srv.listen(port, this.layout.gateway, () => {
        this.proxy = srv;
        resolve();
      });
    });
  }

  private ctr(args: string[], timeoutMs?: number): Promise<string> {
    return run(this.tools.ctr, ['--address', this.layout.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs });
  }

  /** Imports the built images containerd does not hold yet (or holds in an older build). */
  private async importImages(images: BuiltImage[], log: (m: string) => void): Promise<void> {
    const importedFile = join(slotDirs(this.slot).keep, 'imported.json');
    let imported: Record<string, string> = {};
    try {
      imported = JSON.parse(readFileSync(importedFile, 'utf8')) as Record<string, string>;
    } catch {
      imported = {};
    }
    const listed = async () => new Set((await this.ctr(['images', 'ls', '-q'])).split('\n').filter(Boolean));
    const importAll = async (present: Set<string>) => {
      for (const img of images) {
        if (img.refs.every((r) => present.has(r)) && imported[img.name] === img.key) continue;
        const t0 = Date.now();
        await this.ctr(['images', 'import', img.archive], 15 * 60_000);
        imported[img.name] = img.key;
        writeFileSync(importedFile, JSON.stringify(imported, null, 2) + '\n');
        log(`real node: imported image ${img.name} (${img.refs[0]}) in ${Date.now() - t0} ms`);
      }
    };
    try {
      await importAll(await listed());
    } catch (err) {
      // A containerd stopped mid-import (a killed run) can keep metadata of
      // snapshots it no longer has. Once: drop every image, wait for its
      // garbage collection, and import them all again.
      log(`real node: an image import failed (${(err as Error).message.split('\n')[0]}); removing every image and importing again`);
      const present = await listed();
      if (present.size) await this.ctr(['images', 'rm', '--sync', ...present], 5 * 60_000);
      imported = {};
      await importAll(new Set());
    }
    const now = await listed();
    const missing = images.flatMap((i) => i.refs).filter((r) => !now.has(r));
    if (missing.length) throw new Error(`containerd does not list the imported images ${missing.join(', ')}`);
  }

  /** Starts containerd and the kubelet and waits until the node is Ready. */
  async start(i: StartRealNodeInputs): Promise<RealNodeInfo> {
    this.started = true;
    const l = this.layout;
    if (this.stale) i.log(`real node: slot ${this.slot} was left by pid ${this.stale.pid} (${this.stale.runDir}); cleaning up`);
    await this.sweep();
    await this.checkSubnetFree();
    const manifest = readImageManifest();
    const sandbox = manifest?.images.find((m) => m.sandbox);
    if (!manifest || !sandbox) throw new RealNodeUnavailable('the pause image is not built (npm run images)');

    for (const d of [l.configDir, l.cniConfDir, l.containerdRoot, l.containerdState, l.kubeletRoot, l.ipamDir]) mkdirSync(d, { recursive: true });
    for (const d of cgroupDirs(l.cgroupRoot)) mkdirSync(d, { recursive: true });
    const containerdToml = join(l.configDir, 'containerd.toml');
    writeFileSync(containerdToml, containerdConfig(l, sandbox.refs[0]!));
    writeFileSync(join(l.cniConfDir, '10-kelos-test.conflist'), cniConfig(l, i.serviceCidr));
    const resolvConf = join(l.configDir, 'resolv.conf');
    writeFileSync(resolvConf, '# pods of the test node have no DNS server\noptions ndots:0\n');

    const proxyPort = await i.freePort();
    await this.setUpNetwork(i.serviceIp, proxyPort);
    await this.startProxy(proxyPort, i.apiPort);

    const containerd = i.startProc('containerd', this.tools.containerd, [
      '--config',
      containerdToml,
      '--address',
      l.containerdSocket,
      '--root',
      l.containerdRoot,
      '--state',
      l.containerdState,
      '--log-level',
      'warn',
    ]);
    this.procs.push(containerd);
    await i.waitFor('containerd', [containerd], async () => {
      if (!existsSync(l.containerdSocket)) return false;
      await this.ctr(['version'], 5000);
      return true;
    });
    await this.importImages(manifest.images, i.log);
    this.info.images = manifest.images.flatMap((m) => m.refs);
    // The kubelet exits at once when the CRI answers "server is not initialized yet" (a busy machine).
    await i.waitFor("containerd's CRI", [containerd], () => criVersion(l.containerdSocket), 120_000);

    const ports = { port: await i.freePort(), healthzPort: await i.freePort() };
    const kubeletYaml = join(l.configDir, 'kubelet.yaml');
    writeFileSync(
      kubeletYaml,
      kubeletConfig({
        layout: l,
        ports,
        caFile: i.caFile,
        tlsCert: i.kubeletServing.cert,
        tlsKey: i.kubeletServing.key,
        resolvConf,
        taint: REAL_NODE_TAINT,
      }),
    );
    const kubeconfig = join(l.configDir, 'kubelet.kubeconfig');
    i.writeKubeconfig(kubeconfig);
    const kubelet = i.startProc('kubelet', this.tools.kubelet, [
      `--config=${kubeletYaml}`,
      `--kubeconfig=${kubeconfig}`,
      `--hostname-override=${l.name}`,
      `--node-ip=${l.gateway}`,
      `--root-dir=${l.kubeletRoot}`,
      `--cert-dir=${join(l.kubeletRoot, 'pki')}`,
      `--node-labels=${REAL_NODE_LABEL}=${REAL_NODE_LABEL_VALUE}`,
      '--v=1',
    ]);
    this.procs.push(kubelet);
    await i.waitFor(
      `node ${l.name} Ready`,
      [containerd, kubelet],
      async () => {
        const n = await i.core.readNode({ name: l.name });
        return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      120_000,
    );
    return this.info;
  }

  /**
   * Tears the node down while the apiserver still answers: force-deletes its
   * pods so the kubelet stops them (and their network), stops the kubelet and
   * containerd, kills whatever is left in the node's cgroups, and removes the
   * bridge, the iptables chains, the mounts and the state. Idempotent.
   */
  async stop(core: k8s.CoreV1Api | undefined, log: (m: string) => void): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      if (this.started) {
        const kubelet = this.procs.find((p) => p.name === 'kubelet');
        if (core && kubelet?.running) {
          try {
            const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${REAL_NODE_NAME}` });
            await Promise.all(
              pods.items.map((p) =>
                core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: p.metadata!.namespace!, gracePeriodSeconds: 0 }).catch(() => undefined),
              ),
            );
            const deadline = Date.now() + 20_000;
            const dirs = cgroupDirs(this.layout.cgroupRoot);
            const podsCgroup = dirs.length === 1 ? dirs[0] : dirs.find((d) => d.includes('/pids/'));
            while (Date.now() < deadline && podsCgroup && processesIn(podsCgroup).length > 0) await sleep(250);
          } catch (err) {
            log(`real node: deleting its pods failed: ${(err as Error).message}`);
          }
        }
        for (const p of [...this.procs].reverse()) await p.stop(5000);
        this.proxy?.close();
        for (const s of this.sockets) s.destroy();
      }
      await this.sweep();
    } finally {
      releaseSlot(this.slot);
    }
  }
}
