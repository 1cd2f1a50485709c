import type { Logger } from 'pino';
import { Informer, type Cached, type InformerStats } from '../kube/informer.js';
import type { KubeClient } from '../kube/kube-client.js';
import { resourcePath } from '../kube/resource-path.js';
import type { Source } from './reconciler.js';

export interface SharedInformersOptions {
  /** Watch only this namespace. @default - all namespaces */
  readonly namespace?: string;
  /** @default - the Informer's default */
  readonly relistIntervalMs?: number;
  readonly logger: Logger;
}

/**
 * The manager's informers: one per resource, whichever reconcilers watch it,
 * in the order they were first asked for. Two watches of a resource must
 * agree on what to cache (label selector and transform); their indexes are merged.
 */
export class SharedInformers {
  private readonly entries = new Map<string, { readonly source: Source<any>; readonly informer: Informer<any> }>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: SharedInformersOptions,
  ) {}

  informer<T extends Cached>(source: Source<T>): Informer<T> {
    const { namespace, relistIntervalMs, logger } = this.options;
    const path = resourcePath(source.resource, namespace ? { namespace } : {});
    const existing = this.entries.get(path);
    if (existing) {
      if (existing.source.labelSelector !== source.labelSelector) {
        throw new Error(`${path} is watched with two label selectors: "${existing.source.labelSelector ?? ''}" and "${source.labelSelector ?? ''}"`);
      }
      if (existing.source.transform !== source.transform) throw new Error(`${path} is watched with two transforms`);
      if (source.indexes) existing.informer.addIndexes(source.indexes);
      return existing.informer as Informer<T>;
    }
    const informer = new Informer<T>(this.client, {
      path,
      ...(source.labelSelector ? { labelSelector: source.labelSelector } : {}),
      ...(source.transform ? { transform: source.transform } : {}),
      ...(source.indexes ? { indexes: source.indexes } : {}),
      logger,
      ...(relistIntervalMs !== undefined ? { relistIntervalMs } : {}),
    });
    this.entries.set(path, { source, informer });
    return informer;
  }

  /** Starts every informer and resolves once each has listed. */
  async start(): Promise<void> {
    for (const { informer } of this.entries.values()) informer.start();
    await Promise.all([...this.entries.values()].map(({ informer }) => informer.synced()));
  }

  stop(): void {
    for (const { informer } of this.entries.values()) informer.stop();
  }

  stats(): InformerStats[] {
    return [...this.entries.values()].map(({ informer }) => informer.stats());
  }

  /** Objects cached per resource plural, for the log. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.entries.values()].map(({ source, informer }) => [source.resource.plural, informer.size]));
  }
}
