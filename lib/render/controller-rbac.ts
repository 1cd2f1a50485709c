import type { V1PolicyRule } from '@kubernetes/client-node';
import { GROUP } from '../api/constants.js';

/**
 * Exactly what `kelos controller` does in the cluster, as ClusterRole rules.
 * The controller install grants these and nothing more. It also provisions
 * the workload and Role of TaskSpawners applied as YAML, so it holds every
 * permission it grants them (RBAC forbids granting what one does not hold).
 */
export const CONTROLLER_RULES: readonly V1PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['tasks'], verbs: ['delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: [GROUP], resources: ['tasks/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [GROUP], resources: ['tasks/finalizers'], verbs: ['update'] },
  // Spawner Roles grant Task creation, so the controller must hold it too.
  { apiGroups: [GROUP], resources: ['tasks'], verbs: ['create'] },
  { apiGroups: [GROUP], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: ['taskspawners/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [GROUP], resources: ['taskspawners/finalizers'], verbs: ['update'] },
  { apiGroups: [GROUP], resources: ['workspaces', 'agentconfigs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  // Plugin ConfigMaps and MCP Secrets owned by Tasks; MCP secrets and workspace tokens are read.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete', 'get', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];
