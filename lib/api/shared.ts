import type {
  V1Affinity,
  V1Condition,
  V1Container,
  V1EnvVar,
  V1LocalObjectReference,
  V1PodSecurityContext,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { type Static, Type } from '@sinclair/typebox';
import { cel, Imported, Int64, NameRef, StringEnum, StringMap } from './_schema.js';
import { AGENT_TYPES } from './constants.js';
import core from './generated/k8s-core.json' with { type: 'json' };
import { CONTAINER_PORT_RULES, POD_SECURITY_RULES, securedContainerContext, securedVolume, withRules } from './pod-security.js';

const k8s = core.schemas;

export const AgentTypeSchema = StringEnum(AGENT_TYPES, { description: 'Type specifies the agent type (e.g., claude-code).' });

export const CREDENTIAL_TYPES = ['api-key', 'oauth', 'none'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const SecretReferenceSchema = NameRef('SecretRef references the Secret containing credentials.');
export type SecretReference = Static<typeof SecretReferenceSchema>;

export const CredentialsSchema = Type.Object(
  {
    type: StringEnum(CREDENTIAL_TYPES, { description: 'Type specifies the credential type.' }),
    secretRef: Type.Optional(NameRef('SecretRef references the Secret containing credentials. Required for api-key and oauth types. Not used with none.')),
  },
  {
    description: 'Credentials specifies how to authenticate with the agent.',
    ...cel({ rule: "self.type == 'none' || has(self.secretRef)", message: 'secretRef is required for api-key and oauth credential types' }),
  },
);
export type Credentials = Static<typeof CredentialsSchema>;

export const WorkspaceReferenceSchema = NameRef('WorkspaceRef references a Workspace resource for the agent to work in.');
export const AgentConfigReferenceSchema = NameRef('AgentConfigRef references an AgentConfig resource.');

/** The init containers kelos adds to an agent pod, in order; extra containers must not take their names. */
export const BUILT_IN_INIT_CONTAINERS = ['git-clone', 'remote-setup', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install'] as const;

/** At most this many extra containers, and this many extra init containers. */
export const MAX_EXTRA_CONTAINERS = 8;

/** Kelos's rules on `extraContainers` / `extraInitContainers` names. */
function extraContainerRules(field: string) {
  const builtIn = BUILT_IN_INIT_CONTAINERS.map((n) => `'${n}'`).join(', ');
  return cel(
    { rule: "self.all(c, c.name != '')", message: `${field}[].name must not be empty` },
    {
      rule: `self.all(c, !c.name.startsWith('kelos-') && !(c.name in [${builtIn}]))`,
      message: `${field}[].name must not use the reserved 'kelos-' prefix or a built-in init container name`,
    },
  );
}

/** Container names are DNS labels; the bound also keeps the cross-list CEL rule within the apiserver's cost budget. */
export const MAX_CONTAINER_NAME_LENGTH = 63;

function extraContainers(field: string, description: string) {
  // Extra containers may not raise privilege either (lib/api/pod-security.ts).
  const container = withRules(k8s.Container, ['ports', 'items'], CONTAINER_PORT_RULES) as { properties: Record<string, object> };
  container.properties.securityContext = securedContainerContext(container.properties.securityContext);
  container.properties.name = { ...container.properties.name, maxLength: MAX_CONTAINER_NAME_LENGTH };
  return Type.Optional(
    Type.Array(Imported<V1Container>(container), {
      maxItems: MAX_EXTRA_CONTAINERS,
      description,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      ...extraContainerRules(field),
    }),
  );
}

/** Container names are unique in a pod, init containers included. */
export const EXTRA_CONTAINER_NAMES_DISJOINT = {
  rule: '!has(self.extraContainers) || !has(self.extraInitContainers) || self.extraContainers.all(c, !self.extraInitContainers.exists(i, i.name == c.name))',
  message: 'a name must not be in both extraContainers and extraInitContainers',
};

/** Volume names kelos mounts itself; user volumes must not take them. */
export const RESERVED_VOLUME_RULE = {
  rule: "self.all(v, v.name != 'workspace' && !v.name.startsWith('kelos-'))",
  message: "volumes[].name must not be 'workspace' or use the reserved 'kelos-' prefix",
};

export const PodOverridesSchema = Type.Object(
  {
    resources: Type.Optional(
      Imported<V1ResourceRequirements>(k8s.ResourceRequirements, {
        description: 'Resources defines resource limits and requests for the agent container.',
      }),
    ),
    activeDeadlineSeconds: Type.Optional(
      Int64({
        minimum: 1,
        description:
          "ActiveDeadlineSeconds specifies the maximum duration in seconds that the agent pod can run before being terminated. This is set on the Job's activeDeadlineSeconds field.",
      }),
    ),
    env: Type.Optional(
      Type.Array(Imported<V1EnvVar>(k8s.EnvVar), {
        description:
          'Env specifies additional environment variables for the agent container. They are appended after the built-in variables; a name that collides with a built-in one is dropped.',
      }),
    ),
    nodeSelector: Type.Optional(StringMap('NodeSelector constrains agent pods to nodes matching the given labels.')),
    labels: Type.Optional(StringMap('Labels are merged into the Job and Pod labels. Built-in labels take precedence on conflict.')),
    tolerations: Type.Optional(
      Type.Array(Imported<V1Toleration>(k8s.Toleration), {
        description: 'Tolerations allows agent pods to be scheduled on nodes with matching taints.',
      }),
    ),
    affinity: Type.Optional(Imported<V1Affinity>(k8s.Affinity, { description: 'Affinity specifies node, pod and pod-anti affinity rules for the agent pod.' })),
    imagePullSecrets: Type.Optional(
      Type.Array(Imported<V1LocalObjectReference>(k8s.LocalObjectReference, { 'x-kubernetes-map-type': 'atomic' }), {
        description: 'ImagePullSecrets specifies secrets used to pull container images from private registries.',
      }),
    ),
    serviceAccountName: Type.Optional(Type.String({ description: "ServiceAccountName sets the pod's service account." })),
    volumes: Type.Optional(
      Type.Array(Imported<V1Volume>(securedVolume(k8s.Volume)), {
        description: "Volumes is a list of additional volumes for the agent pod. Names must not be 'workspace' or start with 'kelos-'.",
        ...cel(RESERVED_VOLUME_RULE),
      }),
    ),
    volumeMounts: Type.Optional(
      Type.Array(Imported<V1VolumeMount>(k8s.VolumeMount), {
        description: 'VolumeMounts is a list of additional volume mounts for the agent container.',
      }),
    ),
    podSecurityContext: Type.Optional(
      Imported<V1PodSecurityContext>(k8s.PodSecurityContext, {
        description:
          'PodSecurityContext is applied to the agent pod; fields set here override the kelos defaults. It may not make the pod run as root, unconfined or with unsafe sysctls.',
        ...cel(...POD_SECURITY_RULES),
      }),
    ),
    containerSecurityContext: Type.Optional(
      Imported<V1SecurityContext>(securedContainerContext(k8s.SecurityContext), {
        description:
          'ContainerSecurityContext is applied to the agent container, over kelos defaults (no privilege escalation, all capabilities dropped). It may not make the container privileged, run as root or add capabilities but NET_BIND_SERVICE.',
      }),
    ),
    extraContainers: extraContainers(
      'extraContainers',
      "ExtraContainers run beside the agent container in the agent pod (at most 8): they share its network (localhost) and may mount the volumes of the volumes field. Names must not start with 'kelos-' or take a built-in init container name (git-clone, remote-setup, branch-setup, workspace-files, plugin-setup, skills-install).",
    ),
    extraInitContainers: extraContainers(
      'extraInitContainers',
      'ExtraInitContainers run after the built-in init containers, so the workspace is ready (at most 8); restartPolicy: Always makes one a sidecar. They may mount the volumes of the volumes field and the workspace. Same name rules as extraContainers.',
    ),
  },
  { description: 'PodOverrides allows customizing the agent pod configuration.', ...cel(EXTRA_CONTAINER_NAMES_DISJOINT) },
);
export type PodOverrides = Static<typeof PodOverridesSchema>;

export const ConditionSchema = Imported<V1Condition>(k8s.Condition);
export function ConditionsSchema() {
  return Type.Array(ConditionSchema, {
    description: 'Conditions provides detailed status information.',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });
}

/** The metadata every kelos object carries on the wire. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  [key: string]: unknown;
}

/** A Kubernetes condition as kelos writes it (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}
