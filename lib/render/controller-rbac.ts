import type { V1PolicyRule } from '@kubernetes/client-node';
import { GROUP } from '../api/constants.js';

/**
 * Exactly what `kelos controller` does in the namespaces it serves, each rule
 * with its reason (README, Security). Reads come from list+watch informers;
 * writes are server-side apply (PATCH, and CREATE when the object is new),
 * the Job's create-if-absent POST, and DELETE. Secrets are not here: see
 * CONTROLLER_SECRET_RULES.
 *
 * The controller also writes the Role of TaskSpawners applied as YAML, and
 * RBAC forbids granting what one does not hold: every verb of a spawner Role
 * (lib/render/spawner-workload.ts `spawnerRules`) is held here too (tasks
 * create, taskspawners/status get+update). Spawner Roles grant no Secret:
 * spawner pods get theirs as volumes, read by the kubelet.
 */
export const CONTROLLER_PERMISSIONS: ReadonlyArray<{ readonly rule: V1PolicyRule; readonly why: string }> = [
  {
    rule: { apiGroups: [GROUP], resources: ['tasks'], verbs: ['create', 'delete', 'get', 'list', 'watch', 'patch'] },
    why: 'watch Tasks; patch the finalizer; delete after ttlSecondsAfterFinished; create is only held so that spawner Roles may grant it',
  },
  { rule: { apiGroups: [GROUP], resources: ['tasks/status'], verbs: ['patch'] }, why: "write a Task's phase, conditions and outputs" },
  {
    rule: { apiGroups: [GROUP], resources: ['tasks/finalizers'], verbs: ['update'] },
    why: "owner references with blockOwnerDeletion on a Task's Job, ConfigMap and Secrets",
  },
  { rule: { apiGroups: [GROUP], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] }, why: 'watch TaskSpawners applied as YAML' },
  {
    rule: { apiGroups: [GROUP], resources: ['taskspawners/status'], verbs: ['get', 'patch', 'update'] },
    why: "write a TaskSpawner's workload status; get and update are held so that spawner Roles may grant them",
  },
  {
    rule: { apiGroups: [GROUP], resources: ['taskspawners/finalizers'], verbs: ['update'] },
    why: 'owner references on spawner workloads; held so that spawner Roles may grant it',
  },
  {
    rule: { apiGroups: [GROUP], resources: ['workspaces', 'agentconfigs'], verbs: ['get', 'list', 'watch'] },
    why: 'the Workspace and AgentConfigs a Task or TaskSpawner names',
  },
  {
    rule: { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
    why: "a Task's Job: create, watch, delete when the Task is deleted or its Pod never starts",
  },
  { rule: { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }, why: "the Pod of a Task's Job: started, waiting, unschedulable" },
  { rule: { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }, why: "the outputs block at the end of the agent's log" },
  {
    rule: { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'patch'] },
    why: "a Task's <task>-plugins ConfigMap (AgentConfig plugin files); get is only held so that spawner Roles may grant it (their trigger ledger)",
  },
  {
    rule: { apiGroups: [''], resources: ['events'], verbs: ['create', 'list', 'watch'] },
    why: 'record Task Events; watch the FailedCreate Events of Jobs (PodSecurity, ResourceQuota, LimitRange refusals)',
  },
  {
    rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
    why: "read the namespace's agent pod policy annotations, only for a Task whose podOverrides names a ServiceAccount or Secrets",
  },
  {
    rule: { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'patch'] },
    why: 'the Deployment of a polling TaskSpawner applied as YAML',
  },
  {
    rule: { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['create', 'delete', 'patch'] },
    why: 'the CronJob of a cron TaskSpawner applied as YAML',
  },
  {
    rule: { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'patch'] },
    why: 'the ServiceAccount of a spawner workload',
  },
  {
    rule: { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'patch'] },
    why: 'the Role and RoleBinding of a spawner workload; the apiserver lets them grant only what the controller holds',
  },
];

export const CONTROLLER_RULES: readonly V1PolicyRule[] = CONTROLLER_PERMISSIONS.map((p) => p.rule);

/**
 * Secrets, only in the namespaces an operator grants them (a RoleBinding to
 * the `kelos-controller-secrets` ClusterRole; every served namespace of a
 * namespaced install): read the Secrets of MCP servers (headersFrom,
 * envFrom) and of Workspaces (to tell GitHub App keys from a token), and
 * write a Task's `<task>-mcp` and `<task>-github-token` Secrets.
 */
export const CONTROLLER_SECRET_PERMISSIONS: ReadonlyArray<{ readonly rule: V1PolicyRule; readonly why: string }> = [
  {
    rule: { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'patch'] },
    why: "get: MCP server Secrets and the Workspace Secret (GitHub App keys); create, patch: a Task's <task>-mcp and <task>-github-token Secrets",
  },
];

export const CONTROLLER_SECRET_RULES: readonly V1PolicyRule[] = CONTROLLER_SECRET_PERMISSIONS.map((p) => p.rule);

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
