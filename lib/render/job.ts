import type {
  V1ConfigMap,
  V1Container,
  V1EnvVar,
  V1Job,
  V1KeyToPath,
  V1OwnerReference,
  V1PodSecurityContext,
  V1Secret,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { agentDefinition } from '../agents/registry.js';
import { API_VERSION, AGENT_UID, Kind, Label, LabelValue, type AgentTypeName } from '../api/constants.js';
import type { AgentConfigSpec, McpServer } from '../api/agent-config.js';
import type { Task } from '../api/task.js';
import type { WorkspaceSpec } from '../api/workspace.js';
import { DEFAULT_KELOS_IMAGE } from './images.js';
import { boundedName } from './names.js';
import { checkComponentName, sanitizeRelativePath, shellQuote } from './_shell.js';
import { controllerOwnerReference } from './owner.js';

/** Image of the git init containers (clone, remotes, branch, files, plugins). */
export const DEFAULT_GIT_IMAGE = 'alpine/git:v2.47.2';

/** Names and paths of the agent pod, part of the agent image interface (DESIGN.md §4). */
export const AgentPod = {
  AGENT_CONTAINER: 'kelos-agent',
  ENTRYPOINT: '/kelos_entrypoint.sh',
  WORKSPACE_VOLUME: 'workspace',
  WORKSPACE_DIR: '/workspace',
  REPO_DIR: '/workspace/repo',
  GH_CONFIG_DIR: '/workspace/.gh-config',
  PLUGIN_VOLUME: 'kelos-plugin',
  PLUGIN_DIR: '/kelos/plugin',
  PLUGIN_SOURCE_VOLUME: 'kelos-plugin-source',
  PLUGIN_SOURCE_DIR: '/kelos/plugin-source',
  GITHUB_TOKEN_VOLUME: 'kelos-github-token',
  GITHUB_TOKEN_DIR: '/kelos/github',
  /** skills.sh packages are installed as this plugin, so entrypoints find them like inline plugins. */
  SKILLS_SH_PLUGIN: 'skills-sh',
  /** Key of the resolved MCP configuration in the `<task>-mcp` Secret. */
  MCP_SECRET_KEY: 'KELOS_MCP_SERVERS',
} as const;

/** Init containers, in the order they run. */
export const InitContainer = {
  GIT_CLONE: 'git-clone',
  REMOTE_SETUP: 'remote-setup',
  BRANCH_SETUP: 'branch-setup',
  WORKSPACE_FILES: 'workspace-files',
  PLUGIN_SETUP: 'plugin-setup',
  SKILLS_INSTALL: 'skills-install',
} as const;

/** Env names a user's podOverrides.env may never set, even when kelos leaves them unset. */
export const RESERVED_ENV = ['KELOS_SETUP_COMMAND'] as const;

export interface JobImages {
  /** Agent image per type. @default each type's `defaultImage` (lib/agents) */
  readonly agent?: Partial<Record<AgentTypeName, string>>;
  /** @default DEFAULT_GIT_IMAGE */
  readonly git?: string;
  /** Image with node and git, running as any UID, for `npx skills add`. @default DEFAULT_KELOS_IMAGE */
  readonly skills?: string;
}

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
}

/** A Task whose spec cannot become a Job (a bad plugin name, a file path escaping the repo…). */
export class TaskSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskSpecError';
  }
}

/** Names of the objects kelos creates for a Task. */
export function taskChildNames(taskName: string) {
  return {
    job: taskName,
    plugins: boundedName(taskName, '-plugins', 253),
    mcp: boundedName(taskName, '-mcp', 253),
    githubToken: boundedName(taskName, '-github-token', 253),
  };
}

/** Label values are limited to 63 characters; long Task names get a stable bounded form. */
export function taskLabelValue(taskName: string): string {
  return taskName.length <= 63 ? taskName : boundedName(taskName, '', 63);
}

export function taskLabels(taskName: string): Record<string, string> {
  return {
    [Label.NAME]: LabelValue.NAME,
    [Label.COMPONENT]: LabelValue.COMPONENT_TASK,
    [Label.MANAGED_BY]: LabelValue.MANAGED_BY,
    [Label.TASK]: taskLabelValue(taskName),
  };
}

