import { Construct, type IConstruct } from 'constructs';
import type { AgentConfigSpec, McpServer as McpServerSpec } from '../lib/api/agent-config.js';
import { Kind } from '../lib/api/constants.js';
import { checkProps, type KnownProps } from './_props.js';
import { kelosResource, objectName, PropError, show, some } from './_util.js';
import type { SecretRef } from './credentials.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const AGENT_PROPS: KnownProps<AgentProps> = { name: true, agentsMd: true, plugins: true, skills: true, mcpServers: true };
const PLUGIN_PROPS: KnownProps<PluginProps> = { name: true, skills: true, agents: true };
const SKILLS_PACKAGE_PROPS: KnownProps<SkillsPackage> = { source: true, skill: true };

/** An AgentConfig defined here or elsewhere. */
export interface IAgent extends IConstruct {
  /** The AgentConfig object's name. */
  readonly agentConfigName: string;
}

export interface PluginProps {
  /** Plugin name, used as its directory name. */
  readonly name: string;
  /** Skills, by name → SKILL.md content. @default - none */
  readonly skills?: Readonly<Record<string, string>>;
  /** Sub-agents, by name → agent definition (markdown). @default - none */
  readonly agents?: Readonly<Record<string, string>>;
}

export interface SkillsPackage {
  /** The skills.sh package, `owner/repo`. */
  readonly source: string;
  /** One skill of the package. @default - all skills of the package */
  readonly skill?: string;
}

/** An MCP server the agent may use. */
export class McpServer {
  /** A server the agent starts as a process (stdio transport). */
  public static stdio(
    name: string,
    props: { command: string; args?: readonly string[]; env?: Readonly<Record<string, string>>; envFrom?: SecretRef },
  ): McpServer {
    return new McpServer(
      {
        name,
        type: 'stdio',
        command: props.command,
        args: props.args ? [...props.args] : undefined,
        env: props.env ? { ...props.env } : undefined,
        envFrom: props.envFrom ? { secretRef: { name: props.envFrom.name } } : undefined,
      },
      { what: 'McpServer.stdio', props, known: { command: true, args: true, env: true, envFrom: true } },
    );
  }

  /** A server reached over streamable HTTP. */
  public static http(name: string, props: { url: string; headers?: Readonly<Record<string, string>>; headersFrom?: SecretRef }): McpServer {
    return McpServer.remote(name, 'http', props);
  }

  /** A server reached over server-sent events. */
  public static sse(name: string, props: { url: string; headers?: Readonly<Record<string, string>>; headersFrom?: SecretRef }): McpServer {
    return McpServer.remote(name, 'sse', props);
  }

  private static remote(
    name: string,
    type: 'http' | 'sse',
    props: { url: string; headers?: Readonly<Record<string, string>>; headersFrom?: SecretRef },
  ): McpServer {
    return new McpServer(
      {
        name,
        type,
        url: props.url,
        headers: props.headers ? { ...props.headers } : undefined,
        headersFrom: props.headersFrom ? { secretRef: { name: props.headersFrom.name } } : undefined,
      },
      { what: `McpServer.${type}`, props, known: { url: true, headers: true, headersFrom: true } },
    );
  }

  private constructor(
    private readonly spec: McpServerSpec,
    /** The props as given, checked when the server is added to an Agent. */
    private readonly given: { readonly what: string; readonly props: object; readonly known: KnownProps<any> },
  ) {}

  /** @internal Reports a prop name the factory did not know on the Agent it is added to. */
  public _checkProps(scope: Construct): void {
    checkProps(scope, this.given.what, this.given.props, this.given.known, 'mcpServers.');
  }

  public get name(): string {
    return this.spec.name;
  }

  /** @internal */
  public _toKube(): McpServerSpec {
    return structuredClone(this.spec);
  }
}

export interface AgentProps {
  /** Object name. @default - the construct id */
  readonly name?: string;
  /** User-level instructions for the agent (AGENTS.md / CLAUDE.md). @default - none */
  readonly agentsMd?: string;
  /** Plugins with skills and sub-agents. @default - none */
  readonly plugins?: readonly PluginProps[];
  /** skills.sh packages to install. @default - none */
  readonly skills?: readonly SkillsPackage[];
  /** MCP servers. @default - none */
  readonly mcpServers?: readonly McpServer[];
}

