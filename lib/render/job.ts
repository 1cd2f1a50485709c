import type { V1Container, V1Job } from '@kubernetes/client-node';
import type { AgentConfigSpec } from '../api/agent-config.js';
import type { Task } from '../api/task.js';
import type { WorkspaceSpec } from '../api/workspace.js';
import { tryParseRepo } from '../github/repo-url.js';
import { DEFAULT_KELOS_IMAGE } from './images.js';
import { agentContainer, agentImage } from './job/_agent-container.js';
import type { Checkout } from './job/_checkout.js';
import { agentConfigEnv, checkoutEnv, taskEnv, withUserEnv } from './job/_env.js';
import { pluginSetup, skillsInstall } from './job/_plugin-init.js';
import { agentPodSecurityContext, containerSecurityContext } from './job/_security.js';
import { agentMounts, type PodMounts, podVolumes } from './job/_volumes.js';
import { workspaceInitContainers } from './job/_workspace-init.js';
import { pluginFiles } from './job/agent-config.js';
import { DEFAULT_GIT_IMAGE, type JobImages } from './job/job-images.js';
import { type AgentPodPolicy, agentPodPolicyViolations, describeIssue, NO_AGENT_POD_POLICY, podOverridesViolations } from './job/pod-privilege.js';
import { taskChildMeta, taskChildNames, taskLabels } from './job/task-children.js';
import { TaskSpecError } from './job/task-spec-error.js';

export { mcpSecretNames, mcpServersJson, mergeAgentConfigs } from './job/agent-config.js';
export { AgentPod, InitContainer, RESERVED_ENV } from './job/agent-pod.js';
export { DEFAULT_GIT_IMAGE, type JobImages } from './job/job-images.js';
export {
  type AgentPodPolicy,
  agentPodPolicy,
  agentPodPolicyViolations,
  NO_AGENT_POD_POLICY,
  needsAgentPodPolicy,
  podOverridesSecretNames,
  podOverridesViolations,
} from './job/pod-privilege.js';
export {
  githubTokenSecret,
  mcpSecret,
  pluginConfigMap,
  taskChildNames,
  taskLabels,
  taskLabelValue,
  taskOwnerReference,
} from './job/task-children.js';
export { TaskSpecError } from './job/task-spec-error.js';

export interface TaskJobInputs {
  readonly task: Task;
  /** The prompt after template rendering. @default task.spec.prompt */
  readonly prompt?: string;
  /** The referenced Workspace's spec. @default - no clone, no repository */
  readonly workspace?: WorkspaceSpec;
  /** The merged AgentConfig specs (mergeAgentConfigs). @default - none */
  readonly agentConfig?: AgentConfigSpec;
  /** The Secret holding GITHUB_TOKEN. @default workspace.secretRef.name */
  readonly githubTokenSecret?: string;
  readonly images?: JobImages;
  /** What the namespace's operator allowed podOverrides to name. @default - no ServiceAccount, no Secret */
  readonly policy?: AgentPodPolicy;
}

/**
 * The Job of a Task (docs/architecture.md §3–§4): init containers for the workspace and
 * plugins, each only when needed, and the `kelos-agent` container running
 * `/kelos_entrypoint.sh <prompt>` as UID 61100 in /workspace/repo. Secret
 * values never appear in it: credentials, the GitHub token and the MCP
 * configuration are all references to Secrets. The pod meets Pod Security
 * "restricted" and mounts no ServiceAccount token unless podOverrides names a
 * ServiceAccount. Throws TaskSpecError when the spec cannot become a Job,
 * and when podOverrides asks for privilege or names a ServiceAccount or
 * Secret that `policy` does not allow.
 */
