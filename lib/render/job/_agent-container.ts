import type { V1Container, V1EnvVar, V1VolumeMount } from '@kubernetes/client-node';
import { agentDefinition } from '../../agents/registry.js';
import type { AgentTypeName } from '../../api/constants.js';
import type { PodOverrides } from '../../api/shared.js';
import type { TaskSpec } from '../../api/task.js';
import { containerSecurityContext } from './_security.js';
import { AgentPod } from './agent-pod.js';
import type { JobImages } from './job-images.js';

/** The Task's image, else the configured image of its agent type, else the published one. */
export function agentImage(spec: TaskSpec, images: JobImages): string {
  return spec.image ?? images.agent?.[spec.type as AgentTypeName] ?? agentDefinition(spec.type).defaultImage;
}

export interface AgentContainerInputs {
  readonly image: string;
  readonly prompt: string;
  /** The repository when there is a Workspace, else the bare workspace directory. */
  readonly inRepo: boolean;
  readonly env: V1EnvVar[];
  readonly mounts: V1VolumeMount[];
}

/** `kelos-agent`: `/kelos_entrypoint.sh <prompt>`, with the user's resources; hardened, under the user's container security. */
export function agentContainer(a: AgentContainerInputs, po: PodOverrides): V1Container {
  return {
    name: AgentPod.AGENT_CONTAINER,
    image: a.image,
    command: [AgentPod.ENTRYPOINT],
    args: [a.prompt],
    workingDir: a.inRepo ? AgentPod.REPO_DIR : AgentPod.WORKSPACE_DIR,
    env: a.env,
    volumeMounts: a.mounts,
    ...(po.resources ? { resources: structuredClone(po.resources) } : {}),
    securityContext: containerSecurityContext(po.containerSecurityContext),
  };
}
