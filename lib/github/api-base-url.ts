import { isGitHubDotCom, type RepoRef } from './repo-url.js';

/**
 * The REST base URL for a repository: an explicit one (a
 * `--github-api-base-url` flag or `GITHUB_API_URL`) wins; github.com and the
 * `owner/repo` shorthand mean `https://api.github.com`; any other host is
 * GitHub Enterprise Server, `<scheme>://<host>/api/v3` — http only for an
 * `http://` repository, and without the port of an ssh or git URL.
 */
export function githubApiBaseUrl(repo: RepoRef | undefined, explicit?: string): string {
  if (explicit?.trim()) return explicit.trim().replace(/\/+$/, '');
  if (!repo?.hostname || isGitHubDotCom(repo.hostname)) return 'https://api.github.com';
  const web = repo.protocol === 'http' || repo.protocol === 'https';
  return `${repo.protocol === 'http' ? 'http' : 'https'}://${web ? repo.host : repo.hostname}/api/v3`;
}

/**
 * The GraphQL endpoint beside a REST base URL: `https://api.github.com/graphql`,
 * and on GitHub Enterprise Server `<host>/api/graphql` for `<host>/api/v3`.
 */
export function githubGraphqlUrl(restBaseUrl: string): string {
  const base = restBaseUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base) ? `${base.slice(0, -'/v3'.length)}/graphql` : `${base}/graphql`;
}