export function taskOwnerReference(task: Task): V1OwnerReference {
  return controllerOwnerReference({ apiVersion: API_VERSION, kind: Kind.TASK, metadata: task.metadata });
}

/** Metadata of an object kelos creates for a Task: in its namespace, with its labels, owned by it. */
function taskChildMeta(task: Task, name: string) {
  return {
    name,
    namespace: task.metadata.namespace,
    labels: taskLabels(task.metadata.name!),
    ownerReferences: [taskOwnerReference(task)],
  };
}

/**
 * Merges AgentConfigs in order: agentsMD joined by a blank line, plugins and
 * skills appended, MCP servers appended with a later one of the same name
 * replacing the earlier in place.
 */
export function mergeAgentConfigs(specs: readonly AgentConfigSpec[]): AgentConfigSpec {
  if (specs.length === 1) return specs[0];
  const md = specs.map((s) => s.agentsMD).filter((s): s is string => !!s);
  const plugins = specs.flatMap((s) => s.plugins ?? []);
  const skills = specs.flatMap((s) => s.skills ?? []);
  const servers: McpServer[] = [];
  for (const server of specs.flatMap((s) => s.mcpServers ?? [])) {
    const at = servers.findIndex((s) => s.name === server.name);
    if (at >= 0) servers[at] = server;
    else servers.push(server);
  }
  return {
    ...(md.length ? { agentsMD: md.join('\n\n') } : {}),
    ...(plugins.length ? { plugins } : {}),
    ...(skills.length ? { skills } : {}),
    ...(servers.length ? { mcpServers: servers } : {}),
  };
}

/** Names of the Secrets the MCP servers read through headersFrom / envFrom. */
export function mcpSecretNames(agentConfig: AgentConfigSpec | undefined): string[] {
  const names = new Set<string>();
  for (const s of agentConfig?.mcpServers ?? []) {
    if (s.headersFrom) names.add(s.headersFrom.secretRef.name);
    if (s.envFrom) names.add(s.envFrom.secretRef.name);
  }
  return [...names].sort();
}

/**
 * The `KELOS_MCP_SERVERS` JSON (`{"mcpServers":{name:{…}}}`) with the Secrets
 * of headersFrom/envFrom resolved (their keys win over inline values). It may
 * hold secret values, so it only ever goes into a Secret.
 */
export function mcpServersJson(
  servers: readonly McpServer[],
  secretData: (name: string) => Record<string, string> | undefined,
): string {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of servers) {
    const bad = checkComponentName(s.name, 'MCP server');
    if (bad) throw new TaskSpecError(bad);
    const fromSecret = (ref: { secretRef: { name: string } } | undefined) => {
      if (!ref) return {};
      const data = secretData(ref.secretRef.name);
      if (!data) throw new TaskSpecError(`Secret "${ref.secretRef.name}" of MCP server "${s.name}" was not found`);
      return data;
    };
    const headers = { ...(s.headers ?? {}), ...fromSecret(s.headersFrom) };
    const env = { ...(s.env ?? {}), ...fromSecret(s.envFrom) };
    out[s.name] = {
      type: s.type,
      ...(s.command ? { command: s.command } : {}),
      ...(s.args?.length ? { args: [...s.args] } : {}),
      ...(s.url ? { url: s.url } : {}),
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(Object.keys(env).length ? { env } : {}),
    };
  }
  return JSON.stringify({ mcpServers: out });
}

/** The Secret `<task>-mcp` that holds the resolved MCP configuration, owned by the Task. */
export function mcpSecret(task: Task, json: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).mcp),
    type: 'Opaque',
    data: { [AgentPod.MCP_SECRET_KEY]: Buffer.from(json, 'utf8').toString('base64') },
  };
}

/**
 * The Secret `<task>-github-token` with a GitHub App installation token minted
 * by the controller (the Workspace Secret holds App keys), owned by the Task.
 */
export function githubTokenSecret(task: Task, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).githubToken),
    type: 'Opaque',
    data: { GITHUB_TOKEN: Buffer.from(token, 'utf8').toString('base64') },
  };
}

interface PluginFile {
  readonly key: string;
  readonly path: string;
  readonly content: string;
}

