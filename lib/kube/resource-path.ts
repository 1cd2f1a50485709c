/** A REST resource kind: group ('' for core), version, plural. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export const Resources = {
  tasks: { group: 'kelos.dev', version: 'v1alpha1', plural: 'tasks' },
  workspaces: { group: 'kelos.dev', version: 'v1alpha1', plural: 'workspaces' },
  agentConfigs: { group: 'kelos.dev', version: 'v1alpha1', plural: 'agentconfigs' },
  taskSpawners: { group: 'kelos.dev', version: 'v1alpha1', plural: 'taskspawners' },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs' },
  cronJobs: { group: 'batch', version: 'v1', plural: 'cronjobs' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments' },
  pods: { group: '', version: 'v1', plural: 'pods' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps' },
  secrets: { group: '', version: 'v1', plural: 'secrets' },
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts' },
  events: { group: '', version: 'v1', plural: 'events' },
  namespaces: { group: '', version: 'v1', plural: 'namespaces' },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles' },
  roleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings' },
  clusterRoles: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles' },
  clusterRoleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
  customResourceDefinitions: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' },
} as const satisfies Record<string, ResourceType>;

const KIND_RESOURCES: Record<string, ResourceType> = {
  'kelos.dev/v1alpha1/Task': Resources.tasks,
  'kelos.dev/v1alpha1/Workspace': Resources.workspaces,
  'kelos.dev/v1alpha1/AgentConfig': Resources.agentConfigs,
  'kelos.dev/v1alpha1/TaskSpawner': Resources.taskSpawners,
  'batch/v1/Job': Resources.jobs,
  'batch/v1/CronJob': Resources.cronJobs,
  'apps/v1/Deployment': Resources.deployments,
  'v1/Pod': Resources.pods,
  'v1/ConfigMap': Resources.configMaps,
  'v1/Secret': Resources.secrets,
  'v1/ServiceAccount': Resources.serviceAccounts,
  'v1/Event': Resources.events,
  'v1/Namespace': Resources.namespaces,
  'rbac.authorization.k8s.io/v1/Role': Resources.roles,
  'rbac.authorization.k8s.io/v1/RoleBinding': Resources.roleBindings,
  'rbac.authorization.k8s.io/v1/ClusterRole': Resources.clusterRoles,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': Resources.clusterRoleBindings,
  'coordination.k8s.io/v1/Lease': Resources.leases,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': Resources.customResourceDefinitions,
};

/** The resource of an object's apiVersion and kind (the kinds kelos touches). */
export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const r = KIND_RESOURCES[`${apiVersion}/${kind}`];
  if (!r) throw new Error(`no REST mapping for ${apiVersion} ${kind}`);
  return r;
}

/** `/api/v1/namespaces/ns/pods/name/log`, `/apis/batch/v1/jobs`, … */
export function resourcePath(
  type: ResourceType,
  where: { readonly namespace?: string; readonly name?: string; readonly subresource?: string } = {},
): string {
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
