import type { McpServers } from './mcp.js';
import type { StreamFormatter } from './stream-format.js';
import type { UsageParser } from './usage.js';

/**
 * How a sub-agent definition (`<plugin>/agents/<name>.md`) is written for an
 * agent CLI: `markdown`, front matter with `name` and `description` (Claude
 * Code, Gemini CLI, Cursor); `opencode-markdown`, front matter with
 * `description` and `mode: subagent`; `codex-toml`, a Codex custom agent.
 */
export type SubAgentFormat = 'markdown' | 'opencode-markdown' | 'codex-toml';

/** Where a run happens: the agent user's home, the repository, the pod's environment. */
export interface LayoutContext {
  readonly home: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Where an agent CLI reads its user-level files (inside the pod's HOME). */
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

/** A file written before the run. */
export interface ConfigFile {
  readonly path: string;
  readonly content: string;
  readonly mode?: number;
}

/** The CLI an agent image runs; the image declaration (`images/agents/<type>.sh`) pins its version. */
export interface AgentCli {
  /** The command on PATH, e.g. `claude`. */
  readonly command: string;
  /** The npm package it is installed from; undefined when the image declaration installs it another way. */
  readonly npmPackage?: string;
}

/**
 * Everything kelos knows about one agent type. One module per type
 * (`lib/agents/<type>.ts`) exports one of these; `registry.ts` lists them.
 * Read by the constructs and the importer (`constant`), the renderer
 * (`credentials`, `defaultImage`), `kelos agent-config` (`layout`,
 * `instructions`, `credentialFiles`, `writeMcpServers`), `kelos capture`
 * (`usageParser`), `kelos logs` (`streamFormatter`) and the image tests
 * (`cli`, checked against the image declaration). How the CLI is started —
 * its flags and where the prompt goes — is the image declaration's part.
 */
export interface AgentDefinition<T extends string = string> {
  /** The API name: `Task.spec.type`, `KELOS_AGENT_TYPE`, `images/agents/<type>.sh`. */
  readonly type: T;
  /** For people: "Claude Code". */
  readonly displayName: string;
  /** The name of its constant on the `AgentType` construct class (and in imported code). */
  readonly constant: string;
  readonly cli: AgentCli;
  /** The variable the CLI reads each kind of credential from (the Secret's key). */
  readonly credentials: Readonly<Record<'api-key' | 'oauth', string>>;
  /** The image Tasks of this type run unless the Task, the controller or the compiler names another. */
  readonly defaultImage: string;
  /** Whether the CLI has a reasoning-effort option for `KELOS_EFFORT`; without one it is ignored with a warning. */
  readonly effort: boolean;
  layout(ctx: LayoutContext): AgentLayout;
  /** The instruction file's content for `KELOS_AGENTS_MD`. @default the Markdown as it is */
  instructions?(markdown: string): string;
  /** Files the CLI reads credentials from, built from the environment (Codex's `CODEX_AUTH_JSON`). */
  credentialFiles?(ctx: LayoutContext): ConfigFile[];
  /** Merges the servers into `file` (the layout's `mcpFile`), keeping what else it holds. */
  writeMcpServers(file: string, servers: McpServers, warn: (msg: string) => void): void;
  /** A new parser of the stream's token usage (and whether the run completed). */
  usageParser(): UsageParser;
  /** A new formatter of the stream for `kelos logs`. */
  streamFormatter(): StreamFormatter;
}

/** The tag of the published Kelos agent images, the default image of every type. Pinned, never :latest. */
export const KELOS_AGENT_IMAGES_VERSION = 'v0.19.0';

/** A published Kelos agent image (they implement the same agent image interface). */
export function kelosAgentImage(name: string): string {
  return `ghcr.io/kelos-dev/${name}:${KELOS_AGENT_IMAGES_VERSION}`;
}
