import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../lib/github/client.js';
import { permissionAtLeast, permissionLookups } from '../../lib/github/permissions.js';
import { GitHubEmulator } from '../emulators/github.js';

let gh: GitHubEmulator;
beforeAll(async () => {
  gh = await GitHubEmulator.start();
  const repo = gh.repo('acme/app');
  repo.setPermission('maria', 'maintain');
  repo.setPermission('rita', 'read');
  gh.addUser('stranger');
  gh.setTeamMember('acme/core', 'tom', 'active');
  gh.setTeamMember('acme/core', 'paula', 'pending');
});
afterAll(() => gh?.close());

const lookups = () =>
  permissionLookups(createGitHubClient({ baseUrl: gh.url, log: pino({ level: 'silent' }), retryBaseMs: 5 }), { owner: 'acme', repo: 'app' });

describe('permissionAtLeast', () => {
  it('orders read < triage < write < maintain < admin', () => {
    expect(permissionAtLeast('maintain', 'write')).toBe(true);
    expect(permissionAtLeast('triage', 'write')).toBe(false);
    expect(permissionAtLeast('admin', 'admin')).toBe(true);
    expect(permissionAtLeast('none', 'read')).toBe(false);
    expect(permissionAtLeast(undefined, 'read')).toBe(false);
  });
});

describe('permissionLookups', () => {
  it('reads a collaborator role by its real name, not the legacy level', async () => {
    const l = lookups();
    expect(await l.repositoryRole('maria')).toBe('maintain');
    expect(await l.repositoryRole('rita')).toBe('read');
    expect(await l.repositoryRole('stranger')).toBe('none');
  });

  it('answers undefined for a user GitHub does not know', async () => {
    expect(await lookups().repositoryRole('nobody')).toBeUndefined();
  });

  it('reads a team membership state, undefined for a non-member', async () => {
    const l = lookups();
    expect(await l.teamMembershipState('acme', 'core', 'tom')).toBe('active');
    expect(await l.teamMembershipState('acme', 'core', 'paula')).toBe('pending');
    expect(await l.teamMembershipState('acme', 'core', 'maria')).toBeUndefined();
  });

  it('fails on errors other than 404', async () => {
    gh.failNext('server-error', 10);
    const err = (await lookups()
      .repositoryRole('maria')
      .catch((e: unknown) => e)) as { status?: number };
    gh.clearFaults();
    expect(err.status).toBeGreaterThanOrEqual(500);
  });
});
