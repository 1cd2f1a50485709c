import { githubApiBaseUrl } from './api-base-url.js';
import type { GitHubAppCredentials } from './credentials.js';
import { parseRepo } from './repo-url.js';

/** A token the App installation could not get for a reason retrying will not fix (bad key, unknown installation). */
export class GitHubAppTokenError extends Error {}

// Failures surface as a Task's status, not as Octokit's console output.
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Installation tokens for Workspaces whose Secret holds GitHub App keys,
 * minted with @octokit/auth-app (loaded on first use) and reused until ten
 * minutes before they expire, so a burst of Tasks costs one request.
 */
export class GitHubAppTokens {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<Cached>>();

  constructor(private readonly options: { readonly baseUrl?: string; readonly now?: () => number } = {}) {}

  /** A token for the installation; `repo` (the Workspace's) picks the API unless a baseUrl was given. */
  async token(creds: GitHubAppCredentials, repo: string): Promise<string> {
    const baseUrl = this.options.baseUrl ?? apiOf(repo);
    const key = `${baseUrl}|${creds.appId}|${creds.installationId}`;
    const now = (this.options.now ?? Date.now)();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt - 10 * 60_000 > now) return hit.token;
    let p = this.pending.get(key);
    if (!p) {
      p = this.mint(creds, baseUrl).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const fresh = await p;
    this.cache.set(key, fresh);
    return fresh.token;
  }

  private async mint(creds: GitHubAppCredentials, baseUrl: string): Promise<Cached> {
    const [{ createAppAuth }, { Octokit }] = await Promise.all([import('@octokit/auth-app'), import('@octokit/core')]);
    const auth = createAppAuth({
      appId: creds.appId,
      privateKey: creds.privateKey,
      installationId: creds.installationId,
      request: new Octokit({ baseUrl: baseUrl.replace(/\/+$/, ''), userAgent: 'kelos-controller', log: QUIET }).request,
    });
    try {
      const result = await auth({ type: 'installation' });
      return { token: result.token, expiresAt: Date.parse(result.expiresAt) };
    } catch (err) {
      const status = (err as { status?: number }).status;
      const message = (err as Error).message;
      if ((status !== undefined && status >= 400 && status < 500 && status !== 429) || /private key|secretOrPrivateKey|PEM/i.test(message)) {
        throw new GitHubAppTokenError(message);
      }
      throw err;
    }
  }
}

function apiOf(repo: string): string {
  try {
    return githubApiBaseUrl(parseRepo(repo));
  } catch (err) {
    throw new GitHubAppTokenError((err as Error).message);
  }
}
