/** Names and paths of the agent pod, part of the agent image interface (docs/architecture.md §4). */
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
