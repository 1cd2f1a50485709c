import type { Logger } from 'pino';
import { type Cached, type CacheReader, Informer, type InformerHandler, type InformerStats } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { resourcePath } from '../kube/resource-path.js';
import type { Source } from './reconciler.js';

export interface SharedInformersOptions {
  /** Watch only these namespaces (a namespaced install: one informer per namespace). @default - all namespaces */
  readonly namespaces?: readonly string[];
  /** @default - the Informer's default */
  readonly relistIntervalMs?: number;
  readonly logger: Logger;
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

interface Entry<T extends Cached> {
  readonly source: Source<T>;
  readonly informers: ReadonlyMap<string, Informer<T>>;
  readonly reader: CacheReader<T>;
}

/** The informers of one resource in several namespaces, read as one cache. */
class NamespacedInformers<T extends Cached> implements CacheReader<T> {
  constructor(private readonly byNamespace: ReadonlyMap<string, Informer<T>>) {}

  on(event: 'add' | 'update' | 'delete', handler: InformerHandler<T>): void {
    for (const i of this.byNamespace.values()) i.on(event, handler);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.byNamespace.get(namespace ?? '')?.get(namespace, name);
  }

  namespace(namespace: string | undefined): ReadonlyMap<string, T> {
    return this.byNamespace.get(namespace ?? '')?.namespace(namespace) ?? EMPTY;
  }

  byIndex(index: string, key: string): T[] {
    return [...this.byNamespace.values()].flatMap((i) => i.byIndex(index, key));
  }

  get size(): number {
    let n = 0;
    for (const i of this.byNamespace.values()) n += i.size;
    return n;
  }
}

/**
 * The manager's informers: one per resource (per namespace of a namespaced
 * install), whichever reconcilers watch it, in the order they were first
 * asked for. Two watches of a resource must agree on what to cache (label
 * and field selectors, transform); their indexes are merged.
 */
export class SharedInformers {
  // Entries of every object type in one map: informer<T>() alone stores and reads them, restoring the type it erased.
  private readonly entries = new Map<string, Entry<Cached>>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: SharedInformersOptions,
  ) {}

  informer<T extends Cached>(source: Source<T>): CacheReader<T> {
    const { namespaces, relistIntervalMs, logger } = this.options;
    const key = resourcePath(source.resource);
    const existing = this.entries.get(key) as Entry<T> | undefined;
    if (existing) {
      if (existing.source.labelSelector !== source.labelSelector) {
        throw new Error(`${key} is watched with two label selectors: "${existing.source.labelSelector ?? ''}" and "${source.labelSelector ?? ''}"`);
      }
      if (existing.source.fieldSelector !== source.fieldSelector) {
        throw new Error(`${key} is watched with two field selectors: "${existing.source.fieldSelector ?? ''}" and "${source.fieldSelector ?? ''}"`);
      }
      if (existing.source.transform !== source.transform) throw new Error(`${key} is watched with two transforms`);
      if (source.indexes) for (const i of existing.informers.values()) i.addIndexes(source.indexes);
      return existing.reader;
    }
    const make = (namespace: string | undefined) =>
      new Informer<T>(this.client, {
        path: resourcePath(source.resource, namespace ? { namespace } : {}),
        ...(source.labelSelector ? { labelSelector: source.labelSelector } : {}),
        ...(source.fieldSelector ? { fieldSelector: source.fieldSelector } : {}),
        ...(source.transform ? { transform: source.transform } : {}),
        ...(source.indexes ? { indexes: source.indexes } : {}),
        logger,
        ...(relistIntervalMs !== undefined ? { relistIntervalMs } : {}),
      });
    let informers: Map<string, Informer<T>>;
    let reader: CacheReader<T>;
    if (namespaces?.length) {
      informers = new Map(namespaces.map((ns) => [ns, make(ns)]));
      reader = informers.size === 1 ? [...informers.values()][0]! : new NamespacedInformers(informers);
    } else {
      const all = make(undefined);
      informers = new Map([['', all]]);
      reader = all;
    }
    this.entries.set(key, { source, informers, reader } as Entry<T> as unknown as Entry<Cached>);
    return reader;
  }

  private all(): Informer<Cached>[] {
    return [...this.entries.values()].flatMap((e) => [...e.informers.values()]);
  }

  /** Starts every informer and resolves once each has listed. */
  async start(): Promise<void> {
    for (const informer of this.all()) informer.start();
    await Promise.all(this.all().map((informer) => informer.synced()));
  }

  stop(): void {
    for (const informer of this.all()) informer.stop();
  }

  stats(): InformerStats[] {
    return this.all().map((informer) => informer.stats());
  }

  /** Objects cached per resource plural, for the log. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.entries.values()].map(({ source, reader }) => [source.resource.plural, reader.size]));
  }
}
