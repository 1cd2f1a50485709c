import { join } from 'node:path';
import type { AgentTypeName } from '../api/constants.js';

/** How a sub-agent definition (`<plugin>/agents/<name>.md`) is written for an agent CLI. */
export type SubAgentFormat = 'claude' | 'codex-toml' | 'gemini' | 'opencode' | 'cursor';

/** Where each agent CLI reads its user-level files (inside the pod's HOME). */
export interface AgentLayout {
  /** The user-level instruction file `KELOS_AGENTS_MD` is written to. */
  readonly instructions: string;
  /**
   * Set when the instruction file lives in the repository (Cursor has no
   * user-level rule file): the path to list in `.git/info/exclude`.
   */
  readonly instructionsExclude?: string;
  /**
   * Where skills are copied (`<dir>/<skill>/SKILL.md`); undefined when the
   * entrypoint hands plugins to the CLI itself (Claude Code's `--plugin-dir`).
   */
  readonly skillsDir?: string;
  /** Where sub-agents are written; undefined as for `skillsDir`. */
  readonly agentsDir?: string;
  readonly agentFormat: SubAgentFormat;
  /** The file `KELOS_MCP_SERVERS` is merged into. */
  readonly mcpFile: string;
}

export interface LayoutContext {
  readonly home: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The name of the always-applied Cursor project rule that carries `KELOS_AGENTS_MD`. */
export const CURSOR_RULE_FILE = 'kelos-agents-md.mdc';

export function agentLayout(type: AgentTypeName, { home, cwd, env }: LayoutContext): AgentLayout {
  switch (type) {
    case 'claude-code': {
      // CLAUDE_CONFIG_DIR moves both ~/.claude and ~/.claude.json.
      const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude');
      return {
        instructions: join(configDir, 'CLAUDE.md'),
        agentFormat: 'claude',
        mcpFile: env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, '.claude.json') : join(home, '.claude.json'),
      };
    }
    case 'codex': {
      const codexHome = env.CODEX_HOME || join(home, '.codex');
      return {
        instructions: join(codexHome, 'AGENTS.md'),
        // Codex reads user skills from $HOME/.agents/skills and custom agents from $CODEX_HOME/agents/*.toml.
        skillsDir: join(home, '.agents', 'skills'),
        agentsDir: join(codexHome, 'agents'),
        agentFormat: 'codex-toml',
        mcpFile: join(codexHome, 'config.toml'),
      };
    }
    case 'gemini': {
      const dir = join(home, '.gemini');
      return {
        instructions: join(dir, 'GEMINI.md'),
        skillsDir: join(dir, 'skills'),
        agentsDir: join(dir, 'agents'),
        agentFormat: 'gemini',
        mcpFile: join(dir, 'settings.json'),
      };
    }
    case 'opencode': {
      const dir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'opencode');
      return {
        instructions: join(dir, 'AGENTS.md'),
        skillsDir: join(dir, 'skills'),
        agentsDir: join(dir, 'agents'),
        agentFormat: 'opencode',
        mcpFile: join(dir, 'opencode.json'),
      };
    }
    case 'cursor': {
      const dir = join(home, '.cursor');
      return {
        // Cursor keeps user rules in its settings, not in a file; an always-applied
        // project rule kept out of git is the closest file-based equivalent.
        instructions: join(cwd, '.cursor', 'rules', CURSOR_RULE_FILE),
        instructionsExclude: `/.cursor/rules/${CURSOR_RULE_FILE}`,
        skillsDir: join(dir, 'skills'),
        agentsDir: join(dir, 'agents'),
        agentFormat: 'cursor',
        mcpFile: join(dir, 'mcp.json'),
      };
    }
  }
}
