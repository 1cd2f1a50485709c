import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { AgentDefinition } from '../agents/agent-definition.js';
import { parseMcpServers } from './mcp-config.js';
import { installPlugins, listPlugins } from './plugins.js';

export interface AgentConfigOptions {
  readonly agent: AgentDefinition;
  readonly env: NodeJS.ProcessEnv;
  /** The agent user's home directory. */
  readonly home: string;
  /** The repository the agent works in. */
  readonly cwd: string;
  readonly log: (msg: string) => void;
  readonly warn: (msg: string) => void;
}

/**
 * Prepares an agent CLI's user-level configuration from the agent image
 * interface (images/README.md), before the entrypoint starts it, where the agent's
 * definition (lib/agents) says the CLI reads it: `KELOS_AGENTS_MD` → the
 * CLI's own instruction file; `KELOS_PLUGIN_DIR` → its skills and sub-agents
 * folders (Claude Code takes `--plugin-dir` from the entrypoint instead);
 * `KELOS_MCP_SERVERS` → its MCP configuration; and the credential files the
 * definition builds from the environment (Codex: `CODEX_AUTH_JSON` →
 * `auth.json`). Returns the paths written. Throws on a malformed
 * `KELOS_MCP_SERVERS`.
 */
export function configureAgent(options: AgentConfigOptions): string[] {
  const { agent, env, home, cwd } = options;
  const layout = agent.layout({ home, cwd, env });
  const written: string[] = [];
  const wrote = (path: string) => {
    written.push(path);
    options.log(`Wrote ${path}`);
  };

  const agentsMd = env.KELOS_AGENTS_MD ?? '';
  if (agentsMd.trim() !== '') {
    mkdirSync(dirname(layout.instructions), { recursive: true });
    writeFileSync(layout.instructions, agent.instructions ? agent.instructions(agentsMd) : agentsMd);
    wrote(layout.instructions);
    if (layout.instructionsExclude && excludeFromGit(cwd, layout.instructionsExclude)) {
      options.log(`Kept ${layout.instructionsExclude} out of git`);
    }
  }

  for (const file of agent.credentialFiles?.({ home, cwd, env }) ?? []) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, file.mode === undefined ? {} : { mode: file.mode });
    wrote(file.path);
  }

  const pluginDir = env.KELOS_PLUGIN_DIR ?? '';
  if (pluginDir !== '' && layout.skillsDir && layout.agentsDir) {
    const plugins = listPlugins(pluginDir);
    if (plugins.length === 0) options.warn(`KELOS_PLUGIN_DIR ${pluginDir} holds no plugins`);
    for (const path of installPlugins({
      plugins,
      skillsDir: layout.skillsDir,
      agentsDir: layout.agentsDir,
      format: layout.agentFormat,
      warn: options.warn,
    })) {
      wrote(path);
    }
  }

  const mcp = env.KELOS_MCP_SERVERS ?? '';
  if (mcp.trim() !== '') {
    const servers = parseMcpServers(mcp);
    agent.writeMcpServers(layout.mcpFile, servers, options.warn);
    wrote(layout.mcpFile);
  }
  return written;
}

/** Adds a pattern to the repository's `info/exclude`; false when `cwd` is not a repository's top. */
function excludeFromGit(cwd: string, pattern: string): boolean {
  const gitDir = findGitDir(cwd);
  if (!gitDir) return false;
  const file = join(gitDir, 'info', 'exclude');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current.split('\n').includes(pattern)) return true;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, (current && !current.endsWith('\n') ? '\n' : '') + pattern + '\n');
  return true;
}

function findGitDir(cwd: string): string | undefined {
  const dotGit = join(cwd, '.git');
  try {
    const st = statSync(dotGit);
    if (st.isDirectory()) return dotGit;
    // A worktree or submodule: `.git` is a file `gitdir: <path>`; excludes live in the common dir.
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (!m) return undefined;
    const gitDir = isAbsolute(m[1].trim()) ? m[1].trim() : resolve(cwd, m[1].trim());
    const common = join(gitDir, 'commondir');
    return existsSync(common) ? resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
  } catch {
    return undefined;
  }
}
