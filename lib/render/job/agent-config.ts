import type { AgentConfigSpec, McpServer } from '../../api/agent-config.js';
import { checkComponentName } from '../_shell.js';
import { AgentPod } from './agent-pod.js';
import { TaskSpecError } from './task-spec-error.js';

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
export function mcpServersJson(servers: readonly McpServer[], secretData: (name: string) => Record<string, string> | undefined): string {
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

/** One file of an AgentConfig plugin: its key in the `<task>-plugins` ConfigMap and its path under the plugin directory. */
export interface PluginFile {
  readonly key: string;
  readonly path: string;
  readonly content: string;
}

/** The plugin files of an AgentConfig, checked: names are single path components, no file twice. */
export function pluginFiles(agentConfig: AgentConfigSpec | undefined): PluginFile[] {
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
