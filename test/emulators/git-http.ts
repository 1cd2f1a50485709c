// A git server over smart HTTP for tests: `git http-backend` behind a small
// node HTTP server that asks for a token the way GitHub does (basic auth, any
// user name, the token as password). Clones and pushes are real git; the
// repositories are bare ones in a temporary folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitRequest {
  method: string;
  path: string;
  /** 'ok', 'missing' (no credentials: git then asks its helper) or 'wrong' (a token that is not ours) */
  auth: 'ok' | 'missing' | 'wrong';
}

export interface GitServer {
  /** base URL, e.g. http://10.249.0.1:41234 */
  url: string;
  root: string;
  /** every request, in order */
  requests: GitRequest[];
  /** creates a bare repository `<name>.git` whose branch holds `files` (one commit) */
  createRepo(name: string, files: Record<string, string>, branch?: string): string;
  /** a file of a branch (or any revision) of a repository */
  show(name: string, rev: string, path: string): string;
  /** the commit a branch points at, or undefined */
  revParse(name: string, rev: string): string | undefined;
  close(): Promise<void>;
}

const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function authOf(req: IncomingMessage, token: string): GitRequest['auth'] {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return 'missing';
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === token ? 'ok' : 'wrong';
}

/** Runs `git http-backend` as a CGI for one request and streams its answer. */
function cgi(req: IncomingMessage, res: ServerResponse, root: string, url: URL): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...GIT_ENV,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    // set: http-backend then allows receive-pack (push)
    REMOTE_USER: 'x-access-token',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    ...(req.headers['content-type'] ? { CONTENT_TYPE: req.headers['content-type'] } : {}),
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let head = Buffer.alloc(0);
  let headersDone = false;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (end < 0) return;
    const sep = head[end] === 13 ? 4 : 2;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else headers[name] = value;
    }
    headersDone = true;
    res.writeHead(status, headers);
    res.write(head.subarray(end + sep));
  });
  child.on('close', (code) => {
    if (!headersDone) res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend failed (${code}): ${stderr}`);
    else res.end();
  });
  child.on('error', () => res.destroy());
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
}

/**
 * Starts the server on `host` (the pod network's gateway address for pods, or
 * 127.0.0.1) with the one token it accepts.
 */
export async function startGitServer(opts: { host: string; token: string }): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'kelos-git-'));
  const requests: GitRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://git.invalid');
    const auth = authOf(req, opts.token);
    requests.push({ method: req.method ?? '', path: url.pathname, auth });
    if (auth !== 'ok') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="kelos-test-git"', 'content-type': 'text/plain' });
      res.end(auth === 'wrong' ? 'Bad credentials\n' : 'Authentication required\n');
      return;
    }
    cgi(req, res, root, url);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, resolve);
  });
  const { port } = server.address() as { port: number };
  const bare = (name: string) => join(root, `${name}.git`);
  return {
    url: `http://${opts.host}:${port}`,
    root,
    requests,
    createRepo(name, files, branch = 'main') {
      const dir = bare(name);
      mkdirSync(dirname(dir), { recursive: true });
      git(['init', '-q', '--bare', `--initial-branch=${branch}`, dir]);
      git(['config', 'http.receivepack', 'true'], dir);
      const work = mkdtempSync(join(tmpdir(), 'kelos-git-work-'));
      try {
        git(['init', '-q', `--initial-branch=${branch}`], work);
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), content);
        }
        git(['add', '-A'], work);
        git(['-c', 'user.name=kelos test', '-c', 'user.email=test@kelos.test', 'commit', '-q', '-m', 'Initial commit'], work);
        git(['push', '-q', dir, `HEAD:refs/heads/${branch}`], work);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return `http://${opts.host}:${port}/${name}.git`;
    },
    show(name, rev, path) {
      return git(['--git-dir', bare(name), 'show', `${rev}:${path}`]);
    },
    revParse(name, rev) {
      try {
        return git(['--git-dir', bare(name), 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      } catch {
        return undefined;
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
