import type { EventHandler, ObjectKey } from './reconciler.js';

// Mappings from an event to the keys it touches, shared by reconcilers
// (controller-runtime's handler package).

interface Meta {
  readonly metadata?: {
    readonly namespace?: string;
    readonly name?: string;
    readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
  };
}

/** The key of an object itself. */
export function objectKey(obj: Meta): ObjectKey {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

/** The key of the object's owner of `kind` (in its namespace), if it has one. */
export function ownerKeys(obj: Meta, kind: string): ObjectKey[] {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.kind === kind);
  return ref ? [{ namespace: obj.metadata?.namespace ?? '', name: ref.name }] : [];
}

/** Every event (add, update, delete) mapped the same way. */
export function onEveryEvent<T>(map: (obj: T) => Iterable<ObjectKey>): EventHandler<T> {
  return { add: map, update: map, delete: map };
}

/** Every event enqueues the object itself (EnqueueRequestForObject). */
export function enqueueObject<T extends Meta>(): EventHandler<T> {
  return onEveryEvent((obj) => [objectKey(obj)]);
}

/** Every event enqueues the object's owner of `kind` (EnqueueRequestForOwner). */
export function enqueueOwner<T extends Meta>(kind: string): EventHandler<T> {
  return onEveryEvent((obj) => ownerKeys(obj, kind));
}
