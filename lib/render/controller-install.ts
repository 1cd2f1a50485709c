import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1Namespace,
  V1NetworkPolicy,
  V1PolicyRule,
  V1ResourceRequirements,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { AGENT_TYPES, type AgentTypeName, CONTROLLER_NAME, CONTROLLER_NAMESPACE, HEALTH_PORT, Label, LabelValue, METRICS_PORT } from '../api/constants.js';
import { type AdmissionObject, agentPodPolicy, spawnerTasksPolicy } from './admission-policies.js';
import { CONTROLLER_LEADER_ELECTION_RULES, CONTROLLER_SECRET_RULES } from './controller-rbac.js';
import { DEFAULT_KELOS_IMAGE, KELOS_IMAGE_CLI } from './images.js';
import { agentNetworkPolicy, controllerNetworkPolicy, spawnerNetworkPolicy } from './network-policies.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security.js';

export { CONTROLLER_NAME, CONTROLLER_NAMESPACE, HEALTH_PORT, METRICS_PORT };

export interface ControllerInstallOptions {
  /** @default kelos-system */
  readonly namespace?: string;
  /** The runtime image (`kelos controller`). @default DEFAULT_KELOS_IMAGE */
  readonly image?: string;
  /** @default IfNotPresent */
  readonly imagePullPolicy?: string;
  /** Replicas; one leader reconciles, the others stand by. @default 2 */
  readonly replicas?: number;
  /** @default - 50m CPU / 128Mi requested, 512Mi limit */
  readonly resources?: V1ResourceRequirements;
  /** Agent image per type, overriding the defaults. @default - the published images */
  readonly agentImages?: Partial<Record<AgentTypeName, string>>;
  /** Image the controller gives spawner workloads of TaskSpawners applied as YAML. @default - the controller image */
  readonly spawnerImage?: string;
  /** Extra `kelos controller` arguments. @default - none */
  readonly extraArgs?: readonly string[];
  /**
   * A namespaced install: the controller watches only these namespaces and
   * holds its rights through a RoleBinding in each, and each gets the agent
   * and spawner NetworkPolicies. @default - all namespaces, through a ClusterRoleBinding
   */
  readonly namespaces?: readonly string[];
  /**
   * Namespaces where the controller may read and write Secrets (MCP server
   * Secrets, GitHub App Workspaces): a RoleBinding to kelos-controller-secrets
   * in each. Where it holds them it could also grant them, so grant them only
   * where they are needed. @default - none
   */
  readonly secretNamespaces?: readonly string[];
  /** More CIDRs agent pods must not reach (e.g. the API's public address). @default - none */
  readonly agentEgressExcept?: readonly string[];
}

/** Name of the ClusterRole with the controller's Secret rights, bound per namespace. */
export const CONTROLLER_SECRETS_ROLE = `${CONTROLLER_NAME}-secrets`;

export interface ControllerInstall {
  readonly namespace: V1Namespace;
  readonly serviceAccount: V1ServiceAccount;
  readonly clusterRole: V1ClusterRole;
  /** All-namespaces installs only. */
  readonly clusterRoleBinding?: V1ClusterRoleBinding;
  readonly secretsClusterRole: V1ClusterRole;
  /** The controller's rights in each namespace it serves (namespaced) or holds Secrets in. */
  readonly roleBindings: readonly V1RoleBinding[];
  readonly leaderElectionRole: V1Role;
  readonly leaderElectionRoleBinding: V1RoleBinding;
  readonly deployment: V1Deployment;
  readonly metricsService: V1Service;
  readonly networkPolicies: readonly V1NetworkPolicy[];
  readonly admissionPolicies: readonly AdmissionObject[];
}

/**
 * The controller's V8 flags, on its container's command (NODE_OPTIONS refuses
 * --optimize-for-size); bench:controller runs it with the same. Its live data
 * is small (2,000 cached Tasks are a few MB): what grows its RSS is V8's young
 * generation (16 MB semi-spaces by default) and heap slack. A 1 MB semi-space
 * and --optimize-for-size keep it under 100 MB at 2,000 Tasks.
 */
export const CONTROLLER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=384', '--max-semi-space-size=1', '--optimize-for-size'];

export const DEFAULT_CONTROLLER_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '50m', memory: '128Mi' },
  limits: { memory: '512Mi' },
};

export function controllerLabels(): Record<string, string> {
  return { [Label.NAME]: LabelValue.NAME, [Label.COMPONENT]: LabelValue.COMPONENT_CONTROLLER };
}

