/**
 * A loopback HTTP proxy that a CLI under test is given as HTTP(S)_PROXY: it
 * records every destination asked of it and forwards only those on loopback
 * (some CLIs send even loopback traffic through a configured proxy); anything
 * else gets a 403 and stays on the record, so a test can fail on it. NO_PROXY
 * is empty, so every request of a CLI that honours the proxy variables passes
 * here; a CLI's model calls arriving through it show that it does.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, isIP, type Socket } from 'node:net';

export interface EgressAttempt {
  /** `CONNECT` for a tunnel, else the method of a plain proxied request. */
  readonly method: string;
  /** `host:port`. */
  readonly target: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return LOOPBACK_NAMES.has(h) || (isIP(h) === 4 && h.startsWith('127.'));
}

/** `host:port` split, IPv6 brackets kept out of the host. */
function splitTarget(target: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: target, port: 443 };
}

export class EgressGuard {
  /** Every destination outside loopback that was asked for, in order. */
  readonly refused: EgressAttempt[] = [];
  /** Every loopback destination forwarded, in order. */
  readonly forwarded: EgressAttempt[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<EgressGuard> {
    const ref: { current?: EgressGuard } = {};
    const server = createServer((req, res) => ref.current!.forward(req, res));
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => ref.current!.tunnel(req, socket, head));
    server.on('connection', (s: Socket) => {
      ref.current?.sockets.add(s);
      s.on('close', () => ref.current?.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ref.current = new EgressGuard(server);
    return ref.current;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The proxy variables, both spellings, with no exceptions. */
  env(): Record<string, string> {
    const url = this.url;
    return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, ALL_PROXY: url, all_proxy: url, NO_PROXY: '', no_proxy: '' };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    const target = req.url ?? '';
    const { host, port } = splitTarget(target);
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!isLoopback(host)) {
      this.refused.push({ method: 'CONNECT', target });
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.forwarded.push({ method: 'CONNECT', target });
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('a proxy request needs an absolute URL');
      return;
    }
    const target = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
    if (!isLoopback(url.hostname)) {
      this.refused.push({ method: req.method ?? '', target });
      res.writeHead(403).end(`${target} is outside the test network`);
      return;
    }
    this.forwarded.push({ method: req.method ?? '', target });
    const upstream = httpRequest(url, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }
}
