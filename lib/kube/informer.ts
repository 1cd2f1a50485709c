import type { Logger } from 'pino';
import type { KubeClient, WatchEvent } from './kube-client.js';
import { isGone, KubeError } from './kube-error.js';
import { sleep } from './sleep.js';

export interface Cached {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type InformerHandler<T> = (obj: T, old?: T) => void;

/**
 * What a cache keeps of a listed or watched object. The object arrives as
 * unchecked JSON; a transform declares the kind it reads (`(t: Task) => …`),
 * which the method form lets it do.
 */
export type Transform<T> = { transform(obj: unknown): T }['transform'];

/** What an informer has done, for logs and diagnosis. */
export interface InformerStats {
  readonly path: string;
  readonly objects: number;
  readonly resourceVersion: string;
  readonly relists: number;
  /** Objects that periodic lists found changed or added behind the watch's back (see `relist`). */
  readonly missedByWatch: number;
  readonly watches: number;
  /** Watch events (bookmarks included) since the start. */
  readonly events: number;
  /** When the last list page or watch event arrived (ISO time). */
  readonly lastHeardAt?: string;
  readonly lastError?: string;
}

export interface InformerOptions<T extends Cached> {
  /** The collection path, e.g. `/apis/batch/v1/jobs` or `/apis/batch/v1/namespaces/ns/jobs`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Keeps only what the controller reads, so the cache of thousands of Pods
   * and Jobs stays small. @default - drops metadata.managedFields
   */
  readonly transform?: Transform<T>;
  /** @default 500 */
  readonly pageSize?: number;
  /** Server-side watch timeout; the watch is then resumed from the last resourceVersion. @default 300 */
  readonly watchTimeoutSeconds?: number;
  /**
   * A watch that brings nothing, not even a bookmark, for this long is taken
   * for a dead connection (HTTP/1.1 has no ping) and resumed from the last
   * resourceVersion. The apiserver sends a bookmark about once a minute.
   * @default 150_000
   */
  readonly watchIdleTimeoutMs?: number;
  /**
   * Lists everything again this often, even while the watch looks healthy,
   * and delivers what differs: a bound on how long an event the watch never
   * delivered (a lost watch-cache event, a stalled stream) can go unseen.
   * 0 turns it off. @default 600_000 (10 min)
   */
  readonly relistIntervalMs?: number;
  /**
   * Secondary indexes (client-go's Indexers): per index name, the keys an
   * object is filed under; `byIndex(name, key)` then answers without a scan.
   * Kept up to date before any handler runs.
   */
  readonly indexes?: Readonly<Record<string, (obj: T) => readonly string[]>>;
  readonly logger?: Logger;
}

/** Drops managedFields and the last-applied annotation, which no reader needs. */
export function stripObject<T>(obj: T): T {
  const o = obj as Cached & { metadata?: { managedFields?: unknown; annotations?: Record<string, string> } };
  if (o.metadata) {
    delete o.metadata.managedFields;
    if (o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
      const { 'kubectl.kubernetes.io/last-applied-configuration': _, ...rest } = o.metadata.annotations;
      o.metadata.annotations = rest;
    }
  }
  return obj;
}

/**
 * A list-then-watch cache of one resource (client-go's reflector + store):
 * paginated list, watch from its resourceVersion with bookmarks, relist on
 * 410 Gone, retry with backoff on errors, handlers called on add, update and
 * delete. Objects are stored after `transform` and must be treated as
 * read-only by readers.
 */
/** What a reconciler reads from a cache: one informer, or one per namespace of a namespaced install. */
export interface CacheReader<T extends Cached> {
  on(event: 'add' | 'update' | 'delete', handler: InformerHandler<T>): void;
  get(namespace: string | undefined, name: string): T | undefined;
  namespace(namespace: string | undefined): ReadonlyMap<string, T>;
  byIndex(index: string, key: string): T[];
  readonly size: number;
}

export class Informer<T extends Cached> implements CacheReader<T> {
  private readonly store = new Map<string, Map<string, T>>();
  private readonly handlers = { add: [] as InformerHandler<T>[], update: [] as InformerHandler<T>[], delete: [] as InformerHandler<T>[] };
  private resourceVersion = '';
  private abort = new AbortController();
  private running = false;
  private started = false;
  private syncedFlag = false;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly transform: Transform<T>;
  /** Per index: its key function and key → `namespace/name` → object. */
  private readonly indexes = new Map<string, { keys: (obj: T) => readonly string[]; entries: Map<string, Map<string, T>> }>();
  private counts = { relists: 0, missedByWatch: 0, watches: 0, events: 0 };
  private lastListAt = 0;
  private lastHeardAt?: Date;
  private lastError?: string;

  constructor(
    private readonly client: KubeClient,
    private readonly options: InformerOptions<T>,
  ) {
    // Without a transform the cache keeps the object as listed: T is the wire type.
    this.transform = options.transform ?? ((obj) => stripObject(obj as T));
    for (const [name, keys] of Object.entries(options.indexes ?? {})) this.indexes.set(name, { keys, entries: new Map() });
  }

