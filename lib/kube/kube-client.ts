import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import type * as k8s from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/constants.js';
import { isNotFound, KubeError } from './kube-error.js';
import { objectPath, Resources, resourcePath } from './resource-path.js';
import { type StaticConnection, staticConnection } from './static-kubeconfig.js';

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** @default 30 s; 0 for none (watches) */
  readonly timeoutMs?: number;
}

export interface KubeList<T> {
  readonly items: T[];
  readonly metadata: { resourceVersion?: string; continue?: string };
}

export interface WatchEvent<T = unknown> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

const AUTH_REFRESH_MS = 60_000;

/** Produces the auth headers of a request; `force` after a 401. */
type AuthSource = (force: boolean) => Promise<Record<string, string>>;

/**
 * The controller's one seam to the apiserver: plain JSON over one keep-alive
 * connection pool (node:https). Static credentials (in-cluster service
 * account, client certificates, tokens) are read directly; kubeconfigs that
 * need plugins (exec, auth-provider) go through @kubernetes/client-node's
 * loader. The 1.x client is not used for requests: it builds a fresh TLS agent
 * per request, turns objects into class instances, and loading it costs
 * about 75 MB of memory, more than the controller's whole cache of 2,000 Tasks.
 */
export class KubeClient {
  private headers: Record<string, string> = {};
  private authAt = 0;
  private authPending?: Promise<void>;

  private constructor(
    private readonly server: URL,
    private readonly agent: http.Agent,
    private readonly fieldManager: string,
    private readonly authSource: AuthSource,
  ) {}

