import type { WorkspaceSpec } from '../../api/workspace.js';

/** What the Job does with a Workspace once its repository URLs are read: the input of the env, volumes and git init containers. */
export interface Checkout {
  readonly workspace: WorkspaceSpec;
  /** The Secret holding GITHUB_TOKEN; undefined: no token. */
  readonly tokenSecret?: string;
  /** The GitHub Enterprise host (GH_HOST); undefined on github.com. */
  readonly enterpriseHost?: string;
  /** `https://host` the token credential helper answers for; undefined without a token or for ssh/git URLs. */
  readonly credentialOrigin?: string;
  /** `owner/repo` for KELOS_UPSTREAM_REPO. */
  readonly upstreamRepo?: string;
}