  /**
   * Adds secondary indexes (client-go's AddIndexers), before the informer
   * starts; an index name already taken by another key function is an error.
   */
  addIndexes(indexes: Readonly<Record<string, (obj: T) => readonly string[]>>): void {
    for (const [name, keys] of Object.entries(indexes)) {
      const existing = this.indexes.get(name);
      if (existing?.keys === keys) continue;
      if (existing) throw new Error(`the informer of ${this.options.path} already has a different index "${name}"`);
      if (this.started) throw new Error(`the informer of ${this.options.path} has started: index "${name}" must be added before`);
      this.indexes.set(name, { keys, entries: new Map() });
    }
  }

  on(event: 'add' | 'update' | 'delete', handler: InformerHandler<T>): void {
    this.handlers[event].push(handler);
  }

  /** Resolves once the first list is in the store. */
  synced(): Promise<void> {
    if (this.syncedFlag) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ?? '')?.get(name);
  }

  /** The objects of one namespace by name (live view; do not mutate). */
  namespace(namespace: string | undefined): ReadonlyMap<string, T> {
    return this.store.get(namespace ?? '') ?? EMPTY;
  }

  /** The objects filed under `key` in the index `index` (see `InformerOptions.indexes`). */
  byIndex(index: string, key: string): T[] {
    const ix = this.indexes.get(index);
    if (!ix) throw new Error(`the informer of ${this.options.path} has no index "${index}"`);
    return [...(ix.entries.get(key)?.values() ?? [])];
  }

