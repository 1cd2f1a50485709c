import type {
  V1Affinity,
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
import type { Duration } from 'cdk8s';
import type { IAgent } from './agent.js';
import type { AgentType, Model } from './agent-type.js';
import type { Credentials } from './credentials.js';
import type { IWorkspace } from './workspace.js';

/**
 * How an agent runs: the props a `Task` and a `Spawner`'s task template share.
 * Define them once and spread them into every Task and Spawner that runs the same way.
 */
export interface TaskTemplateProps {
  /** The agent CLI to run. */
  readonly type: AgentType;
  /** How the agent authenticates. */
  readonly credentials: Credentials;
  /** Model passed to the agent (KELOS_MODEL). @default - the agent's default model */
  readonly model?: Model;
  /** Reasoning effort, agent-specific (KELOS_EFFORT). @default - the agent's default */
  readonly effort?: string;
  /** Custom agent image implementing the agent image interface. @default - the controller's image for the agent type */
  readonly image?: string;
  /** The repository to work in. @default - no repository: the agent starts in an empty directory */
  readonly workspace?: IWorkspace;
  /** Instructions, plugins and MCP servers, merged in order. @default - none */
  readonly agents?: readonly IAgent[];
  /** Upstream repository `owner/repo` for fork workflows (KELOS_UPSTREAM_REPO). @default - none */
  readonly upstreamRepo?: string;
  /** Delete the Task this long after it finishes. @default - kept until deleted */
  readonly ttlAfterFinished?: Duration;
  /** Pod customisation: resources, env, node selection, volumes, security contexts, extra containers. @default - none */
  readonly podOverrides?: PodOverridesProps;
}

/**
 * Changes to the agent pod (Kelos `podOverrides`). Kubernetes types are the
 * core/v1 ones, as a Pod spec writes them.
 */
export interface PodOverridesProps {
  /** Requests and limits of the agent container. @default - none */
  readonly resources?: V1ResourceRequirements;
  /** Seconds the agent pod may run before it is stopped (Job activeDeadlineSeconds), at least 1. @default - no limit */
  readonly activeDeadlineSeconds?: number;
  /** Extra environment variables of the agent container; a name kelos sets itself is dropped. @default - none */
  readonly env?: readonly V1EnvVar[];
  /** Node labels the agent pod must be scheduled on. @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Labels merged into the Job and Pod labels; kelos's own labels win. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Tolerations of the agent pod. @default - none */
  readonly tolerations?: readonly V1Toleration[];
  /** Affinity of the agent pod. @default - none */
  readonly affinity?: V1Affinity;
  /** Secrets to pull private images with (the agent's, the init containers', extra containers'). @default - none */
  readonly imagePullSecrets?: readonly V1LocalObjectReference[];
  /** Service account of the agent pod (workload identity). @default - the namespace's default service account */
  readonly serviceAccountName?: string;
  /** Extra volumes of the agent pod; names must not be `workspace` or start with `kelos-`. @default - none */
  readonly volumes?: readonly V1Volume[];
  /** Extra volume mounts of the agent container. @default - none */
  readonly volumeMounts?: readonly V1VolumeMount[];
  /** Pod security context; fields set here replace kelos's defaults (fsGroup stays unless set). @default - kelos's restricted defaults */
  readonly podSecurityContext?: V1PodSecurityContext;
  /** Security context of the agent container. @default - kelos's restricted defaults */
  readonly containerSecurityContext?: V1SecurityContext;
  /**
   * Containers that run beside the agent in its pod (at most 8), e.g. a
   * database for integration tests; they share the pod network (`localhost`)
   * and may mount `volumes`. Names must be unique, must not start with
   * `kelos-` and must not be a built-in init container name (git-clone,
   * remote-setup, branch-setup, workspace-files, plugin-setup, skills-install).
   * @default - none
   */
  readonly extraContainers?: readonly V1Container[];
  /**
   * Init containers that run after kelos's own (at most 8), when the
   * workspace is ready; `restartPolicy: 'Always'` makes one a sidecar that
   * keeps running beside the agent. They may mount `volumes` and the
   * `workspace` volume. Same name rules as `extraContainers`, and no name in both.
   * @default - none
   */
  readonly extraInitContainers?: readonly V1Container[];
}
