import type {
  V1Deployment,
  V1Ingress,
  V1PodDisruptionBudget,
  V1PolicyRule,
  V1ResourceRequirements,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { GROUP, HEALTH_PORT, Label, LabelValue, METRICS_PORT } from '../api/constants.js';
import type { GenericRouteConfig } from '../webhook/config.js';
import { genericFlag, WEBHOOK_PORT, WEBHOOK_REPORTING_LEASE } from '../webhook/config.js';
import { DEFAULT_KELOS_IMAGE } from './images.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security.js';

export { WEBHOOK_PORT };

/** Name of the webhook server's Deployment, Service, ServiceAccount, Role and the rest, in its namespace. */
export const WEBHOOK_SERVER_NAME = 'kelos-webhook-server';
export const WEBHOOK_SERVER_COMPONENT = 'webhook-server';

export interface WebhookServerIngressOptions {
  /** Host the senders reach, e.g. `hooks.example.com`. */
  readonly host: string;
  /** @default - the cluster's default IngressClass */
  readonly className?: string;
  /** TLS certificate Secret for `host`. @default - no TLS section (terminate TLS elsewhere) */
  readonly tlsSecretName?: string;
  /** @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface WebhookServerInstallOptions {
  readonly namespace: string;
  /** @default DEFAULT_KELOS_IMAGE */
  readonly image?: string;
  /** @default IfNotPresent */
  readonly imagePullPolicy?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default - 20m CPU and 96Mi requested, 256Mi limit */
  readonly resources?: V1ResourceRequirements;
  readonly github?: { readonly secretName: string };
  readonly linear?: { readonly secretName: string };
  readonly slack?: { readonly secretName: string; readonly botUserId?: string };
  /** Generic sources by name. */
  readonly generic?: Readonly<Record<string, GenericRouteConfig>>;
  /** @default 1 MiB (the server's default) */
  readonly maxBodyBytes?: number;
  /** Secrets the webhook spawners' contextSources send as headers (headersFrom). @default - none */
  readonly contextSecrets?: readonly string[];
  /** @default - no Ingress */
  readonly ingress?: WebhookServerIngressOptions;
  /**
   * Report the Tasks of githubWebhook spawners with `reporting` back to
   * GitHub: the Workspaces those spawners use and their token Secrets.
   * @default - no reporting
   */
  readonly reporting?: WebhookReportingInstallOptions;
}

export interface WebhookReportingInstallOptions {
  readonly workspaces: readonly string[];
  readonly secrets: readonly string[];
}

export interface WebhookServerInstall {
  readonly serviceAccount: V1ServiceAccount;
  readonly role: V1Role;
  readonly roleBinding: V1RoleBinding;
  readonly deployment: V1Deployment;
  readonly service: V1Service;
  readonly podDisruptionBudget: V1PodDisruptionBudget;
  readonly ingress?: V1Ingress;
}

export const DEFAULT_WEBHOOK_SERVER_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '20m', memory: '96Mi' },
  limits: { memory: '256Mi' },
};

export function webhookServerLabels(): Record<string, string> {
  return { [Label.NAME]: LabelValue.NAME, [Label.COMPONENT]: WEBHOOK_SERVER_COMPONENT };
}

/** The Secrets the server verifies with and the contextSources' header Secrets, sorted. */
export function webhookSecretNames(
  options: Pick<WebhookServerInstallOptions, 'github' | 'linear' | 'slack' | 'generic' | 'contextSecrets' | 'reporting'>,
): string[] {
  const names = [
    ...(options.reporting?.secrets ?? []),
    options.github?.secretName,
    options.linear?.secretName,
    options.slack?.secretName,
    ...Object.values(options.generic ?? {}).map((g) => g.secretName),
    ...(options.contextSecrets ?? []),
  ];
  return [...new Set(names.filter((n): n is string => !!n))].sort();
}

/**
 * Least privilege of the webhook server in its namespace: read the
 * TaskSpawners (and count a Task in status.totalTasksCreated for
 * maxTotalTasks), create Tasks and read them back (a redelivery finds its
 * Task), own them (blockOwnerDeletion), and read exactly its Secrets: the
 * routes' and those its spawners' contextSources send as headers. With
 * reporting: list the Tasks and patch them (their spec is immutable, so
 * only metadata: the report annotations), read the reporting spawners'
 * Workspaces and token Secrets by name, and hold one Lease so a single
 * replica reports (create cannot be limited to a name).
 */