  stats(): InformerStats {
    return {
      path: this.options.path,
      objects: this.size,
      resourceVersion: this.resourceVersion,
      ...this.counts,
      ...(this.lastHeardAt ? { lastHeardAt: this.lastHeardAt.toISOString() } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  get size(): number {
    let n = 0;
    for (const m of this.store.values()) n += m.size;
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.started = true;
    this.abort = new AbortController();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    let backoff = 500;
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        backoff = 500;
        if ((await this.watchOnce()) === 'relist') await this.relist(true);
      } catch (err) {
        if (!this.running) return;
        this.lastError = String((err as Error).message ?? err);
        if (isGone(err)) {
          this.options.logger?.debug({ path: this.options.path, resourceVersion: this.resourceVersion }, 'Watch expired; listing again');
          this.resourceVersion = '';
          continue;
        }
        this.options.logger?.warn({ path: this.options.path, err: this.lastError, retryInMs: backoff }, 'Watch failed');
        // A refused watch lists afresh, except a 429 (the apiserver's cache is still starting): that one just waits.
        if (err instanceof KubeError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429) this.resourceVersion = '';
        await sleep(backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /**
   * One watch from the current resourceVersion, until the server ends it, the
   * informer stops, nothing arrives for `watchIdleTimeoutMs`, or a periodic
   * relist is due ('relist').
   */
  private async watchOnce(): Promise<'relist' | undefined> {
    const idleMs = this.options.watchIdleTimeoutMs ?? 150_000;
    const relistMs = this.options.relistIntervalMs ?? 600_000;
    const watch = new AbortController();
    const stop = () => watch.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    let idle = false;
    let relistDue = false;
    const relistTimer =
      relistMs > 0
        ? setTimeout(
            () => {
              relistDue = true;
              watch.abort();
            },
            Math.max(0, this.lastListAt + relistMs - Date.now()),
          )
        : undefined;
    relistTimer?.unref?.();
    // One timer per watch, not one per event: when it fires it looks at when the last event came (onEvent notes it).
    const startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const quiet = Date.now() - Math.max(startedAt, this.lastHeardAt?.getTime() ?? 0);
      if (quiet >= idleMs) {
        idle = true;
        watch.abort();
        return;
      }
      timer = setTimeout(check, idleMs - quiet);
      timer.unref?.();
    };
    const from = this.resourceVersion;
    let events = 0;
    this.counts.watches++;
    this.options.logger?.debug({ path: this.options.path, resourceVersion: from }, 'Watch started');
    timer = setTimeout(check, idleMs);
    timer.unref?.();
    try {
      await this.client.watch<T>(
        this.options.path,
        {
          resourceVersion: from,
          timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
          ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
          ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
        },
        (e) => {
          events++;
          this.onEvent(e);
        },
        watch.signal,
      );
    } catch (err) {
      // Aborted on purpose before the response came: carry on as after any such abort.
      if (!idle && !relistDue) throw err;
    } finally {
      clearTimeout(timer);
      clearTimeout(relistTimer);
      this.abort.signal.removeEventListener('abort', stop);
    }
    if (!this.running) return undefined;
    if (relistDue) return 'relist';
    if (idle) {
      this.options.logger?.warn({ path: this.options.path, resourceVersion: this.resourceVersion, idleMs }, 'Watch silent for too long; resuming it');
    } else {
      this.options.logger?.debug({ path: this.options.path, from, to: this.resourceVersion, events }, 'Watch ended');
    }
    return undefined;
  }

  /** Lists everything and delivers the differences; `periodic` when the watch was healthy. */
  private async relist(periodic = false): Promise<void> {
    const fresh = new Map<string, Map<string, T>>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list<unknown>(this.options.path, {
        limit: this.options.pageSize ?? 500,
        ...(cont ? { continue: cont } : {}),
        ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
        ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
      });
      for (const raw of page.items) {
        const obj = this.transform(raw);
        const ns = obj.metadata?.namespace ?? '';
        let m = fresh.get(ns);
        if (!m) fresh.set(ns, (m = new Map()));
        m.set(obj.metadata?.name ?? '', obj);
      }
      this.lastHeardAt = new Date();
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);

    const deleted: T[] = [];
    for (const [ns, m] of this.store) {
      for (const [name, obj] of m) if (!fresh.get(ns)?.has(name)) deleted.push(obj);
    }
    const changes: Array<[T, T | undefined]> = [];
    for (const [ns, m] of fresh) {
      for (const [name, obj] of m) {
        const old = this.store.get(ns)?.get(name);
        if (!old || old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changes.push([obj, old]);
      }
    }
    this.store.clear();
    for (const [ns, m] of fresh) this.store.set(ns, m);
    for (const ix of this.indexes.values()) ix.entries.clear();
    for (const m of fresh.values()) for (const obj of m.values()) this.fileIndexes(obj, true);
    const watchedTo = this.resourceVersion;
    this.resourceVersion = rv;
    this.lastListAt = Date.now();
    this.counts.relists++;
    const differences = { path: this.options.path, resourceVersion: rv, objects: this.size, deleted: deleted.length, changed: changes.length };
    // A change the watch had already passed (its version at or below the last
    // one the watch brought) was missed; a later one merely fell between the
    // watch and the list. Deletions carry no version of their own: not counted.
    const missed = periodic ? changes.filter(([o]) => versionAtMost(o.metadata?.resourceVersion, watchedTo)) : [];
    if (missed.length) {
      this.counts.missedByWatch += missed.length;
      const name = (o: T) => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
      const examples = missed
        .slice(0, 5)
        .map(([o, old]) =>
          old ? `changed ${name(o)}@${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}` : `added ${name(o)}@${o.metadata?.resourceVersion}`,
        );
      this.options.logger?.warn({ ...differences, missed: missed.length, watchedTo, examples }, 'Periodic list found objects the watch had not delivered');
    } else {
      this.options.logger?.debug(differences, 'Listed');
    }
    for (const obj of deleted) this.emit('delete', obj);
    for (const [obj, old] of changes) this.emit(old ? 'update' : 'add', obj, old);
    if (!this.syncedFlag) {
      this.syncedFlag = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private onEvent(e: WatchEvent<T>): void {
    this.counts.events++;
    this.lastHeardAt = new Date();
    try {
      this.apply(e);
    } catch (err) {
      // A bug here must not stop the watch on this event forever: log it, keep going.
      this.options.logger?.error({ path: this.options.path, type: e.type, err: String((err as Error).stack ?? err) }, 'Could not apply a watch event');
    }
  }

  private apply(e: WatchEvent<T>): void {
    const rv = (e.object as Cached)?.metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = this.transform(e.object);
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let m = this.store.get(ns);
    if (e.type === 'DELETED') {
      const old = m?.get(name);
      if (old) this.fileIndexes(old, false);
      m?.delete(name);
      if (m && m.size === 0) this.store.delete(ns);
      if (rv) this.resourceVersion = rv;
      this.emit('delete', old ?? obj);
      return;
    }
    if (!m) this.store.set(ns, (m = new Map()));
    const old = m.get(name);
    if (old) this.fileIndexes(old, false);
    m.set(name, obj);
    this.fileIndexes(obj, true);
    if (rv) this.resourceVersion = rv;
    this.emit(old ? 'update' : 'add', obj, old);
  }

  /** Files `obj` under its keys in every index, or takes it out. */
  private fileIndexes(obj: T, present: boolean): void {
    if (this.indexes.size === 0) return;
    const id = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    for (const { keys, entries } of this.indexes.values()) {
      for (const key of keys(obj)) {
        let m = entries.get(key);
        if (present) {
          if (!m) entries.set(key, (m = new Map()));
          m.set(id, obj);
        } else if (m) {
          m.delete(id);
          if (m.size === 0) entries.delete(key);
        }
      }
    }
  }

  private emit(event: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers[event]) {
      try {
        h(obj, old);
      } catch (err) {
        this.options.logger?.error({ err: String(err) }, 'Informer handler failed');
      }
    }
  }
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * Whether resourceVersion `a` is at or below `b`. Versions are opaque to
 * clients, but an etcd-backed apiserver's are integers; when either is not,
 * the answer is true (counted as missed rather than hidden).
 */
function versionAtMost(a: string | undefined, b: string): boolean {
  if (!a || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) <= BigInt(b);
}
