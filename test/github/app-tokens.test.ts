import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubAppTokenError, GitHubAppTokens } from '../../lib/github/app-tokens.js';
import { appCredentials } from '../../lib/github/credentials.js';
import { GitHubEmulator } from '../emulators/github.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const appKeys = { appID: '12345', installationID: '67890', privateKey: pkcs1 };

let gh: GitHubEmulator;
beforeAll(async () => {
  gh = await GitHubEmulator.start();
  gh.addApp(12345, publicPem, [67890]);
});
afterAll(() => gh?.close());

describe('GitHubAppTokens', () => {
  it('mints an installation token and reuses it', async () => {
    const tokens = new GitHubAppTokens({ baseUrl: gh.url });
    const first = await tokens.token(appCredentials(appKeys)!, 'https://github.com/acme/app.git');
    expect(first).toMatch(/^ghs_/);
    const before = gh.stats().requests;
    expect(await tokens.token(appCredentials(appKeys)!, 'https://github.com/acme/app.git')).toBe(first);
    expect(gh.stats().requests).toBe(before);
  });

  it('fails with GitHubAppTokenError for an unknown installation or a wrong key', async () => {
    const tokens = new GitHubAppTokens({ baseUrl: gh.url });
    await expect(tokens.token({ appId: '12345', installationId: '1', privateKey: pkcs1 }, 'r')).rejects.toBeInstanceOf(GitHubAppTokenError);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    await expect(tokens.token({ appId: '12345', installationId: '67890', privateKey: other }, 'r')).rejects.toBeInstanceOf(GitHubAppTokenError);
  });

  it('mints against the API the Workspace repository names (GitHub Enterprise under /api/v3)', async () => {
    const before = gh.stats().requests;
    expect(await new GitHubAppTokens().token(appCredentials(appKeys)!, `${gh.url}/acme/app.git`)).toMatch(/^ghs_/);
    expect(gh.stats().requests).toBe(before + 1);
  });

  it('fails with GitHubAppTokenError, the credentials masked, for a repository URL that carries them', async () => {
    const err = await new GitHubAppTokens().token(appCredentials(appKeys)!, 'https://x-access-token:ghp_secret@ghe.corp/acme/app.git').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubAppTokenError);
    expect((err as Error).message).toMatch(/must not carry credentials/);
    expect((err as Error).message).not.toContain('ghp_secret');
  });
});
