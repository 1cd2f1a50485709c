import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import * as k8s from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/constants.js';
import { KubeError, isNotFound } from './kube-error.js';
import { objectPath } from './resource-path.js';

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

/**
 * The controller's one seam to the apiserver: plain JSON over one keep-alive
 * connection pool. @kubernetes/client-node loads the kubeconfig (files,
 * in-cluster, exec and token plugins); requests go through node:https here
 * because the 1.x client builds a fresh TLS agent per request and turns
 * objects into class instances, both costly for a controller that caches
 * thousands of objects and writes as fast as the apiserver lets it.
 */
export class KubeClient {
  private headers: Record<string, string> = {};
  private authAt = 0;
  private authPending?: Promise<void>;

  private constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly server: URL,
    private readonly agent: http.Agent,
    private readonly fieldManager: string,
  ) {}

  static async create(kc: k8s.KubeConfig, fieldManager = FIELD_MANAGER): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const server = new URL(cluster.server);
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: 64,
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert } : {}),
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...(opts.servername ? { servername: opts.servername } : {}),
    };
    const agent = server.protocol === 'http:' ? new http.Agent(agentOptions) : new https.Agent(agentOptions);
    const client = new KubeClient(kc, server, agent, fieldManager);
    client.setAuth(opts);
    return client;
  }

  /** Loads `kubeconfig` (a path), else $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  static async fromKubeconfig(kubeconfig?: string): Promise<KubeClient> {
    const kc = new k8s.KubeConfig();
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

  private setAuth(opts: https.RequestOptions): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string') headers[k] = v;
      else if (typeof v === 'number') headers[k] = String(v);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.headers = headers;
    this.authAt = Date.now();
  }

  // Tokens (service account files, exec plugins) rotate: re-read them now and then.
  private async auth(force = false): Promise<void> {
    if (!force && Date.now() - this.authAt < AUTH_REFRESH_MS) return;
    this.authPending ??= (async () => {
      const opts: https.RequestOptions = { headers: {} };
      await this.kc.applyToHTTPSOptions(opts);
      this.setAuth(opts);
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
      const timeout = opts.timeoutMs ?? 30_000;
      if (timeout > 0) req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${path} timed out after ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One request; the body as text. Throws KubeError on a non-2xx answer. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    await this.auth();
    let res = await this.send(method, path, opts);
    if (res.statusCode === 401) {
      res.resume();
      await this.auth(true);
      res = await this.send(method, path, opts);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw KubeError.from(status, text, method, path);
    return text;
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
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    await this.auth();
    const res = await this.send('GET', path, { query: { ...query, watch: true, allowWatchBookmarks: true }, signal, timeoutMs: 0 });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      if (res.statusCode === 401) await this.auth(true);
      throw KubeError.from(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), 'WATCH', path);
    }
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number; reason?: string; message?: string };
          throw new KubeError(status.code ?? 500, status.reason ?? '', status.message ?? 'watch error', 'WATCH', path);
        }
        onEvent(event);
      }
    } catch (err) {
      if (signal.aborted) return;
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as Error).name === 'AbortError') return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  /** The last `tailLines` lines of a container log. */
  podLog(namespace: string, pod: string, container: string, tailLines = 200): Promise<string> {
    return this.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, {
      query: { container, tailLines },
    });
  }
}