function pluginFiles(agentConfig: AgentConfigSpec | undefined): PluginFile[] {
  const files: PluginFile[] = [];
  const seen = new Set<string>();
  const reserved = (agentConfig?.skills?.length ?? 0) > 0 ? AgentPod.SKILLS_SH_PLUGIN : undefined;
  (agentConfig?.plugins ?? []).forEach((plugin, p) => {
    const bad = checkComponentName(plugin.name, 'plugin');
    if (bad) throw new TaskSpecError(bad);
    if (plugin.name === reserved) {
      throw new TaskSpecError(`plugin name "${reserved}" is reserved for skills.sh packages when skills are set`);
    }
    const add = (key: string, path: string, content: string, what: string) => {
      if (seen.has(path)) throw new TaskSpecError(`${what} is defined twice`);
      seen.add(path);
      files.push({ key, path, content });
    };
    (plugin.skills ?? []).forEach((skill, i) => {
      const badSkill = checkComponentName(skill.name, 'skill');
      if (badSkill) throw new TaskSpecError(badSkill);
      add(`p${p}-skill-${i}.md`, `${plugin.name}/skills/${skill.name}/SKILL.md`, skill.content, `skill "${skill.name}" of plugin "${plugin.name}"`);
    });
    (plugin.agents ?? []).forEach((agent, i) => {
      const badAgent = checkComponentName(agent.name, 'agent');
      if (badAgent) throw new TaskSpecError(badAgent);
      add(`p${p}-agent-${i}.md`, `${plugin.name}/agents/${agent.name}.md`, agent.content, `agent "${agent.name}" of plugin "${plugin.name}"`);
    });
  });
  return files;
}

/** The ConfigMap `<task>-plugins` with the AgentConfig plugin files, owned by the Task; undefined when there are none. */
export function pluginConfigMap(task: Task, agentConfig: AgentConfigSpec | undefined): V1ConfigMap | undefined {
  const files = pluginFiles(agentConfig);
  if (files.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: taskChildMeta(task, taskChildNames(task.metadata.name!).plugins),
    data: Object.fromEntries(files.map((f) => [f.key, f.content])),
  };
}

/** `https://host` of an http(s) repository URL, the scope of the token credential helper. */
function httpOrigin(repo: string): string | undefined {
  try {
    const url = new URL(repo);
    return url.protocol === 'https:' || url.protocol === 'http:' ? `${url.protocol}//${url.host}` : undefined;
  } catch {
    return undefined;
  }
}

/** The GitHub host of a repository URL (https or scp-like), for GH_HOST on GitHub Enterprise. */
function repoHost(repo: string): string | undefined {
  const scp = /^[^@/]+@([^:/]+):/.exec(repo);
  if (scp) return scp[1];
  try {
    return new URL(repo).hostname || undefined;
  } catch {
    return undefined;
  }
}

const SHA_RE = /^[0-9a-f]{40}$/i;

/** Reads the token from the mounted Secret when git asks for credentials; the token itself is never written to disk config. */
const CREDENTIAL_HELPER =
  `!f() { test "$1" = get || exit 0; echo username=x-access-token; ` +
  `printf 'password=%s\\n' "$(cat ${AgentPod.GITHUB_TOKEN_DIR}/GITHUB_TOKEN)"; }; f`;

function gitCloneScript(ws: WorkspaceSpec, withToken: boolean): string {
  const repo = AgentPod.REPO_DIR;
  const origin = withToken ? httpOrigin(ws.repo) : undefined;
  // An empty helper first drops any inherited helper; the scoped one only answers for the repo's host.
  const creds = origin
    ? `-c credential.helper= -c ${shellQuote(`credential.${origin}.helper=${CREDENTIAL_HELPER}`)} `
    : '';
  const lines = ['set -eu'];
  if (ws.ref && SHA_RE.test(ws.ref)) {
    lines.push(
      `git init -q ${repo}`,
      `git -C ${repo} remote add origin "$KELOS_REPO"`,
      `git ${creds}-C ${repo} fetch --depth 1 origin "$KELOS_REF"`,
      `git -C ${repo} checkout -q --detach FETCH_HEAD`,
    );
  } else {
    const branch = ws.ref ? ' --branch "$KELOS_REF"' : '';
    lines.push(`git ${creds}clone --depth 1 --no-single-branch${branch} -- "$KELOS_REPO" ${repo}`);
  }
  if (origin) {
    lines.push(`git -C ${repo} config ${shellQuote(`credential.${origin}.helper`)} ${shellQuote(CREDENTIAL_HELPER)}`);
  }
  return lines.join('\n');
}

