import { GROUP, Kind, Plural, VERSION } from '../api/constants.js';

/** A REST resource kind: group ('' for core), version, plural, and the kind of its objects. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

const kelos = <K extends Kind>(kind: K) => ({ group: GROUP, version: VERSION, plural: Plural[kind], kind }) as const;

export const Resources = {
  tasks: kelos(Kind.TASK),
  workspaces: kelos(Kind.WORKSPACE),
  agentConfigs: kelos(Kind.AGENT_CONFIG),
  taskSpawners: kelos(Kind.TASK_SPAWNER),
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
  cronJobs: { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount' },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role' },
  roleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding' },
  clusterRoles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole' },
  clusterRoleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
  networkPolicies: { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy' },
  validatingAdmissionPolicies: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
  },
  validatingAdmissionPolicyBindings: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
  },
  resourceQuotas: { group: '', version: 'v1', plural: 'resourcequotas', kind: 'ResourceQuota' },
  customResourceDefinitions: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition' },
} as const satisfies Record<string, ResourceType>;

/** `v1`, `batch/v1`, `kelos.dev/v1alpha1`: the apiVersion of a resource's objects. */
function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

const BY_KIND: ReadonlyMap<string, ResourceType> = new Map(Object.values(Resources).map((r: ResourceType) => [`${apiVersionOf(r)}/${r.kind}`, r]));

/** The resource of an object's apiVersion and kind (the kinds kelos touches). */
export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const r = BY_KIND.get(`${apiVersion}/${kind}`);
  if (!r) throw new Error(`no REST mapping for ${apiVersion} ${kind}`);
  return r;
}

/** `/api/v1/namespaces/ns/pods/name/log`, `/apis/batch/v1/jobs`, … */
export function resourcePath(type: ResourceType, where: { readonly namespace?: string; readonly name?: string; readonly subresource?: string } = {}): string {
  const root = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = where.namespace ? `/namespaces/${encodeURIComponent(where.namespace)}` : '';
  const name = where.name ? `/${encodeURIComponent(where.name)}` : '';
  const sub = where.name && where.subresource ? `/${where.subresource}` : '';
  return `${root}${ns}/${type.plural}${name}${sub}`;
}

/** The path of an object from its own apiVersion, kind, namespace and name. */
export function objectPath(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }, subresource?: string): string {
  const type = resourceOf(obj.apiVersion ?? '', obj.kind ?? '');
  return resourcePath(type, {
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
    ...(obj.metadata?.name ? { name: obj.metadata.name } : {}),
    ...(subresource ? { subresource } : {}),
  });
}
