import { PERMISSIONS, type Permission } from '../api/index.js';
import type { GitHubClient } from './client.js';
import type { RepoRef } from './repo-url.js';

/** Who may do what on a repository, as GitHub answers it. */
export interface PermissionLookups {
  /** The user's role on the repository (`role_name`, else `permission`); undefined when GitHub answers 404. */
  repositoryRole(login: string): Promise<string | undefined>;
  /** The membership state (`active`, `pending`); undefined when GitHub answers 404. */
  teamMembershipState(org: string, slug: string, login: string): Promise<string | undefined>;
}

/** The collaborator-permission and team-membership lookups of one repository, through one client. */
export function permissionLookups(client: GitHubClient, repo: RepoRef): PermissionLookups {
  return {
    repositoryRole: async (login) => {
      try {
        const { data } = await client.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
          owner: repo.owner,
          repo: repo.repo,
          username: login,
        });
        const d = data as { role_name?: string; permission?: string };
        return d.role_name || d.permission;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
    teamMembershipState: async (org, slug, login) => {
      try {
        const { data } = await client.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', { org, team_slug: slug, username: login });
        return (data as { state?: string }).state;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
  };
}

const RANK: Record<string, number> = Object.fromEntries(PERMISSIONS.map((p, i) => [p, i + 1]));

/** True when `actual` (a GitHub role name or legacy permission) is at least `minimum`. */
export function permissionAtLeast(actual: string | undefined, minimum: Permission): boolean {
  return (RANK[(actual ?? '').toLowerCase()] ?? 0) >= RANK[minimum]!;
}
