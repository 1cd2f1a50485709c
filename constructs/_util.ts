// Private helpers shared by the constructs.
import { ApiObject, Chart, Duration, JsonPatch, Lazy } from 'cdk8s';
import type { Construct } from 'constructs';
import { API_VERSION } from '../lib/api/constants.js';

/** An error in a construct's props: the construct path, the prop, the bad value, what is allowed. */
export class PropError extends Error {
  constructor(scope: Construct, prop: string, message: string) {
    // The app itself is the root: its path is empty.
    super(`${scope.node.path || scope.constructor.name}: '${prop}' ${message}`);
    this.name = 'PropError';
  }
}

export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The object name: the `name` prop, else the construct id; must be a DNS-1123
 * subdomain (a `generateName` prefix may end with '-').
 */
export function objectName(scope: Construct, id: string, name: string | undefined, prefix = false): string {
  const n = name ?? id;
  const checked = prefix ? n.replace(/-$/, '') : n;
  if (checked.length > 253 || !DNS1123_SUBDOMAIN.test(checked)) {
    throw new PropError(
      scope,
      name === undefined ? 'id' : 'name',
      `must be a lowercase DNS-1123 name (a-z, 0-9, '-', '.'; at most 253 characters), got ${show(n)}`,
    );
  }
  return n;
}

export function checkInteger(scope: Construct, prop: string, value: number | undefined, min: number, max = 2 ** 31 - 1): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PropError(scope, prop, `must be an integer >= ${min}${max < 2 ** 31 - 1 ? ` and <= ${max}` : ''}, got ${show(value)}`);
  }
}

export function checkOneOf<T extends string>(scope: Construct, prop: string, value: T | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new PropError(scope, prop, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`);
  }
}

/** A Go duration string ("5m", "90s", "1h") from a cdk8s Duration. */
export function goDuration(d: Duration): string {
  const s = d.toSeconds();
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** Sync options of what must outlive a prune and the deletion of its ArgoCD Application (CRDs, namespaces). */
export const ARGOCD_KEEP = 'Prune=false,Delete=false';

/** ArgoCD sync waves: CRDs, then the controller and pipeline namespaces, then custom resources, then spawner workloads. */
export const SyncWave = { CRDS: '-2', CONTROLLER: '-1', NAMESPACE: '-1', RESOURCES: '0', WORKLOADS: '1' } as const;

/** A Namespace kelos renders for a chart or a namespaced install: first in its chart, never pruned or deleted by ArgoCD. */
export function namespaceObject(name: string): { apiVersion: 'v1'; kind: 'Namespace'; metadata: { name: string; annotations: Record<string, string> } } {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, annotations: { [ARGOCD_SYNC_WAVE]: SyncWave.NAMESPACE, [ARGOCD_SYNC_OPTIONS]: ARGOCD_KEEP } },
  };
}

/** Declares the primary kelos.dev custom resource of a construct, its spec rendered lazily. */
export function kelosResource(
  scope: Construct,
  kind: string,
  name: string,
  produce: () => unknown,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; generateName?: boolean } = {},
): ApiObject {
  const obj = new ApiObject(scope, 'Resource', {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      ...(extra.generateName ? {} : { name }),
      // Explicit, so a chart without a namespace renders what its spawners' `--taskspawner=default/…` expects.
      namespace: namespaceOf(scope),
      labels: extra.labels,
      annotations: {
        [ARGOCD_SYNC_WAVE]: SyncWave.RESOURCES,
        [ARGOCD_SYNC_OPTIONS]: 'SkipDryRunOnMissingResource=true',
        ...extra.annotations,
      },
    },
    spec: Lazy.any({ produce }),
  });
  if (extra.generateName) {
    obj.metadata.add('generateName', name);
    // cdk8s always names objects; a generateName object must not have one.
    obj.addJsonPatch(JsonPatch.remove('/metadata/name'));
  }
  return obj;
}

/** Drops undefined fields; an empty list becomes undefined so it is left out. */
export function some<T>(list: readonly T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? [...list] : undefined;
}

/** The namespace objects of this scope render into. */
export function namespaceOf(scope: Construct): string {
  return Chart.of(scope).namespace ?? 'default';
}
