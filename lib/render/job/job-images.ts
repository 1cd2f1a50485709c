import type { AgentTypeName } from '../../api/constants.js';

/** Image of the git init containers (clone, remotes, branch, files, plugins). */
export const DEFAULT_GIT_IMAGE = 'alpine/git:v2.47.2';

export interface JobImages {
  /** Agent image per type. @default each type's `defaultImage` (lib/agents) */
  readonly agent?: Partial<Record<AgentTypeName, string>>;
  /** @default DEFAULT_GIT_IMAGE */
  readonly git?: string;
  /** Image with node and git, running as any UID, for `npx skills add`. @default DEFAULT_KELOS_IMAGE */
  readonly skills?: string;
}
