import type {
  V1CronJob,
  V1Deployment,
  V1OwnerReference,
  V1PodSpec,
  V1PolicyRule,
  V1ResourceRequirements,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { GROUP, Label, LabelValue, METRICS_PORT } from '../api/constants.js';
import { isCronSpawner, isWebhookSpawner } from '../api/spawner-sources.js';
import type { TaskSpawnerSpec } from '../api/task-spawner.js';
import { DEFAULT_KELOS_IMAGE } from './images.js';
import { boundedName } from './names.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security.js';

/** The TaskSpawner fields the workload depends on. */
export interface SpawnerRef {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: TaskSpawnerSpec;
}

export interface SpawnerWorkloadOptions {
  /** @default DEFAULT_KELOS_IMAGE */
  readonly image?: string;
  /** @default IfNotPresent */
  readonly imagePullPolicy?: string;
  /**
   * Secrets the spawner reads (the Workspace's GitHub token, the Jira secret),
   * mounted under SPAWNER_SECRETS_DIR. The Jira secretRef of the spec is always included.
   * @default - only the Jira secret, when the source is jira
   */
  readonly secretNames?: readonly string[];
  /** @default - small requests, 256Mi memory limit */
  readonly resources?: V1ResourceRequirements;
  /** GitHub API base URL (GitHub Enterprise), passed as `--github-api-base-url`. @default - derived from the workspace repo */
  readonly githubApiBaseUrl?: string;
  /** Owner reference of every object (the controller: the TaskSpawner). @default - none */
  readonly owner?: V1OwnerReference;
}

export interface SpawnerWorkload {
  readonly serviceAccount: V1ServiceAccount;
  readonly role: V1Role;
  readonly roleBinding: V1RoleBinding;
  /** Polling sources (githubIssues, githubPullRequests, jira). */
  readonly deployment?: V1Deployment;
  /** The cron source. */
  readonly cronJob?: V1CronJob;
}

export const DEFAULT_SPAWNER_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { memory: '256Mi' },
};

/** Names of the objects that run a spawner, derived from its name alone. */
export function spawnerWorkloadNames(spawnerName: string) {
  return {
    /** Role, RoleBinding and Deployment. */
    workload: boundedName(spawnerName, '-spawner', 63),
    /**
     * `<spawner>-spawner` for every name a Task label can hold: the admission
     * policy kelos-spawner-tasks matches it to the Tasks' kelos.dev/taskspawner label.
     */
    serviceAccount: boundedName(spawnerName, '-spawner', 253),
    /** CronJob names are limited to 52 characters (the Job name suffix). */
    cronJob: boundedName(spawnerName, '-spawner', 52),
    /** The ConfigMap of its trigger ledger (lib/spawner/trigger-ledger.ts). */
    triggerLedger: boundedName(spawnerName, '-triggers', 253),
  };
}

export function spawnerLabels(spawnerName: string): Record<string, string> {
  return {
    [Label.NAME]: LabelValue.NAME,
    [Label.COMPONENT]: LabelValue.COMPONENT_SPAWNER,
    // Label values are at most 63 characters; longer names get a stable hash suffix.
    [Label.TASK_SPAWNER]: boundedName(spawnerName, '', 63),
  };
}

/** The command a spawner pod runs. */
export function spawnerArgs(spawner: SpawnerRef, options: SpawnerWorkloadOptions = {}): string[] {
  const args = ['spawner', `--taskspawner=${spawner.metadata.namespace}/${spawner.metadata.name}`];
  if (isCronSpawner(spawner.spec)) args.push('--one-shot');
  if (options.githubApiBaseUrl) args.push(`--github-api-base-url=${options.githubApiBaseUrl}`);
  return args;
}

/** Where a spawner pod finds each Secret it reads: `<dir>/<secret>/<key>`, mounted by the kubelet. */
export const SPAWNER_SECRETS_DIR = '/var/run/kelos/secrets';

/** The Secrets a spawner reads: the given ones, the Jira secretRef and the contextSources' headersFrom, sorted, once each. */
export function spawnerSecretNames(spawner: SpawnerRef, secretNames: readonly string[] = []): string[] {
  const context = (spawner.spec.taskTemplate.contextSources ?? []).flatMap((c) => (c.http?.headersFrom ?? []).map((h) => h.secretName));
  return [...new Set([...secretNames, ...(spawner.spec.when.jira ? [spawner.spec.when.jira.secretRef.name] : []), ...context])].sort();
}

/**
 * Least-privilege rules of a spawner: read its own TaskSpawner and write its
 * status; create, read and delete Tasks (RBAC cannot limit a write to the
 * Tasks a spawner labelled; create and list have no names); read its
 * Workspace. No Secret: the kubelet mounts the ones it needs.
 */
