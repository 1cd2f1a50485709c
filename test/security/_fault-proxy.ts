// A loopback proxy in front of the test control plane's real kube-apiserver
// that answers chosen requests with a fault instead of (or after) passing
// them on: 500 or 409 before the apiserver sees the request, 500 after it
// was applied (the client cannot tell), or a dropped connection.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { type StaticConnection, staticConnectionFromFile } from '../../lib/kube/static-kubeconfig.js';
import { kubeconfigPath } from '../cluster/harness.js';

export type FaultKind =
  /** 500 InternalError; the apiserver never sees the request. */
  | 'error-before'
  /** The apiserver applies the request; the client gets 500 InternalError. */
  | 'error-after'
  /** 409 Conflict; the apiserver never sees the request. */
  | 'conflict'
  /** The connection is closed without an answer; the apiserver never sees the request. */
  | 'drop';

export interface FaultRule {
  readonly method: string;
  /** Matched against the path (no query). */
  readonly path: RegExp;
  readonly kind: FaultKind;
  /** How many matching requests fail; then the rule is spent. @default Infinity */
  times?: number;
  /** Matching requests to let through before failing. @default 0 */
  skip?: number;
}

export interface Passed {
  readonly method: string;
  readonly path: string;
  readonly fault?: FaultKind;
}

export class FaultProxy {
  private rules: FaultRule[] = [];
  /** Every request seen, in order, with the fault it got. */
  readonly log: Passed[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: StaticConnection,
    private readonly agent: Agent,
  ) {}

  static async start(): Promise<FaultProxy> {
    const upstream = staticConnectionFromFile(kubeconfigPath());
    if (!upstream) throw new Error('the test kubeconfig needs no plugin; expected a static connection');
    const agent = new Agent({
      keepAlive: true,
      ...(upstream.ca ? { ca: upstream.ca } : {}),
      ...(upstream.cert ? { cert: upstream.cert } : {}),
      ...(upstream.key ? { key: upstream.key } : {}),
    });
    let self: FaultProxy | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new FaultProxy(server, upstream, agent);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A client of the apiserver through this proxy. */
  client(): Promise<KubeClient> {
    return KubeClient.fromConnection({ server: this.url });
  }

  fail(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  faults(kind?: FaultKind): number {
    return this.log.filter((p) => p.fault && (!kind || p.fault === kind)).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.agent.destroy();
  }

  private draw(method: string, path: string): FaultKind | undefined {
    for (const r of this.rules) {
      if (r.method !== method || !r.path.test(path) || (r.times ?? Infinity) <= 0) continue;
      if ((r.skip ?? 0) > 0) {
        r.skip!--;
        return undefined;
      }
      if (r.times !== undefined) r.times--;
      return r.kind;
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    const fault = this.draw(method, url.pathname);
    this.log.push({ method, path: url.pathname, ...(fault ? { fault } : {}) });
    if (fault === 'drop') {
      req.resume();
      req.socket.destroy();
      return;
    }
    if (fault === 'error-before' || fault === 'conflict') {
      req.resume();
      status(res, fault === 'conflict' ? 409 : 500);
      return;
    }
    const target = new URL(url.pathname + url.search, this.upstream.server);
    const headers = { ...req.headers, host: target.host };
    if (this.upstream.token) headers.authorization = `Bearer ${this.upstream.token}`;
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    const up = send(target, { method, headers, ...(target.protocol === 'https:' ? { agent: this.agent } : {}) }, (answer) => {
      if (fault === 'error-after') {
        answer.resume();
        answer.on('end', () => status(res, 500));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) status(res, 502);
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  }
}

function status(res: ServerResponse, code: 409 | 500 | 502): void {
  const reason = code === 409 ? 'Conflict' : code === 500 ? 'InternalError' : 'ServiceUnavailable';
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `injected by the test proxy (${code})`, reason, code }));
}
