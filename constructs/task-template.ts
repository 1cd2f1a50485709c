import type { Duration } from 'cdk8s';
import type { PodOverrides } from '../lib/api/shared.js';
import type { AgentType, Model } from './agent-type.js';
import type { IAgent } from './agent.js';
import type { Credentials } from './credentials.js';
import type { IWorkspace } from './workspace.js';

/**
 * How an agent runs: the props a `Task` and a `Spawner`'s task template share.
 * Define them once and spread them into every Task and Spawner that runs the same way.
 */
export interface TaskTemplateProps {
  /** The agent CLI to run. */
  readonly type: AgentType;
  /** How the agent authenticates. */
  readonly credentials: Credentials;
  /** Model passed to the agent (KELOS_MODEL). @default - the agent's default model */
  readonly model?: Model;
  /** Reasoning effort, agent-specific (KELOS_EFFORT). @default - the agent's default */
  readonly effort?: string;
  /** Custom agent image implementing the agent image interface. @default - the controller's image for the agent type */
  readonly image?: string;
  /** The repository to work in. @default - no repository: the agent starts in an empty directory */
  readonly workspace?: IWorkspace;
  /** Instructions, plugins and MCP servers, merged in order. @default - none */
  readonly agents?: readonly IAgent[];
  /** Upstream repository `owner/repo` for fork workflows (KELOS_UPSTREAM_REPO). @default - none */
  readonly upstreamRepo?: string;
  /** Delete the Task this long after it finishes. @default - kept until deleted */
  readonly ttlAfterFinished?: Duration;
  /** Pod customisation: resources, env, node selection, volumes, security contexts. @default - none */
  readonly podOverrides?: PodOverrides;
}
