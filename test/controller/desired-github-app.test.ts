import { describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { desired, type TaskWorld } from '../../lib/controller/desired.js';

// desired only reads the keys; the token is minted by the shell.
const appKeys = { appID: '12345', installationID: '67890', privateKey: '-----BEGIN RSA PRIVATE KEY-----\n' };

describe('desired with a GitHub App Workspace Secret', () => {
  const task: Task = {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 'fix', namespace: 'ns', uid: 'u', finalizers: ['kelos.dev/finalizer'], creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { type: 'codex', prompt: 'p', credentials: { type: 'api-key', secretRef: { name: 'openai' } }, workspaceRef: { name: 'ws' } },
  };
  const workspace: Workspace = {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'ws', namespace: 'ns' },
    spec: { repo: 'https://github.com/acme/app.git', secretRef: { name: 'github-app' } },
  };
  const base: TaskWorld = { tasks: new Map([['fix', task]]), hasJob: () => false, branchPeers: () => [], pods: [], agentConfigs: new Map(), workspace };
  const now = new Date('2026-01-01T00:01:00Z');

  it('reads the Secret, asks for a token, then gives the Job a Secret of its own', () => {
    expect(desired(task, base, now).needs).toEqual({ secrets: ['github-app'] });
    const withSecret = { ...base, secrets: new Map([['github-app', appKeys]]) };
    expect(desired(task, withSecret, now).needs).toEqual({ githubAppToken: { secret: 'github-app', repo: workspace.spec.repo } });
    const d = desired(task, { ...withSecret, githubAppToken: { token: 'ghs_minted' } }, now);
    expect(d.children.githubTokenSecret?.metadata).toMatchObject({ name: 'fix-github-token', ownerReferences: [expect.objectContaining({ uid: 'u' })] });
    expect(Buffer.from(d.children.githubTokenSecret!.data!.GITHUB_TOKEN, 'base64').toString()).toBe('ghs_minted');
    const env = d.children.job!.spec!.template.spec!.containers[0].env!;
    expect(env).toContainEqual({ name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'fix-github-token', key: 'GITHUB_TOKEN' } } });
    expect(JSON.stringify(d.children.job)).not.toContain('ghs_minted');
  });

  it('uses a PAT Secret as it is', () => {
    const d = desired(task, { ...base, secrets: new Map([['github-app', { GITHUB_TOKEN: 'ghp' }]]) }, now);
    expect(d.children.githubTokenSecret).toBeUndefined();
    expect(d.children.job!.spec!.template.spec!.containers[0].env).toContainEqual({
      name: 'GITHUB_TOKEN',
      valueFrom: { secretKeyRef: { name: 'github-app', key: 'GITHUB_TOKEN' } },
    });
  });

  it('fails the Task when the App cannot get a token', () => {
    const d = desired(task, { ...base, secrets: new Map([['github-app', appKeys]]), githubAppToken: { error: 'Not Found' } }, now);
    expect(d.status).toMatchObject({ phase: 'Failed', message: 'GitHub App token for Workspace "ws" could not be created: Not Found' });
    expect(d.status?.conditions?.[0].reason).toBe('GitHubTokenFailed');
  });
});
