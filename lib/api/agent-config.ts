import { type Static, Type } from '@sinclair/typebox';
import { cel, NameRef, StringEnum, StringMap } from './_schema.js';
import { Kind } from './constants.js';
import type { KindDefinition } from './kind.js';
import type { ObjectMeta } from './shared.js';

export const MCP_SERVER_TYPES = ['stdio', 'http', 'sse'] as const;

const NamedContent = (what: string) =>
  Type.Object({
    name: Type.String({ minLength: 1, description: `Name of the ${what}.` }),
    content: Type.String({ description: `Content of the ${what}.` }),
  });

const SecretValuesSource = (description: string) => Type.Object({ secretRef: NameRef('SecretRef references the Secret to read data from.') }, { description });

export const McpServerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "Name identifies this MCP server in the agent's MCP configuration." }),
    type: StringEnum(MCP_SERVER_TYPES, { description: 'Type is the transport type: "stdio", "http", or "sse".' }),
    command: Type.Optional(Type.String({ description: 'Command is the executable to run for stdio transport.' })),
    args: Type.Optional(Type.Array(Type.String(), { description: 'Args are command-line arguments for the server process.' })),
    url: Type.Optional(Type.String({ description: 'URL is the server endpoint for http or sse transport.' })),
    headers: Type.Optional(StringMap('Headers are HTTP headers to include in requests.')),
    headersFrom: Type.Optional(SecretValuesSource('HeadersFrom references a Secret whose keys are header names; it wins over inline headers.')),
    env: Type.Optional(StringMap('Env are environment variables for the server process.')),
    envFrom: Type.Optional(SecretValuesSource('EnvFrom references a Secret whose keys are variable names; it wins over inline env.')),
  },
  {
    ...cel(
      { rule: "self.type != 'stdio' || has(self.command)", message: 'command is required when type is stdio' },
      { rule: "!(self.type == 'http' || self.type == 'sse') || has(self.url)", message: 'url is required when type is http or sse' },
    ),
  },
);
export type McpServer = Static<typeof McpServerSchema>;

export const AgentConfigSpecSchema = Type.Object(
  {
    agentsMD: Type.Optional(Type.String({ description: "AgentsMD is written to the agent's user-level instruction file (KELOS_AGENTS_MD)." })),
    plugins: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ minLength: 1, description: 'Name is the plugin name, used as its directory name.' }),
          skills: Type.Optional(Type.Array(NamedContent('skill'), { description: 'Skills become skills/<name>/SKILL.md in the plugin directory.' })),
          agents: Type.Optional(Type.Array(NamedContent('sub-agent'), { description: 'Agents become agents/<name>.md in the plugin directory.' })),
        }),
        { description: 'Plugins defines plugin bundles containing skills and agents.' },
      ),
    ),
    skills: Type.Optional(
      Type.Array(
        Type.Object({
          source: Type.String({ minLength: 1, description: 'Source is the skills.sh package in owner/repo format.' }),
          skill: Type.Optional(Type.String({ description: 'Skill selects one skill of the package; empty installs all.' })),
        }),
        { description: 'Skills are skills.sh packages installed by the skills-install init container.' },
      ),
    ),
    mcpServers: Type.Optional(Type.Array(McpServerSchema, { description: 'MCPServers are MCP servers made available to the agent.' })),
  },
  { description: 'AgentConfigSpec defines the desired state of AgentConfig.' },
);
export type AgentConfigSpec = Static<typeof AgentConfigSpecSchema>;

export interface AgentConfig {
  apiVersion: 'kelos.dev/v1alpha1';
  kind: 'AgentConfig';
  metadata: ObjectMeta;
  spec: AgentConfigSpec;
}

export const AgentConfigDefinition: KindDefinition = {
  kind: Kind.AGENT_CONFIG,
  plural: 'agentconfigs',
  singular: 'agentconfig',
  listKind: 'AgentConfigList',
  description: 'AgentConfig holds instructions, plugins, skills.sh packages and MCP servers for agents.',
  spec: AgentConfigSpecSchema,
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
};