function remoteSetupScript(remotes: NonNullable<WorkspaceSpec['remotes']>): string {
  const lines = ['set -eu', `cd ${AgentPod.REPO_DIR}`];
  for (const r of remotes) {
    const name = shellQuote(r.name);
    const url = shellQuote(r.url);
    lines.push(`if git remote get-url ${name} >/dev/null 2>&1; then git remote set-url ${name} ${url}; else git remote add ${name} ${url}; fi`);
  }
  return lines.join('\n');
}

const BRANCH_SETUP_SCRIPT = [
  'set -eu',
  `cd ${AgentPod.REPO_DIR}`,
  'if git fetch --depth 1 origin "+refs/heads/$KELOS_BRANCH:refs/remotes/origin/$KELOS_BRANCH" 2>/dev/null; then',
  '  git checkout -B "$KELOS_BRANCH" "refs/remotes/origin/$KELOS_BRANCH"',
  'else',
  '  git checkout -b "$KELOS_BRANCH"',
  'fi',
].join('\n');

function workspaceFilesScript(files: NonNullable<WorkspaceSpec['files']>): string {
  const lines = ['set -eu'];
  for (const file of files) {
    const clean = sanitizeRelativePath(file.path);
    if ('error' in clean) throw new TaskSpecError(`workspace file "${file.path}": ${clean.error}`);
    const b64 = Buffer.from(file.content, 'utf8').toString('base64');
    lines.push(
      `target=${shellQuote(`${AgentPod.REPO_DIR}/${clean.path}`)}`,
      'mkdir -p "$(dirname "$target")"',
      `printf '%s' ${shellQuote(b64)} | base64 -d > "$target"`,
    );
  }
  return lines.join('\n');
}

// ConfigMap volumes hold symlinks and `..data` directories: copy the visible tree, dereferenced.
const PLUGIN_SETUP_SCRIPT = [
  'set -eu',
  `find ${AgentPod.PLUGIN_SOURCE_DIR} -mindepth 1 -maxdepth 1 ! -name '..*' -exec cp -RL {} ${AgentPod.PLUGIN_DIR}/ \\;`,
].join('\n');

function skillsInstallScript(skills: NonNullable<AgentConfigSpec['skills']>): string {
  const lines = ['set -eu'];
  for (const s of skills) {
    if (!s.source) throw new TaskSpecError('skills.sh source is empty');
    lines.push(`npx -y skills add ${shellQuote(s.source)} -a universal -y -g${s.skill ? ` -s ${shellQuote(s.skill)}` : ''}`);
  }
  const installed = `${AgentPod.PLUGIN_DIR}/.agents/skills`;
  const target = `${AgentPod.PLUGIN_DIR}/${AgentPod.SKILLS_SH_PLUGIN}/skills`;
  lines.push(
    `[ -d ${installed} ] || { echo 'No skills.sh skills were installed' >&2; exit 1; }`,
    `mkdir -p ${target}`,
    `mv ${installed}/* ${target}/`,
    `rm -rf ${AgentPod.PLUGIN_DIR}/.agents ${AgentPod.PLUGIN_DIR}/.npm`,
  );
  return lines.join('\n');
}

const hardened = (): V1SecurityContext => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

const secretEnv = (name: string, secret: string, key = name): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/**
 * The Job of a Task (DESIGN.md §3–§4): init containers for the workspace and
 * plugins, each only when needed, and the `kelos-agent` container running
 * `/kelos_entrypoint.sh <prompt>` as UID 61100 in /workspace/repo. Secret
 * values never appear in it: credentials, the GitHub token and the MCP
 * configuration are all references to Secrets. Throws TaskSpecError when the
 * spec cannot become a Job.
 */