/**
 * What an agent knows and can use — instructions, plugins, skills and MCP
 * servers: renders a kelos.dev `AgentConfig`.
 */
export class Agent extends Construct implements IAgent {
  /** An AgentConfig that exists already (applied elsewhere). */
  public static fromName(scope: Construct, id: string, name: string): IAgent {
    return new ImportedAgent(scope, id, name);
  }

  public readonly agentConfigName: string;
  public readonly agentsMd?: string;
  private readonly plugins: PluginProps[] = [];
  private readonly skills: SkillsPackage[] = [];
  private readonly mcpServers: McpServer[] = [];

  constructor(scope: Construct, id: string, props: AgentProps = {}) {
    super(scope, id);
    checkProps(this, 'Agent', props, AGENT_PROPS);
    this.agentConfigName = objectName(this, id, props.name);
    this.agentsMd = props.agentsMd;
    for (const p of props.plugins ?? []) this.addPlugin(p);
    for (const s of props.skills ?? []) this.addSkills(s);
    for (const m of props.mcpServers ?? []) this.addMcpServer(m);
    kelosResource(this, Kind.AGENT_CONFIG, this.agentConfigName, () => this._toKube());
  }

  /** Adds a plugin; names must be unique. */
  public addPlugin(plugin: PluginProps): void {
    checkProps(this, 'an Agent plugin', plugin, PLUGIN_PROPS, 'plugins.');
    if (!plugin.name) throw new PropError(this, 'plugins', 'name must not be empty');
    if (plugin.name.includes('/') || plugin.name === '..' || plugin.name === '.') {
      throw new PropError(this, 'plugins', `name must be a plain directory name, got ${show(plugin.name)}`);
    }
    if (this.plugins.some((p) => p.name === plugin.name)) throw new PropError(this, 'plugins', `name ${show(plugin.name)} is already used`);
    for (const [kind, entries] of [
      ['skills', plugin.skills],
      ['agents', plugin.agents],
    ] as const) {
      for (const n of Object.keys(entries ?? {})) {
        if (n === '' || n.includes('/')) throw new PropError(this, 'plugins', `${kind} name must be a plain name, got ${show(n)}`);
      }
    }
    this.plugins.push(plugin);
  }

  /** Adds a skills.sh package. */
  public addSkills(pkg: SkillsPackage): void {
    checkProps(this, 'an Agent skills package', pkg, SKILLS_PACKAGE_PROPS, 'skills.');
    if (!/^[^/\s]+\/[^/\s]+$/.test(pkg.source)) {
      throw new PropError(this, 'skills', `source must be "owner/repo", got ${show(pkg.source)}`);
    }
    this.skills.push(pkg);
  }

  /** Adds an MCP server; names must be unique. */
  public addMcpServer(server: McpServer): void {
    server._checkProps(this);
    if (!server.name) throw new PropError(this, 'mcpServers', 'name must not be empty');
    if (this.mcpServers.some((m) => m.name === server.name)) {
      throw new PropError(this, 'mcpServers', `name ${show(server.name)} is already used`);
    }
    this.mcpServers.push(server);
  }

  /** @internal */
  public _toKube(): AgentConfigSpec {
    const named = (entries: Readonly<Record<string, string>> | undefined) => some(Object.entries(entries ?? {}).map(([name, content]) => ({ name, content })));
    return {
      agentsMD: this.agentsMd,
      plugins: some(this.plugins.map((p) => ({ name: p.name, skills: named(p.skills), agents: named(p.agents) }))),
      skills: some(this.skills.map((s) => ({ source: s.source, skill: s.skill }))),
      mcpServers: some(this.mcpServers.map((m) => m._toKube())),
    };
  }
}

class ImportedAgent extends Construct implements IAgent {
  constructor(
    scope: Construct,
    id: string,
    public readonly agentConfigName: string,
  ) {
    super(scope, id);
  }
}
