import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1Namespace,
  V1PolicyRule,
  V1ResourceRequirements,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import {
  AGENT_TYPES,
  CONTROLLER_NAME,
  CONTROLLER_NAMESPACE,
  HEALTH_PORT,
  METRICS_PORT,
  type AgentTypeName,
  Label,
  LabelValue,
} from '../api/constants.js';
import { CONTROLLER_LEADER_ELECTION_RULES } from './controller-rbac.js';
import { DEFAULT_KELOS_IMAGE } from './images.js';
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
}

export interface ControllerInstall {
  readonly namespace: V1Namespace;
  readonly serviceAccount: V1ServiceAccount;
  readonly clusterRole: V1ClusterRole;
  readonly clusterRoleBinding: V1ClusterRoleBinding;
  readonly leaderElectionRole: V1Role;
  readonly leaderElectionRoleBinding: V1RoleBinding;
  readonly deployment: V1Deployment;
  readonly metricsService: V1Service;
}

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
  for (const type of AGENT_TYPES) {
    const override = options.agentImages?.[type];
    if (override) args.push(`--${type}-image=${override}`);
  }
  return [...args, ...(options.extraArgs ?? [])];
}

/**
 * The controller install: namespace, ServiceAccount, ClusterRole/Binding with
 * exactly the given rules, leader-election Lease RBAC, the Deployment and a
 * metrics Service. The CRDs come from lib/api.
 */
export function controllerInstall(rules: readonly V1PolicyRule[], options: ControllerInstallOptions = {}): ControllerInstall {
  const ns = options.namespace ?? CONTROLLER_NAMESPACE;
  const labels = controllerLabels();
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: { ...labels } });
  const rbac = 'rbac.authorization.k8s.io';
  const leaderName = `${CONTROLLER_NAME}-leader-election`;

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
    clusterRoleBinding: {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: meta(CONTROLLER_NAME, false),
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: CONTROLLER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: ns }],
    },
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
                args: controllerArgs(options),
                env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
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
  };
}
