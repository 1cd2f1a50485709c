import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** mulberry32: a small seeded PRNG so fault runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RFC 3339 timestamp at second precision, the way GitHub and Jira print them. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function weakEtag(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('hex')}"`;
}

/** True when an If-None-Match header names the given ETag (weak comparison). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (s: string) => s.trim().replace(/^W\//, '');
  const want = strip(etag);
  return ifNoneMatch.split(',').some((candidate) => candidate.trim() === '*' || strip(candidate) === want);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Where a server listens. */
export interface ListenOptions {
  /** @default '127.0.0.1' (a test's pod network gateway for servers that pods call) */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Serve HTTPS with this key and certificate (PEM). @default plain HTTP */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/**
 * A loopback HTTP server that tracks its sockets and pending timers so that
 * `close()` ends hung ("timeout" fault) responses instead of waiting for them.
 */
export class LoopbackServer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async listen(handler: Handler, options: ListenOptions = {}): Promise<LoopbackServer> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      res.on('error', () => undefined);
      Promise.resolve(handler(req, res)).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ message: `emulator error: ${(err as Error).message}` }));
        }
      });
    };
    const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createServer(onRequest);
    // Above undici's 1 s keep-alive threshold, so that clients reuse connections.
    server.keepAliveTimeout = 5000;
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const scheme = options.tls ? 'https' : 'http';
    const defaultPort = options.tls ? 443 : 80;
    return new LoopbackServer(server, `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}`);
  }

  /** Resolves after `ms`, unless the server closes first (then never resolves). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Builds a `Link` header for page-numbered pagination, keeping the other query parameters. */
export function linkHeader(base: URL, page: number, lastPage: number): string | undefined {
  if (lastPage <= 1) return undefined;
  const at = (p: number) => {
    const u = new URL(base.toString());
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < lastPage) parts.push(`<${at(page + 1)}>; rel="next"`);
  parts.push(`<${at(lastPage)}>; rel="last"`);
  if (page > 1) parts.push(`<${at(1)}>; rel="first"`);
  return parts.join(', ');
}