export function taskJob(inputs: TaskJobInputs): V1Job {
  const { task, workspace: ws, agentConfig: ac } = inputs;
  const spec = task.spec;
  const name = task.metadata.name!;
  const names = taskChildNames(name);
  const images = inputs.images ?? {};
  const gitImage = images.git ?? DEFAULT_GIT_IMAGE;
  const tokenSecret = ws ? (inputs.githubTokenSecret ?? ws.secretRef?.name) : undefined;
  const host = ws ? repoHost(ws.repo) : undefined;
  const enterprise = !!host && host !== 'github.com';

  const wsMount: V1VolumeMount = { name: AgentPod.WORKSPACE_VOLUME, mountPath: AgentPod.WORKSPACE_DIR };
  const tokenMount: V1VolumeMount = { name: AgentPod.GITHUB_TOKEN_VOLUME, mountPath: AgentPod.GITHUB_TOKEN_DIR, readOnly: true };
  const pluginMount: V1VolumeMount = { name: AgentPod.PLUGIN_VOLUME, mountPath: AgentPod.PLUGIN_DIR };
  const gitMounts = tokenSecret ? [wsMount, tokenMount] : [wsMount];
  const gitEnv: V1EnvVar[] = [{ name: 'HOME', value: '/tmp' }];

  const volumes: V1Volume[] = [{ name: AgentPod.WORKSPACE_VOLUME, emptyDir: {} }];
  const init: V1Container[] = [];
  const initContainer = (container: string, script: string, env: V1EnvVar[], mounts: V1VolumeMount[], image = gitImage): V1Container => ({
    name: container,
    image,
    command: ['sh', '-c', script],
    env,
    volumeMounts: mounts,
    securityContext: hardened(),
  });

  // --- environment of the agent (DESIGN.md §4), built-ins first
  const env: V1EnvVar[] = [{ name: 'KELOS_AGENT_TYPE', value: spec.type }];
  if (spec.model) env.push({ name: 'KELOS_MODEL', value: spec.model });
  if (spec.effort) env.push({ name: 'KELOS_EFFORT', value: spec.effort });
  if (spec.branch) env.push({ name: 'KELOS_BRANCH', value: spec.branch });
  const spawner = task.metadata.labels?.[Label.TASK_SPAWNER];
  if (spawner) env.push({ name: 'KELOS_TASKSPAWNER', value: spawner });
  const credType = spec.credentials.type;
  if (credType === 'api-key' || credType === 'oauth') {
    const variable = agentDefinition(spec.type).credentials[credType];
    env.push(secretEnv(variable, spec.credentials.secretRef!.name));
  }

  if (ws) {
    if (ws.ref) env.push({ name: 'KELOS_BASE_BRANCH', value: ws.ref });
    const upstream = spec.upstreamRepo ?? upstreamFromRemotes(ws.remotes);
    if (upstream) env.push({ name: 'KELOS_UPSTREAM_REPO', value: upstream });
    if (enterprise) {
      env.push({ name: 'GH_HOST', value: host! });
      gitEnv.push({ name: 'GH_HOST', value: host! });
    }
    if (tokenSecret) {
      env.push(secretEnv('GITHUB_TOKEN', tokenSecret));
      env.push(secretEnv(enterprise ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', tokenSecret, 'GITHUB_TOKEN'));
      env.push({ name: 'GH_CONFIG_DIR', value: AgentPod.GH_CONFIG_DIR });
      volumes.push({
        name: AgentPod.GITHUB_TOKEN_VOLUME,
        secret: { secretName: tokenSecret, items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }], defaultMode: 0o440 },
      });
    }
    if (ws.setupCommand?.length) env.push({ name: 'KELOS_SETUP_COMMAND', value: JSON.stringify(ws.setupCommand) });

    const cloneEnv: V1EnvVar[] = [...gitEnv, { name: 'KELOS_REPO', value: ws.repo }];
    if (ws.ref) cloneEnv.push({ name: 'KELOS_REF', value: ws.ref });
    init.push(initContainer(InitContainer.GIT_CLONE, gitCloneScript(ws, !!tokenSecret), cloneEnv, gitMounts));
    if (ws.remotes?.length) {
      init.push(initContainer(InitContainer.REMOTE_SETUP, remoteSetupScript(ws.remotes), [...gitEnv], [wsMount]));
    }
    if (spec.branch) {
      init.push(
        initContainer(InitContainer.BRANCH_SETUP, BRANCH_SETUP_SCRIPT, [...gitEnv, { name: 'KELOS_BRANCH', value: spec.branch }], gitMounts),
      );
    }
    if (ws.files?.length) {
      init.push(initContainer(InitContainer.WORKSPACE_FILES, workspaceFilesScript(ws.files), [...gitEnv], [wsMount]));
    }
  }

  if (ac?.agentsMD) env.push({ name: 'KELOS_AGENTS_MD', value: ac.agentsMD });
  const files = pluginFiles(ac);
  const skills = ac?.skills ?? [];
  if (files.length || skills.length) {
    volumes.push({ name: AgentPod.PLUGIN_VOLUME, emptyDir: {} });
    env.push({ name: 'KELOS_PLUGIN_DIR', value: AgentPod.PLUGIN_DIR });
  }
  if (files.length) {
    const items: V1KeyToPath[] = files.map((f) => ({ key: f.key, path: f.path }));
    volumes.push({ name: AgentPod.PLUGIN_SOURCE_VOLUME, configMap: { name: names.plugins, items } });
    init.push(
      initContainer(InitContainer.PLUGIN_SETUP, PLUGIN_SETUP_SCRIPT, [], [
        pluginMount,
        { name: AgentPod.PLUGIN_SOURCE_VOLUME, mountPath: AgentPod.PLUGIN_SOURCE_DIR, readOnly: true },
      ]),
    );
  }
  if (skills.length) {
    init.push(
      initContainer(
        InitContainer.SKILLS_INSTALL,
        skillsInstallScript(skills),
        [
          { name: 'HOME', value: AgentPod.PLUGIN_DIR },
          { name: 'npm_config_cache', value: `${AgentPod.PLUGIN_DIR}/.npm` },
        ],
        [pluginMount],
        images.skills ?? DEFAULT_KELOS_IMAGE,
      ),
    );
  }
  if (ac?.mcpServers?.length) env.push(secretEnv('KELOS_MCP_SERVERS', names.mcp, AgentPod.MCP_SECRET_KEY));

  // --- pod overrides: user env after the built-ins, never replacing one
  const po = spec.podOverrides ?? {};
  const builtin = new Set<string>([...env.map((e) => e.name), ...RESERVED_ENV]);
  for (const e of po.env ?? []) {
    if (!builtin.has(e.name)) env.push(structuredClone(e));
  }
  for (const v of po.volumes ?? []) {
    if (v.name === AgentPod.WORKSPACE_VOLUME || v.name.startsWith('kelos-')) {
      throw new TaskSpecError(`podOverrides.volumes: "${v.name}" is a reserved volume name`);
    }
    volumes.push(structuredClone(v));
  }

  const agentMounts: V1VolumeMount[] = [wsMount];
  if (ws && tokenSecret) agentMounts.push(tokenMount);
  if (files.length || skills.length) agentMounts.push(pluginMount);
  agentMounts.push(...(po.volumeMounts ?? []).map((m) => structuredClone(m)));

  const agent: V1Container = {
    name: AgentPod.AGENT_CONTAINER,
    image: spec.image ?? images.agent?.[spec.type as AgentTypeName] ?? agentDefinition(spec.type).defaultImage,
    command: [AgentPod.ENTRYPOINT],
    args: [inputs.prompt ?? spec.prompt],
    workingDir: ws ? AgentPod.REPO_DIR : AgentPod.WORKSPACE_DIR,
    env,
    volumeMounts: agentMounts,
    ...(po.resources ? { resources: structuredClone(po.resources) } : {}),
    ...(po.containerSecurityContext ? { securityContext: structuredClone(po.containerSecurityContext) } : {}),
  };

  const podSecurity: V1PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: AGENT_UID,
    fsGroup: AGENT_UID,
    ...structuredClone(po.podSecurityContext ?? {}),
  };

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
          securityContext: podSecurity,
          ...(po.serviceAccountName ? { serviceAccountName: po.serviceAccountName } : {}),
          ...(init.length ? { initContainers: init } : {}),
          containers: [agent],
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

/** `owner/repo` of a remote named `upstream` on GitHub, as Kelos derives KELOS_UPSTREAM_REPO. */
function upstreamFromRemotes(remotes: WorkspaceSpec['remotes']): string | undefined {
  const upstream = remotes?.find((r) => r.name === 'upstream');
  if (!upstream) return undefined;
  const m = /^(?:https?:\/\/[^/]+\/|git@[^:]+:|git:\/\/[^/]+\/)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(upstream.url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}
