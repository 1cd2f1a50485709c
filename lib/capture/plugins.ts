import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { SubAgentFormat } from '../agents/agent-definition.js';
import { tomlString } from '../agents/mcp.js';

/** A plugin under `KELOS_PLUGIN_DIR`: `<plugin>/skills/<skill>/SKILL.md`, `<plugin>/agents/<agent>.md`. */
export interface Plugin {
  readonly name: string;
  readonly dir: string;
  /** Skill directories (each holds a SKILL.md). */
  readonly skills: string[];
  /** Sub-agent Markdown files. */
  readonly agents: string[];
}

/** The plugins under a plugin directory, in name order; a missing directory has none. */
export function listPlugins(pluginDir: string): Plugin[] {
  if (!isDir(pluginDir)) return [];
  return sortedEntries(pluginDir)
    .filter((name) => !name.startsWith('.') && isDir(join(pluginDir, name)))
    .map((name) => {
      const dir = join(pluginDir, name);
      const skillsRoot = join(dir, 'skills');
      const agentsRoot = join(dir, 'agents');
      const skills = isDir(skillsRoot)
        ? sortedEntries(skillsRoot)
            .map((s) => join(skillsRoot, s))
            .filter((s) => existsSync(join(s, 'SKILL.md')))
        : [];
      const agents = isDir(agentsRoot)
        ? sortedEntries(agentsRoot)
            .filter((a) => a.endsWith('.md'))
            .map((a) => join(agentsRoot, a))
            .filter((a) => statSync(a).isFile())
        : [];
      return { name, dir, skills, agents };
    });
}

export interface InstallPluginsOptions {
  readonly plugins: Plugin[];
  readonly skillsDir: string;
  readonly agentsDir: string;
  readonly format: SubAgentFormat;
  readonly warn: (msg: string) => void;
}

/**
 * Installs every plugin's skills and sub-agents into an agent CLI's own
 * folders. Skills keep their folder name (some CLIs require it to match the
 * skill's `name`); a second plugin's skill of the same name is installed as
 * `<plugin>-<skill>`. Returns the paths written.
 */
export function installPlugins(options: InstallPluginsOptions): string[] {
  const written: string[] = [];
  const taken = new Set<string>();
  for (const plugin of options.plugins) {
    for (const skill of plugin.skills) {
      const target = uniqueName(basename(skill), plugin.name, taken);
      if (target !== basename(skill)) options.warn(`skill "${basename(skill)}" of plugin "${plugin.name}" is installed as "${target}" (the name is taken)`);
      const dest = join(options.skillsDir, target);
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(options.skillsDir, { recursive: true });
      cpSync(skill, dest, { recursive: true, dereference: true });
      written.push(dest);
    }
  }
  const agentNames = new Set<string>();
  for (const plugin of options.plugins) {
    for (const file of plugin.agents) {
      const def = readSubAgent(file);
      const name = uniqueName(def.name, plugin.name, agentNames);
      if (name !== def.name) options.warn(`sub-agent "${def.name}" of plugin "${plugin.name}" is installed as "${name}" (the name is taken)`);
      const { fileName, content } = renderSubAgent({ ...def, name }, options.format);
      mkdirSync(options.agentsDir, { recursive: true });
      const dest = join(options.agentsDir, fileName);
      writeFileSync(dest, content);
      written.push(dest);
    }
  }
  return written;
}

/** A sub-agent definition read from Markdown with YAML front matter (Claude Code's format). */
export interface SubAgent {
  readonly name: string;
  readonly description: string;
  /** The Markdown body: the sub-agent's instructions. */
  readonly prompt: string;
}

export function readSubAgent(file: string): SubAgent {
  const text = readFileSync(file, 'utf8');
  const { data, body } = splitFrontMatter(text);
  const fallback = basename(file, '.md');
  const name = slug(typeof data.name === 'string' && data.name.trim() ? data.name : fallback) || slug(fallback) || 'agent';
  const description = typeof data.description === 'string' && data.description.trim() ? data.description.trim() : `The ${name} sub-agent`;
  return { name, description, prompt: body.replace(/^\n+/, '') };
}

/**
 * Renders a sub-agent in an agent CLI's own format. Claude-specific front
 * matter (tools, model, color) is dropped: tool and model names differ per
 * CLI, and an unknown value can make a CLI reject the whole file.
 */
export function renderSubAgent(agent: SubAgent, format: SubAgentFormat): { fileName: string; content: string } {
  switch (format) {
    case 'codex-toml':
      return {
        fileName: `${agent.name}.toml`,
        content:
          [`name = ${tomlString(agent.name)}`, `description = ${tomlString(agent.description)}`, `developer_instructions = ${tomlString(agent.prompt)}`].join(
            '\n',
          ) + '\n',
      };
    case 'opencode-markdown':
      // OpenCode names an agent after its file; `mode: subagent` keeps it out of the primary agents.
      return {
        fileName: `${agent.name}.md`,
        content: frontMatter({ description: agent.description, mode: 'subagent' }, agent.prompt),
      };
    case 'markdown':
      return {
        fileName: `${agent.name}.md`,
        content: frontMatter({ name: agent.name, description: agent.description }, agent.prompt),
      };
  }
}

function frontMatter(data: Record<string, string>, body: string): string {
  return `---\n${stringifyYaml(data).trimEnd()}\n---\n\n${body.endsWith('\n') ? body : body + '\n'}`;
}

function splitFrontMatter(text: string): { data: Record<string, unknown>; body: string } {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { data: {}, body: text };
  try {
    const data: unknown = parseYaml(m[1]);
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
      return { data: data as Record<string, unknown>, body: text.slice(m[0].length) };
    }
  } catch {
    // Not YAML: keep the whole text as the body.
  }
  return { data: {}, body: text.slice(m[0].length) };
}

/** Lowercase letters, digits, `-` and `_`: a name every CLI accepts for a skill or agent. */
function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function uniqueName(name: string, plugin: string, taken: Set<string>): string {
  let candidate = name;
  if (taken.has(candidate)) candidate = `${slug(plugin) || 'plugin'}-${name}`;
  for (let i = 2; taken.has(candidate); i++) candidate = `${slug(plugin) || 'plugin'}-${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function sortedEntries(dir: string): string[] {
  return readdirSync(dir).sort();
}