export function spawnerRules(spawner: SpawnerRef): V1PolicyRule[] {
  const name = spawner.metadata.name;
  const rules: V1PolicyRule[] = [
    { apiGroups: [GROUP], resources: ['taskspawners'], resourceNames: [name], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [GROUP], resources: ['taskspawners/status'], resourceNames: [name], verbs: ['get', 'patch', 'update'] },
    // Owner references with blockOwnerDeletion on spawned Tasks.
    { apiGroups: [GROUP], resources: ['taskspawners/finalizers'], resourceNames: [name], verbs: ['update'] },
    // patch only to keep, on its Tasks, what it reported to GitHub (the comment and check run to edit).
    {
      apiGroups: [GROUP],
      resources: ['tasks'],
      verbs: reportsToGitHub(spawner) ? ['create', 'delete', 'get', 'list', 'patch', 'watch'] : ['create', 'delete', 'get', 'list', 'watch'],
    },
    // The trigger ledger (lib/spawner/ledger-store.ts): RBAC cannot name what is created, only what is read and written.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [spawnerWorkloadNames(name).triggerLedger], verbs: ['get', 'patch'] },
  ];
  const workspace = spawner.spec.taskTemplate.workspaceRef?.name;
  if (workspace) {
    rules.push({ apiGroups: [GROUP], resources: ['workspaces'], resourceNames: [workspace], verbs: ['get'] });
  }
  return rules;
}

/** A polling GitHub source with `reporting` that says something (a comment or a check run). */
function reportsToGitHub(spawner: SpawnerRef): boolean {
  const r = spawner.spec.when.githubIssues?.reporting ?? spawner.spec.when.githubPullRequests?.reporting;
  return r?.enabled === true || (spawner.spec.when.githubPullRequests !== undefined && r?.checks !== undefined);
}

/**
 * Whether a TaskSpawner has a workload of its own: polling and cron sources
 * do; webhook sources (githubWebhook, linearWebhook, webhook, slack) do not —
 * the webhook server of their namespace receives their events, nothing polls.
 */
export function hasSpawnerWorkload(spec: Pick<TaskSpawnerSpec, 'when'>): boolean {
  return !isWebhookSpawner(spec);
}

/**
 * The workload that runs a TaskSpawner: a Deployment (polling sources) or a
 * CronJob (cron), with its ServiceAccount, Role and RoleBinding. Used by the
 * compiler for dist/ and by the controller for TaskSpawners applied as YAML.
 * Throws for a webhook source, which has none (see hasSpawnerWorkload).
 */
export function spawnerWorkload(spawner: SpawnerRef, options: SpawnerWorkloadOptions = {}): SpawnerWorkload {
  if (!hasSpawnerWorkload(spawner.spec)) {
    throw new Error(
      `TaskSpawner ${spawner.metadata.namespace}/${spawner.metadata.name} has a webhook source: the webhook server serves it, it has no spawner workload`,
    );
  }
  const { name, namespace } = spawner.metadata;
  const names = spawnerWorkloadNames(name);
  const labels = spawnerLabels(name);
  const suspended = spawner.spec.suspend === true;
  const owner = options.owner;
  const meta = (objectName: string) => ({
    name: objectName,
    namespace,
    labels: { ...labels },
    ...(owner ? { ownerReferences: [{ ...owner }] } : {}),
  });

  const serviceAccount: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(names.serviceAccount) };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(names.workload),
    rules: spawnerRules(spawner),
  };
  const roleBinding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(names.workload),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.workload },
    subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace }],
  };

  // Each Secret as a read-only volume; optional, so a missing one is the spawner's error message, not a stuck Pod.
  const secrets = spawnerSecretNames(spawner, options.secretNames);
  const volumes: V1Volume[] = secrets.map((secret, i) => ({ name: `secret-${i}`, secret: { secretName: secret, optional: true, defaultMode: 0o440 } }));
  const mounts: V1VolumeMount[] = secrets.map((secret, i) => ({ name: `secret-${i}`, mountPath: `${SPAWNER_SECRETS_DIR}/${secret}`, readOnly: true }));

  const podSpec = (restartPolicy: 'Always' | 'Never'): V1PodSpec => ({
    serviceAccountName: names.serviceAccount,
    restartPolicy,
    securityContext: restrictedPodSecurityContext(),
    containers: [
      {
        name: 'spawner',
        image: options.image ?? DEFAULT_KELOS_IMAGE,
        imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
        args: spawnerArgs(spawner, options),
        env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
        // The polling form serves its cycles and GitHub usage on /metrics; a one-shot run serves nothing.
        ...(restartPolicy === 'Always' ? { ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }] } : {}),
        resources: structuredClone(options.resources ?? DEFAULT_SPAWNER_RESOURCES),
        securityContext: restrictedContainerSecurityContext(),
        ...(mounts.length ? { volumeMounts: mounts } : {}),
      },
    ],
    ...(volumes.length ? { volumes } : {}),
  });

  if (isCronSpawner(spawner.spec)) {
    const cronJob: V1CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(names.cronJob),
      spec: {
        schedule: spawner.spec.when.cron!.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        suspend: suspended,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: { ...labels } },
          spec: {
            backoffLimit: 0,
            template: { metadata: { labels: { ...labels } }, spec: podSpec('Never') },
          },
        },
      },
    };
    return { serviceAccount, role, roleBinding, cronJob };
  }

  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(names.workload),
    spec: {
      replicas: suspended ? 0 : 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: podSpec('Always') },
    },
  };
  return { serviceAccount, role, roleBinding, deployment };
}