/** The arguments of `kelos controller` in the Deployment. */
export function controllerArgs(options: ControllerInstallOptions = {}): string[] {
  const ns = options.namespace ?? CONTROLLER_NAMESPACE;
  const image = options.image ?? DEFAULT_KELOS_IMAGE;
  const args = [
    'controller',
    '--leader-elect',
    `--leader-election-namespace=${ns}`,
    `--metrics-addr=:${METRICS_PORT}`,
    `--health-addr=:${HEALTH_PORT}`,
    `--spawner-image=${options.spawnerImage ?? image}`,
  ];
  if (options.namespaces?.length) args.push(`--namespaces=${[...options.namespaces].sort().join(',')}`);
  for (const type of AGENT_TYPES) {
    const override = options.agentImages?.[type];
    if (override) args.push(`--${type}-image=${override}`);
  }
  return [...args, ...(options.extraArgs ?? [])];
}

/**
 * The controller install: namespace, ServiceAccount, the ClusterRole with
 * exactly the given rules (bound cluster-wide, or per namespace for a
 * namespaced install), the Secrets ClusterRole bound per namespace,
 * leader-election Lease RBAC, the Deployment, a metrics Service,
 * NetworkPolicies and ValidatingAdmissionPolicies. The CRDs come from lib/api.
 */
export function controllerInstall(rules: readonly V1PolicyRule[], options: ControllerInstallOptions = {}): ControllerInstall {
  const ns = options.namespace ?? CONTROLLER_NAMESPACE;
  const labels = controllerLabels();
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: { ...labels } });
  const rbac = 'rbac.authorization.k8s.io';
  const leaderName = `${CONTROLLER_NAME}-leader-election`;
  const subjects = [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: ns }];
  const served = [...new Set(options.namespaces ?? [])].sort();
  const binding = (namespace: string, role: string): V1RoleBinding => ({
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name: role, namespace, labels: { ...labels } },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
    subjects: subjects.map((x) => ({ ...x })),
  });
  const secretNamespaces = [...new Set(options.secretNamespaces ?? [])].sort();

  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(CONTROLLER_NAME) },
    clusterRole: {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: meta(CONTROLLER_NAME, false),
      rules: rules.map((r) => structuredClone(r)),
    },
    ...(served.length
      ? {}
      : {
          clusterRoleBinding: {
            apiVersion: `${rbac}/v1`,
            kind: 'ClusterRoleBinding',
            metadata: meta(CONTROLLER_NAME, false),
            roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: CONTROLLER_NAME },
            subjects: subjects.map((x) => ({ ...x })),
          },
        }),
    secretsClusterRole: {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: meta(CONTROLLER_SECRETS_ROLE, false),
      rules: CONTROLLER_SECRET_RULES.map((r) => structuredClone(r)),
    },
    roleBindings: [...served.map((n) => binding(n, CONTROLLER_NAME)), ...secretNamespaces.map((n) => binding(n, CONTROLLER_SECRETS_ROLE))],
    leaderElectionRole: {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: meta(leaderName),
      rules: CONTROLLER_LEADER_ELECTION_RULES.map((r) => structuredClone(r)),
    },
    leaderElectionRoleBinding: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: meta(leaderName),
      roleRef: { apiGroup: rbac, kind: 'Role', name: leaderName },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: ns }],
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(CONTROLLER_NAME),
      spec: {
        replicas: options.replicas ?? 2,
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: CONTROLLER_NAME,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'controller',
                image: options.image ?? DEFAULT_KELOS_IMAGE,
                imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
                command: ['node', ...CONTROLLER_NODE_FLAGS, KELOS_IMAGE_CLI],
                args: controllerArgs(options),
                ports: [
                  { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                ],
                livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, initialDelaySeconds: 5, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, initialDelaySeconds: 2, periodSeconds: 5 },
                resources: structuredClone(options.resources ?? DEFAULT_CONTROLLER_RESOURCES),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    metricsService: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(`${CONTROLLER_NAME}-metrics`),
      spec: {
        selector: { ...labels },
        ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      },
    },
    networkPolicies: [
      controllerNetworkPolicy(ns, labels),
      ...served.flatMap((n) => [
        agentNetworkPolicy(n, labels, options.agentEgressExcept ? { agentEgressExcept: options.agentEgressExcept } : {}),
        spawnerNetworkPolicy(n, labels),
      ]),
    ],
    admissionPolicies: [...agentPodPolicy(labels), ...spawnerTasksPolicy(labels)],
  };
}