export function webhookServerRules(secretNames: readonly string[], reporting?: WebhookReportingInstallOptions): V1PolicyRule[] {
  const rules: V1PolicyRule[] = [
    { apiGroups: [GROUP], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [GROUP], resources: ['taskspawners/status'], verbs: ['patch'] },
    { apiGroups: [GROUP], resources: ['taskspawners/finalizers'], verbs: ['update'] },
    { apiGroups: [GROUP], resources: ['tasks'], verbs: reporting ? ['create', 'get', 'list', 'patch'] : ['create', 'get'] },
  ];
  if (secretNames.length > 0) rules.push({ apiGroups: [''], resources: ['secrets'], resourceNames: [...secretNames], verbs: ['get'] });
  if (reporting) {
    if (reporting.workspaces.length > 0)
      rules.push({ apiGroups: [GROUP], resources: ['workspaces'], resourceNames: [...new Set(reporting.workspaces)].sort(), verbs: ['get'] });
    rules.push(
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [WEBHOOK_REPORTING_LEASE], verbs: ['get', 'update'] },
    );
  }
  return rules;
}

/** The `kelos webhook-server` arguments. */
export function webhookServerArgs(options: WebhookServerInstallOptions): string[] {
  const args = [
    'webhook-server',
    `--namespace=${options.namespace}`,
    `--addr=:${WEBHOOK_PORT}`,
    `--metrics-addr=:${METRICS_PORT}`,
    `--health-addr=:${HEALTH_PORT}`,
  ];
  if (options.github) args.push(`--github-secret=${options.github.secretName}`);
  if (options.linear) args.push(`--linear-secret=${options.linear.secretName}`);
  if (options.slack) args.push(`--slack-secret=${options.slack.secretName}`);
  if (options.slack?.botUserId) args.push(`--slack-bot-user-id=${options.slack.botUserId}`);
  for (const source of Object.keys(options.generic ?? {}).sort()) args.push(`--generic=${genericFlag(source, options.generic![source]!)}`);
  if (options.maxBodyBytes !== undefined) args.push(`--max-body-bytes=${options.maxBodyBytes}`);
  if (options.reporting) args.push('--report');
  return args;
}

/**
 * The webhook server of one namespace: its ServiceAccount and Role, a
 * Deployment of 2 replicas spread over nodes (deliveries go to either; Task
 * names make them agree), a Service, a PodDisruptionBudget that keeps one
 * replica up, and optionally an Ingress for `/webhook`.
 */
export function webhookServerInstall(options: WebhookServerInstallOptions): WebhookServerInstall {
  const ns = options.namespace;
  const labels = webhookServerLabels();
  const meta = () => ({ name: WEBHOOK_SERVER_NAME, namespace: ns, labels: { ...labels } });
  const rbac = 'rbac.authorization.k8s.io';
  const replicas = options.replicas ?? 2;
  const install: WebhookServerInstall = {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    role: { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: meta(), rules: webhookServerRules(webhookSecretNames(options), options.reporting) },
    roleBinding: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: meta(),
      roleRef: { apiGroup: rbac, kind: 'Role', name: WEBHOOK_SERVER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WEBHOOK_SERVER_NAME, namespace: ns }],
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        replicas,
        // A new pod is ready before an old one stops: deliveries always have a replica.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: WEBHOOK_SERVER_NAME,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: 30,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...labels } } } },
                ],
              },
            },
            containers: [
              {
                name: 'webhook-server',
                image: options.image ?? DEFAULT_KELOS_IMAGE,
                imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
                args: webhookServerArgs(options),
                env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
                ports: [
                  { name: 'http', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
                  { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                ],
                livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, initialDelaySeconds: 5, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, initialDelaySeconds: 1, periodSeconds: 2 },
                resources: structuredClone(options.resources ?? DEFAULT_WEBHOOK_SERVER_RESOURCES),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(),
      spec: {
        selector: { ...labels },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
        ],
      },
    },
    podDisruptionBudget: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: { minAvailable: replicas > 1 ? 1 : 0, selector: { matchLabels: { ...labels } } },
    },
  };
  const ing = options.ingress;
  if (!ing) return install;
  return {
    ...install,
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { ...meta(), ...(ing.annotations ? { annotations: { ...ing.annotations } } : {}) },
      spec: {
        ...(ing.className ? { ingressClassName: ing.className } : {}),
        ...(ing.tlsSecretName ? { tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }] } : {}),
        rules: [
          {
            host: ing.host,
            http: { paths: [{ path: '/webhook', pathType: 'Prefix', backend: { service: { name: WEBHOOK_SERVER_NAME, port: { name: 'http' } } } }] },
          },
        ],
      },
    },
  };
}
