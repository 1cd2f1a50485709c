import type { V1PolicyRule } from '@kubernetes/client-node';
import { GROUP } from '../api/constants.js';

/**
 * Exactly what `kelos controller` does in the cluster, as ClusterRole rules;
 * the controller install grants these and nothing more. Reads come from
 * list+watch informers; writes are server-side apply (PATCH, and CREATE when
 * the object is new), the Job's create-if-absent POST, and DELETE.
 *
 * The controller also writes the Role of TaskSpawners applied as YAML, and
 * RBAC forbids granting what one does not hold: every verb of a spawner Role
 * (lib/render/spawner-workload.ts `spawnerRules`) is held here too (tasks
 * create, taskspawners/status get+update, secrets get, configmaps get).
 */
export const CONTROLLER_RULES: readonly V1PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['tasks'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] },
  { apiGroups: [GROUP], resources: ['tasks/status'], verbs: ['patch'] },
  // blockOwnerDeletion on a Task's Job, ConfigMap and Secret (OwnerReferencesPermissionEnforcement).
  { apiGroups: [GROUP], resources: ['tasks/finalizers'], verbs: ['update'] },
  { apiGroups: [GROUP], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: ['taskspawners/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [GROUP], resources: ['taskspawners/finalizers'], verbs: ['update'] },
  { apiGroups: [GROUP], resources: ['workspaces', 'agentconfigs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  // <task>-plugins ConfigMaps and <task>-mcp Secrets; Secrets of MCP servers are read.
  // configmaps get: only held so that the Role of a spawner can grant it (its trigger ledger).
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'patch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  // Workloads of TaskSpawners applied as YAML.
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'patch'] },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['create', 'delete', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'patch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'patch'] },
];

/** Leader election: the Lease in the controller's namespace (a Role there, not cluster-wide). */
export const CONTROLLER_LEADER_ELECTION_RULES: readonly V1PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] },
];

/** Whether `rules` allow `verb` on `group/resource` (optionally a named object), RBAC-style. */
export function rulesAllow(rules: readonly V1PolicyRule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === '*' || g === group) &&
      (r.resources ?? []).some((x) => x === '*' || x === resource) &&
      r.verbs.some((v) => v === '*' || v === verb) &&
      (!r.resourceNames?.length || (name !== undefined && r.resourceNames.includes(name))),
  );
}

/** Every permission of `granted` that `holder` lacks, as `group/resource verb [name]` (empty: no escalation). */
export function missingForGrant(holder: readonly V1PolicyRule[], granted: readonly V1PolicyRule[]): string[] {
  const missing: string[] = [];
  for (const r of granted) {
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        for (const v of r.verbs) {
          const names = r.resourceNames?.length ? r.resourceNames : [undefined];
          for (const n of names) {
            // Holding the verb on every object covers any named grant.
            if (!rulesAllow(holder, g, res, v) && !rulesAllow(holder, g, res, v, n)) missing.push(`${g}/${res} ${v}${n ? ` ${n}` : ''}`);
          }
        }
      }
    }
  }
  return missing;
}
