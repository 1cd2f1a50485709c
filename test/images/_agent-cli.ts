import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ImageDeclaration, imageDeclaration } from '../../lib/agents/image.js';
import type { TestWorkspace } from '../capture/_workspace.js';

/** Where scripts/install-agent-cli.sh installs a CLI at the version its image declaration pins. */
export interface InstalledCli {
  readonly declaration: ImageDeclaration;
  /** The `node_modules/.bin` folder holding the CLI. */
  readonly bin: string;
  readonly installed: boolean;
  /** Why the tests of this CLI are skipped when it is not installed. */
  readonly notInstalled: string;
}

export function installedCli(type: string, name: string): InstalledCli {
  const declaration = imageDeclaration(type);
  const cache = process.env.KELOS_AGENT_CLI_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kelos-agent-clis');
  const dir = join(cache, `${declaration.npmPackage}@${declaration.version}`);
  const bin = join(dir, 'node_modules', '.bin');
  const installed = existsSync(join(bin, declaration.cli));
  const notInstalled = `${name} ${declaration.version} is not installed in ${dir}: run scripts/install-agent-cli.sh ${type}`;
  // Said once at collection too: the default reporter shows only a count of skipped tests.
  if (!installed) console.warn(`skipped: ${notInstalled}`);
  return { declaration, bin, installed, notInstalled };
}

/** The shell command every scripted session runs: its mark is the proof it ran. */
export const COMMAND = 'git rev-parse --abbrev-ref HEAD > command-ran.txt';
/** The file every scripted session edits, before and after. */
export const EDITED = { file: 'README.md', before: '# widgets', after: '# widgets, edited by the scripted model' } as const;

/** Usage of each scripted turn, distinct so that a sum shows which turns it holds. */
export const TURN_USAGE = [
  { input: 1000, output: 100 },
  { input: 2000, output: 200 },
  { input: 3000, output: 300 },
] as const;

/** What a session left in the repository: the command's mark and the edited file. */
export function sessionEffects(ws: TestWorkspace): { commandRan: string | undefined; edited: string } {
  const mark = join(ws.repo, 'command-ran.txt');
  return {
    commandRan: existsSync(mark) ? readFileSync(mark, 'utf8').trim() : undefined,
    edited: readFileSync(join(ws.repo, EDITED.file), 'utf8'),
  };
}

/** An AgentConfig as the controller hands it to the entrypoint: AGENTS.md, one plugin with one skill, one HTTP MCP server. */
export const AGENT_CONFIG = {
  marker: 'kelos-agents-md-marker-7f3a',
  agentsMd: '# Team rules\n\nSign every release note with kelos-agents-md-marker-7f3a.\n',
  skill: 'release-notes',
  skillBody: 'Start every release note with kelos-skill-body-5c1e.',
  mcpServer: 'docs',
  mcpTool: { name: 'lookup', description: 'Looks a term up in the team docs.', answer: 'kelos-mcp-answer-91d2: the release is 1.2.3' },
} as const;

/**
 * The AgentConfig's environment for the entrypoint, its plugin written as the
 * controller materialises one: `<plugins>/<plugin>/skills/<skill>/SKILL.md`.
 */
export function agentConfigEnv(ws: TestWorkspace, mcpUrl: string): Record<string, string> {
  const plugins = join(ws.root, 'plugins');
  const dir = join(plugins, 'kelos-test', 'skills', AGENT_CONFIG.skill);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'SKILL.md'),
    `---\nname: ${AGENT_CONFIG.skill}\ndescription: How this team writes release notes.\n---\n\n${AGENT_CONFIG.skillBody}\n`,
  );
  return {
    KELOS_AGENTS_MD: AGENT_CONFIG.agentsMd,
    KELOS_PLUGIN_DIR: plugins,
    KELOS_MCP_SERVERS: JSON.stringify({ mcpServers: { [AGENT_CONFIG.mcpServer]: { type: 'http', url: mcpUrl } } }),
  };
}
