// REST paths of arbitrary objects, found through the apiserver's discovery
// (install, uninstall and diff handle every kind dist/ may hold).
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { isNotFound } from '../../lib/kube/kube-error.js';
import { UserError } from '../errors.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ResourceInfo {
  /** `/api/v1` or `/apis/<group>/<version>` */
  readonly base: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export class RestMapper {
  private readonly lists = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(private readonly client: KubeClient) {}

  /** Forgets what discovery said about `apiVersion` (after installing CRDs). */
  forget(apiVersion?: string): void {
    if (apiVersion) this.lists.delete(apiVersion);
    else this.lists.clear();
  }

  /** The resource of a kind; undefined when the cluster does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list = this.lists.get(apiVersion);
    if (!list) {
      list = this.client
        .json<{ resources: ApiResource[] }>('GET', base)
        .then((r) => r.resources.filter((x) => !x.name.includes('/')))
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      this.lists.set(apiVersion, list);
    }
    const r = (await list)?.find((x) => x.kind === kind);
    return r ? { base, plural: r.name, namespaced: r.namespaced } : undefined;
  }

  /** The path of an object; undefined when its kind is not served. */
  async path(obj: Manifest, defaultNamespace = 'default'): Promise<string | undefined> {
    const r = await this.resource(obj.apiVersion, obj.kind);
    if (!r) return undefined;
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? defaultNamespace)}` : '';
    return `${r.base}${ns}/${r.plural}/${encodeURIComponent(obj.metadata.name ?? '')}`;
  }
}

/** `Kind ns/name` or `Kind name`, for messages. */
export function describeObject(obj: Manifest): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

/** Apply order: CRDs, the namespace, identities and RBAC, then workloads. */
const KIND_ORDER = [
  'CustomResourceDefinition',
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
];

export function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** Server-side applies `obj` (force, kelos field manager), optionally as a dry run. */
export async function applyObject(client: KubeClient, mapper: RestMapper, obj: Manifest, opts: { dryRun?: boolean } = {}): Promise<Manifest> {
  const path = await mapper.path(obj);
  if (!path) throw new UserError(`${describeObject(obj)}: the cluster does not serve ${obj.apiVersion} ${obj.kind}`);
  return client.json<Manifest>('PATCH', path, {
    body: obj,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: client.fieldManagerName, force: true, ...(opts.dryRun ? { dryRun: 'All' } : {}) },
  });
}
