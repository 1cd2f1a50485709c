// A loopback proxy in front of the test control plane's kube-apiserver that
// passes everything on and files every write (POST, PUT, PATCH, DELETE) under
// the Task it is for: the Task itself (finalizer, status, deletion), its Job
// and other children (by name or owner reference) and its Events (by
// involved object). Used by the write-count test and bench:controller.

import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { type StaticConnection, staticConnectionFromFile } from '../../lib/kube/static-kubeconfig.js';

export type WriteKind = 'finalizer' | 'task' | 'status' | 'job' | 'job-delete' | 'event' | 'child' | 'other';

export interface Write {
  readonly method: string;
  readonly path: string;
  readonly kind: WriteKind;
  /** `namespace/name` of the Task the write is for, when it is for one. */
  readonly task?: string;
  /** Of a status write: the reason of its Succeeded condition; of an Event: its reason. */
  readonly reason?: string;
  /** Order in which the proxy received the request, and when it answered it. */
  readonly seq: number;
  done?: number;
  status?: number;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NAMESPACED = /^\/(?:api|apis\/[^/]+)\/[^/]+\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

/** Which Task a write is for, and what kind of write it is. */
export function classify(method: string, path: string, body: unknown): { kind: WriteKind; task?: string; reason?: string } {
  const m = NAMESPACED.exec(path);
  if (!m) return { kind: 'other' };
  const [, ns, resource, name, sub] = m;
  const b = (body ?? {}) as {
    metadata?: { name?: string; ownerReferences?: Array<{ kind?: string; name?: string }> };
    involvedObject?: { kind?: string; name?: string };
  };
  if (resource === 'tasks' && name) {
    const task = `${ns}/${name}`;
    if (sub === 'status') {
      const reason = (body as { status?: { conditions?: Array<{ type?: string; reason?: string }> } })?.status?.conditions?.find(
        (c) => c.type === 'Succeeded',
      )?.reason;
      return { kind: 'status', task, ...(reason ? { reason } : {}) };
    }
    const finalizer = Array.isArray(body) && body.some((op: { path?: string }) => op.path?.startsWith('/metadata/finalizers'));
    return { kind: finalizer ? 'finalizer' : 'task', task };
  }
  if (resource === 'events' && b.involvedObject?.kind === 'Task') {
    const reason = (body as { reason?: string }).reason;
    return { kind: 'event', task: `${ns}/${b.involvedObject.name}`, ...(reason ? { reason } : {}) };
  }
  if (resource === 'jobs') {
    if (method === 'DELETE' && name) return { kind: 'job-delete', task: `${ns}/${name}` };
    const owner = b.metadata?.ownerReferences?.find((r) => r.kind === 'Task')?.name;
    return owner ? { kind: 'job', task: `${ns}/${owner}` } : { kind: 'other' };
  }
  const owner = b.metadata?.ownerReferences?.find((r) => r.kind === 'Task')?.name;
  return owner ? { kind: 'child', task: `${ns}/${owner}` } : { kind: 'other' };
}

export interface TaskWrites {
  /** Every write for the Task, in the order they were sent. */
  readonly all: Write[];
  /** Writes sent before its Job create was answered, that one included; undefined when it got no Job. */
  readonly beforeJob?: number;
}

export class WriteCounter {
  readonly writes: Write[] = [];
  /** Requests of any verb, writes included. */
  requests = 0;
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly upstream: StaticConnection,
    private readonly agent: Agent,
  ) {}

  /** A proxy in front of the apiserver of `kubeconfig` (static credentials). */
  static async start(kubeconfig: string): Promise<WriteCounter> {
    const upstream = staticConnectionFromFile(kubeconfig);
    if (!upstream) throw new Error(`${kubeconfig} needs a plugin; expected static credentials`);
    const agent = new Agent({
      keepAlive: true,
      ...(upstream.ca ? { ca: upstream.ca } : {}),
      ...(upstream.cert ? { cert: upstream.cert } : {}),
      ...(upstream.key ? { key: upstream.key } : {}),
    });
    let self: WriteCounter | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new WriteCounter(server, upstream, agent);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  client(): Promise<KubeClient> {
    return KubeClient.fromConnection({ server: this.url });
  }

  /** Writes a kubeconfig that points at the proxy (no credentials: the proxy adds them). */
  writeKubeconfig(file: string): string {
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'proxy', cluster: { server: this.url } }],
        users: [{ name: 'proxy', user: {} }],
        contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
        'current-context': 'proxy',
      }),
    );
    return file;
  }

  /** The writes of each Task (`namespace/name`), answered with success or not. */
  byTask(): Map<string, TaskWrites> {
    const grouped = new Map<string, Write[]>();
    for (const w of this.writes) {
      if (!w.task) continue;
      let list = grouped.get(w.task);
      if (!list) grouped.set(w.task, (list = []));
      list.push(w);
    }
    const out = new Map<string, TaskWrites>();
    for (const [task, all] of grouped) {
      const job = all.find((w) => w.kind === 'job' && w.status !== undefined && w.status < 300);
      const beforeJob = job ? all.filter((w) => w.seq < job.done!).length : undefined;
      out.set(task, { all, ...(beforeJob !== undefined ? { beforeJob } : {}) });
    }
    return out;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.agent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    this.requests++;
    if (!WRITES.has(method)) {
      this.forward(req, res, url, method);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        parsed = undefined; // YAML apply bodies are sent as JSON by kelos; anything else is filed as 'other'
      }
      const write: Write = { method, path: url.pathname, seq: ++this.seq, ...classify(method, url.pathname, parsed) };
      this.writes.push(write);
      this.forward(req, res, url, method, body, (status) => {
        write.status = status;
        write.done = ++this.seq;
      });
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, url: URL, method: string, body?: Buffer, answered?: (status: number) => void): void {
    const target = new URL(url.pathname + url.search, this.upstream.server);
    const headers = { ...req.headers, host: target.host };
    if (body) headers['content-length'] = String(body.length);
    if (this.upstream.token) headers.authorization = `Bearer ${this.upstream.token}`;
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    const up = send(target, { method, headers, ...(target.protocol === 'https:' ? { agent: this.agent } : {}) }, (answer) => {
      answered?.(answer.statusCode ?? 0);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => {
      answered?.(502);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  }
}

/** Writes per Task, summed up: the most before a Job and over the whole life, and how they split by kind. */
export function summarize(byTask: Map<string, TaskWrites>): {
  tasks: number;
  maxBeforeJob: number;
  maxTotal: number;
  meanTotal: number;
  kinds: Record<string, number>;
} {
  let maxBeforeJob = 0;
  let maxTotal = 0;
  let total = 0;
  const kinds: Record<string, number> = {};
  for (const { all, beforeJob } of byTask.values()) {
    maxBeforeJob = Math.max(maxBeforeJob, beforeJob ?? 0);
    maxTotal = Math.max(maxTotal, all.length);
    total += all.length;
    for (const w of all) kinds[w.kind] = (kinds[w.kind] ?? 0) + 1;
  }
  return { tasks: byTask.size, maxBeforeJob, maxTotal, meanTotal: byTask.size ? total / byTask.size : 0, kinds };
}