export function taskJob(inputs: TaskJobInputs): V1Job {
  const { task, agentConfig: ac } = inputs;
  const spec = task.spec;
  const po = spec.podOverrides ?? {};
  const name = task.metadata.name!;
  const names = taskChildNames(name);
  const issue = [...podOverridesViolations(po), ...agentPodPolicyViolations(po, inputs.policy ?? NO_AGENT_POD_POLICY, task.metadata.namespace ?? '')][0];
  if (issue) throw new TaskSpecError(describeIssue(issue));
  const images = inputs.images ?? {};
  const gitImage = images.git ?? DEFAULT_GIT_IMAGE;
  const co = inputs.workspace ? checkout(task, inputs.workspace, inputs.githubTokenSecret) : undefined;

  // Built in this order so that a spec with several faults always reports the same one.
  const ownEnv = taskEnv(task);
  const init = co ? workspaceInitContainers(co, spec.branch, gitImage) : [];
  const files = pluginFiles(ac);
  const skills = ac?.skills ?? [];
  if (files.length) init.push(pluginSetup(gitImage));
  if (skills.length) init.push(skillsInstall(skills, images.skills ?? DEFAULT_KELOS_IMAGE));
  const mounts: PodMounts = {
    ...(co ? { checkout: co } : {}),
    pluginDir: files.length > 0 || skills.length > 0,
    pluginFiles: files,
    pluginsConfigMap: names.plugins,
  };
  const env = withUserEnv([...ownEnv, ...(co ? checkoutEnv(co) : []), ...agentConfigEnv(ac, mounts.pluginDir, names.mcp)], po.env);
  const volumes = podVolumes(mounts, po);
  const agent = agentContainer(
    { image: agentImage(spec, images), prompt: inputs.prompt ?? spec.prompt, inRepo: !!co, env, mounts: agentMounts(mounts, po) },
    po,
  );

  // The user's extra containers run after kelos's init containers and beside the agent, hardened like them.
  const hardenedExtra = (cs: readonly V1Container[] | undefined) =>
    (cs ?? []).map((c) => ({ ...structuredClone(c), securityContext: containerSecurityContext(c.securityContext) }));
  init.push(...hardenedExtra(po.extraInitContainers));
  const containers = [agent, ...hardenedExtra(po.extraContainers)];

  const labels = { ...(po.labels ?? {}), ...taskLabels(name) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...taskChildMeta(task, names.job), labels },
    spec: {
      backoffLimit: 1,
      ...(po.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: po.activeDeadlineSeconds } : {}),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          securityContext: agentPodSecurityContext(po),
          // An agent runs code from strangers' text: no API credentials unless the operator allowed a ServiceAccount.
          ...(po.serviceAccountName ? { serviceAccountName: po.serviceAccountName } : { automountServiceAccountToken: false }),
          ...(init.length ? { initContainers: init } : {}),
          containers,
          volumes,
          ...(po.nodeSelector ? { nodeSelector: { ...po.nodeSelector } } : {}),
          ...(po.tolerations?.length ? { tolerations: structuredClone(po.tolerations) } : {}),
          ...(po.affinity ? { affinity: structuredClone(po.affinity) } : {}),
          ...(po.imagePullSecrets?.length ? { imagePullSecrets: structuredClone(po.imagePullSecrets) } : {}),
        },
      },
    },
  };
}

/** Reads the Workspace's repository URLs: the token's scope, the GitHub host, the upstream. */
function checkout(task: Task, ws: WorkspaceSpec, githubTokenSecret: string | undefined): Checkout {
  const tokenSecret = githubTokenSecret ?? ws.secretRef?.name;
  const host = repoHost(ws.repo);
  const enterprise = !!host && host !== 'github.com';
  const origin = tokenSecret ? httpOrigin(ws.repo) : undefined;
  const upstream = task.spec.upstreamRepo ?? upstreamFromRemotes(ws.remotes);
  return {
    workspace: ws,
    ...(tokenSecret ? { tokenSecret } : {}),
    ...(enterprise ? { enterpriseHost: host } : {}),
    ...(origin ? { credentialOrigin: origin } : {}),
    ...(upstream ? { upstreamRepo: upstream } : {}),
  };
}

/** `https://host` of an http(s) repository URL, the scope of the token credential helper. */
function httpOrigin(repo: string): string | undefined {
  const r = tryParseRepo(repo);
  return r?.protocol === 'https' || r?.protocol === 'http' ? `${r.protocol}://${r.host}` : undefined;
}

/** The GitHub host of a repository URL (https or scp-like), for GH_HOST on GitHub Enterprise. */
function repoHost(repo: string): string | undefined {
  return tryParseRepo(repo)?.hostname;
}

/** `owner/repo` of a remote named `upstream` on GitHub, as Kelos derives KELOS_UPSTREAM_REPO. */
function upstreamFromRemotes(remotes: WorkspaceSpec['remotes']): string | undefined {
  const upstream = remotes?.find((r) => r.name === 'upstream');
  if (!upstream) return undefined;
  const r = tryParseRepo(upstream.url);
  return r?.host ? `${r.owner}/${r.repo}` : undefined;
}
