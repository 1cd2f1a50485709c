import type { Cached, CacheReader, Transform } from '../kube/informer.js';
import type { ResourceType } from '../kube/resource-path.js';

// The contract between a reconciler and the manager that runs it
// (controller-runtime's Reconciler and SetupWithManager): the reconciler
// declares what it watches and which of its objects each event touches; the
// manager owns the informers, the work queue and the workers.

/** Which object to reconcile, among those of the reconciler's kind. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

export interface ReconcileResult {
  /** Reconcile this key again after so many milliseconds, even if nothing changes. */
  readonly requeueAfter?: number;
}

/** A resource a reconciler watches, as its informer caches it. */
export interface Source<T extends Cached> {
  readonly resource: ResourceType;
  /** @default - every object */
  readonly labelSelector?: string;
  /** @default - every object */
  readonly fieldSelector?: string;
  /** What the cache keeps of each object. @default - the object without managedFields */
  readonly transform?: Transform<T>;
  /** Secondary indexes the reconciler reads with `byIndex`. @default - none */
  readonly indexes?: Readonly<Record<string, (obj: T) => readonly string[]>>;
}

/**
 * Which objects of the reconciler's kind an event touches. An event with no
 * mapping enqueues nothing.
 */
export interface EventHandler<T> {
  readonly add?: (obj: T) => Iterable<ObjectKey>;
  readonly update?: (obj: T, old: T) => Iterable<ObjectKey>;
  readonly delete?: (obj: T) => Iterable<ObjectKey>;
}

/** What a reconciler sees of the manager while it declares its watches. */
export interface ManagerSetup {
  /**
   * Watches `source` and maps its events through `handler` to keys of this
   * reconciler's kind. Returns the informer to read from: one per resource,
   * shared with every reconciler that watches it (same label selector and
   * transform; indexes are merged).
   */
  watch<T extends Cached>(source: Source<T>, handler?: EventHandler<T>): CacheReader<T>;
}

export interface Reconciler {
  /** The kind of the objects it reconciles: the manager hands it the keys of this kind only. */
  readonly kind: string;
  /** Its name in metrics (`controller` label of kelos_reconcile_errors_total). */
  readonly name: string;
  /** Declares its watches; called once, before the informers start. */
  setupWithManager(mgr: ManagerSetup): void;
  /** Level-based: reads the world, moves it toward the object's spec. Throws to be retried with backoff. */
  reconcile(key: ObjectKey): Promise<ReconcileResult>;
}
