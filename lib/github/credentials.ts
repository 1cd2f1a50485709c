/** GitHub App credentials as a Workspace Secret holds them (Kelos's keys). */
export interface GitHubAppCredentials {
  readonly appId: string;
  readonly installationId: string;
  readonly privateKey: string;
}

/** A PAT, or GitHub App installation credentials. */
export type GitHubCredentials = { readonly token: string } | GitHubAppCredentials;

type SecretData = Readonly<Record<string, string | undefined>>;

/**
 * The App credentials in a Workspace Secret's data, or undefined for a PAT
 * Secret. The IDs are trimmed: values written with `--from-file` end in a newline.
 */
export function appCredentials(data: SecretData | undefined): GitHubAppCredentials | undefined {
  if (!data || data.GITHUB_TOKEN) return undefined;
  const appId = data.appID?.trim();
  const installationId = data.installationID?.trim();
  const { privateKey } = data;
  return appId && installationId && privateKey ? { appId, installationId, privateKey } : undefined;
}

/** A Secret's `GITHUB_TOKEN` (trimmed), else its App keys, else undefined. */
export function secretCredentials(data: SecretData): GitHubCredentials | undefined {
  return data.GITHUB_TOKEN ? { token: data.GITHUB_TOKEN.trim() } : appCredentials(data);
}
