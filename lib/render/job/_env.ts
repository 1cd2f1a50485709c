import type { V1EnvVar } from '@kubernetes/client-node';
import { agentDefinition } from '../../agents/registry.js';
import type { AgentConfigSpec } from '../../api/agent-config.js';
import { Label } from '../../api/constants.js';
import type { Task, TaskSpec } from '../../api/task.js';
import type { Checkout } from './_checkout.js';
import { AgentPod, RESERVED_ENV } from './agent-pod.js';

// The environment of the agent container (docs/architecture.md §4), in the order it is
// rendered: the Task's own, the Workspace's, the AgentConfig's, then the user's.

export const secretEnv = (name: string, secret: string, key = name): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** The agent type, model, effort, branch and spawner of the Task, then its credentials. */
export function taskEnv(task: Task): V1EnvVar[] {
  const spec = task.spec;
  const env: V1EnvVar[] = [{ name: 'KELOS_AGENT_TYPE', value: spec.type }];
  if (spec.model) env.push({ name: 'KELOS_MODEL', value: spec.model });
  if (spec.effort) env.push({ name: 'KELOS_EFFORT', value: spec.effort });
  if (spec.branch) env.push({ name: 'KELOS_BRANCH', value: spec.branch });
  const spawner = task.metadata.labels?.[Label.TASK_SPAWNER];
  if (spawner) env.push({ name: 'KELOS_TASKSPAWNER', value: spawner });
  env.push(...credentialEnv(spec));
  return env;
}

/** The agent type's credential variable, from the Task's credentials Secret. */
export function credentialEnv(spec: TaskSpec): V1EnvVar[] {
  const credType = spec.credentials.type;
  if (credType !== 'api-key' && credType !== 'oauth') return [];
  const variable = agentDefinition(spec.type).credentials[credType];
  return [secretEnv(variable, spec.credentials.secretRef!.name)];
}

/** Base branch, upstream, GitHub host and token, setup command. */
export function checkoutEnv(co: Checkout): V1EnvVar[] {
  const ws = co.workspace;
  const env: V1EnvVar[] = [];
  if (ws.ref) env.push({ name: 'KELOS_BASE_BRANCH', value: ws.ref });
  if (co.upstreamRepo) env.push({ name: 'KELOS_UPSTREAM_REPO', value: co.upstreamRepo });
  if (co.enterpriseHost) env.push({ name: 'GH_HOST', value: co.enterpriseHost });
  if (co.tokenSecret) {
    env.push(secretEnv('GITHUB_TOKEN', co.tokenSecret));
    env.push(secretEnv(co.enterpriseHost ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', co.tokenSecret, 'GITHUB_TOKEN'));
    env.push({ name: 'GH_CONFIG_DIR', value: AgentPod.GH_CONFIG_DIR });
  }
  if (ws.setupCommand?.length) env.push({ name: 'KELOS_SETUP_COMMAND', value: JSON.stringify(ws.setupCommand) });
  return env;
}

/** AGENTS.md, the plugin directory (when there are plugins or skills) and the MCP configuration Secret. */
export function agentConfigEnv(ac: AgentConfigSpec | undefined, hasPluginDir: boolean, mcpSecretName: string): V1EnvVar[] {
  const env: V1EnvVar[] = [];
  if (ac?.agentsMD) env.push({ name: 'KELOS_AGENTS_MD', value: ac.agentsMD });
  if (hasPluginDir) env.push({ name: 'KELOS_PLUGIN_DIR', value: AgentPod.PLUGIN_DIR });
  if (ac?.mcpServers?.length) env.push(secretEnv('KELOS_MCP_SERVERS', mcpSecretName, AgentPod.MCP_SECRET_KEY));
  return env;
}

/** podOverrides.env after the built-ins, never replacing one nor setting a reserved name. */
export function withUserEnv(builtins: readonly V1EnvVar[], user: readonly V1EnvVar[] | undefined): V1EnvVar[] {
  const env = [...builtins];
  const taken = new Set<string>([...builtins.map((e) => e.name), ...RESERVED_ENV]);
  for (const e of user ?? []) {
    if (!taken.has(e.name)) env.push(structuredClone(e));
  }
  return env;
}