  /** A client from a loaded @kubernetes/client-node KubeConfig (any auth it supports). */
  static async create(kc: k8s.KubeConfig, fieldManager = FIELD_MANAGER): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const auth: AuthSource = async () => {
      const o: https.RequestOptions = { headers: {} };
      await kc.applyToHTTPSOptions(o);
      return headersOf(o);
    };
    return KubeClient.connect(
      {
        server: cluster.server,
        ...(opts.ca ? { ca: opts.ca as Buffer } : {}),
        ...(opts.cert ? { cert: opts.cert as Buffer } : {}),
        ...(opts.key ? { key: opts.key as Buffer } : {}),
        ...(opts.rejectUnauthorized === false ? { insecureSkipTLSVerify: true } : {}),
        ...(opts.servername ? { tlsServerName: opts.servername } : {}),
      },
      fieldManager,
      auth,
    );
  }

  /** A client from static credentials (no plugin). */
  static async fromConnection(conn: StaticConnection, fieldManager = FIELD_MANAGER): Promise<KubeClient> {
    const auth: AuthSource = async () => {
      const token = conn.tokenFile ? readFileSync(conn.tokenFile, 'utf8').trim() : conn.token;
      const headers: Record<string, string> = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      return headers;
    };
    return KubeClient.connect(conn, fieldManager, auth);
  }

  private static async connect(conn: StaticConnection, fieldManager: string, auth: AuthSource): Promise<KubeClient> {
    const server = new URL(conn.server);
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: 64,
      ...(conn.ca ? { ca: conn.ca } : {}),
      ...(conn.cert ? { cert: conn.cert } : {}),
      ...(conn.key ? { key: conn.key } : {}),
      ...(conn.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(conn.tlsServerName ? { servername: conn.tlsServerName } : {}),
    };
    const agent = server.protocol === 'http:' ? new http.Agent(agentOptions) : new https.Agent(agentOptions);
    const client = new KubeClient(server, agent, fieldManager, auth);
    await client.auth(true);
    return client;
  }

  /**
   * Loads `kubeconfig` (a path), else $KUBECONFIG, ~/.kube/config or the
   * in-cluster service account, as client-go does.
   */
  static async fromKubeconfig(kubeconfig?: string): Promise<KubeClient> {
    const conn = staticConnection(kubeconfig);
    if (conn) return KubeClient.fromConnection(conn);
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
    return KubeClient.create(kc);
  }

  get fieldManagerName(): string {
    return this.fieldManager;
  }

  close(): void {
    this.agent.destroy();
  }

  // Tokens (service account files, exec plugins) rotate: re-read them now and then.
  private async auth(force = false): Promise<void> {
    if (!force && Date.now() - this.authAt < AUTH_REFRESH_MS) return;
    this.authPending ??= (async () => {
      this.headers = await this.authSource(force);
      this.authAt = Date.now();
    })().finally(() => (this.authPending = undefined));
    await this.authPending;
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url;
  }

  private send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = this.url(path, opts.query);
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...this.headers, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent, ...(opts.signal ? { signal: opts.signal } : {}) }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * One request; the body as text. Throws KubeError on a non-2xx answer. The
   * whole exchange (waiting for a pooled connection, the answer, its body) is
   * bounded by `timeoutMs`, so no caller waits on the apiserver forever.
   */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    const timeout = opts.timeoutMs ?? 30_000;
    const deadline = timeout > 0 ? new AbortController() : undefined;
    const timer = deadline ? setTimeout(() => deadline.abort(), timeout) : undefined;
    const signal = deadline ? (opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal) : opts.signal;
    const o: RequestOptions = { ...opts, ...(signal ? { signal } : {}) };
    try {
      await this.auth();
      let res = await this.send(method, path, o);
      if (res.statusCode === 401) {
        res.resume();
        await this.auth(true);
        res = await this.send(method, path, o);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) throw KubeError.from(status, text, method, path);
      return text;
    } catch (err) {
      if (deadline?.signal.aborted && !opts.signal?.aborted) throw new Error(`${method} ${path} timed out after ${timeout} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.request(method, path, opts);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** GET; undefined when not found. */
  async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.json<T>('GET', path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list<T>(path: string, query: RequestOptions['query'] = {}): Promise<KubeList<T>> {
    return this.json<KubeList<T>>('GET', path, { query });
  }

  /** POST the object to its collection. */
  create<T extends KubeObject>(obj: T): Promise<T> {
    const { namespace } = obj.metadata ?? {};
    const collection = objectPath({ ...obj, metadata: { ...(namespace ? { namespace } : {}) } });
    return this.json<T>('POST', collection, { body: obj, query: { fieldManager: this.fieldManager } });
  }

  /** Server-side apply under the field manager; `force` takes over fields others own. */
  apply<T extends KubeObject>(obj: T, opts: { subresource?: string; force?: boolean } = {}): Promise<T> {
    return this.json<T>('PATCH', objectPath(obj, opts.subresource), {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: this.fieldManager, force: opts.force ?? true },
    });
  }

  /** A JSON Patch (RFC 6902); its `test` operations make it conditional. Never creates. */
  jsonPatch<T>(path: string, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): Promise<T> {
    return this.json<T>('PATCH', path, { body: ops, contentType: 'application/json-patch+json', query: { fieldManager: this.fieldManager } });
  }

  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.json<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json', query: { fieldManager: this.fieldManager } });
  }

  /** DELETE; true if it was there. */
  async delete(path: string, opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; uid?: string } = {}): Promise<boolean> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.uid) body.preconditions = { uid: opts.uid };
    try {
      await this.request('DELETE', path, { body });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Streams a watch until the server closes it (its timeoutSeconds) or
   * `signal` aborts. An ERROR event (410 Gone: too old) is thrown as KubeError.
   */
  /** A long-lived GET (watch, log follow) whose body is read line by line; errors come from the status. */
  private async openLines(method: string, path: string, query: RequestOptions['query'], signal: AbortSignal) {
    await this.auth();
    const res = await this.send('GET', path, { query, signal, timeoutMs: 0 });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      if (res.statusCode === 401) await this.auth(true);
      throw KubeError.from(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), method, path);
    }
    return { res, lines: createInterface({ input: res, crlfDelay: Infinity }) };
  }

  /** Reads a line stream to its end; an abort or a dropped connection ends it quietly. */
  private async readLines(res: http.IncomingMessage, lines: AsyncIterable<string>, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
    try {
      for await (const line of lines) onLine(line);
    } catch (err) {
      if (signal.aborted) return;
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as Error).name === 'AbortError') return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const { res, lines } = await this.openLines('WATCH', path, { ...query, watch: true, allowWatchBookmarks: true }, signal);
    await this.readLines(res, lines, signal, (line) => {
      if (!line) return;
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === 'ERROR') {
        const status = event.object as { code?: number; reason?: string; message?: string };
        throw new KubeError(status.code ?? 500, status.reason ?? '', status.message ?? 'watch error', 'WATCH', path);
      }
      onEvent(event);
    });
  }

  /** Streams a text body (a pod log, optionally followed) line by line until it ends or `signal` aborts. */
  async streamLines(path: string, query: RequestOptions['query'], onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const { res, lines } = await this.openLines('GET', path, query, signal);
    await this.readLines(res, lines, signal, onLine);
  }

  /** The last `tailLines` lines of a container log. */
  podLog(namespace: string, pod: string, container: string, tailLines = 200): Promise<string> {
    return this.request('GET', resourcePath(Resources.pods, { namespace, name: pod, subresource: 'log' }), { query: { container, tailLines } });
  }
}

function headersOf(opts: https.RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string') headers[k] = v;
    else if (typeof v === 'number') headers[k] = String(v);
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return headers;
}
