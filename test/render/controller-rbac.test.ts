import { describe, expect, it } from 'vitest';
import type { TaskSpawnerSpec } from '../../lib/api/task-spawner.js';
import { CONTROLLER_RULES, CONTROLLER_SECRET_RULES, missingForGrant, rulesAllow } from '../../lib/render/controller-rbac.js';
import { spawnerRules } from '../../lib/render/spawner-workload.js';

const spawner = (spec: Partial<TaskSpawnerSpec>) => ({
  metadata: { name: 'fix-bugs', namespace: 'team' },
  spec: {
    when: { githubIssues: {} },
    taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } },
    ...spec,
  } as TaskSpawnerSpec,
});

describe('CONTROLLER_RULES', () => {
  it.each([
    ['github issues with a workspace token', spawner({})],
    ['jira', spawner({ when: { jira: { baseUrl: 'https://jira', project: 'P', secretRef: { name: 'jira' } } } })],
    ['cron', spawner({ when: { cron: { schedule: '0 9 * * 1' } } })],
  ])('hold every permission a spawner Role grants (%s), so creating it is no escalation', (_name, s) => {
    expect(missingForGrant(CONTROLLER_RULES, spawnerRules(s))).toEqual([]);
  });

  it('grant no spawner any Secret: the kubelet mounts them', () => {
    const s = spawner({ when: { jira: { baseUrl: 'https://jira', project: 'P', secretRef: { name: 'jira' } } } });
    expect(rulesAllow(spawnerRules(s), '', 'secrets', 'get', 'jira')).toBe(false);
  });

  it('finds what a holder lacks', () => {
    expect(
      missingForGrant(
        [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }],
        [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'], resourceNames: ['a', 'b'] }],
      ),
    ).toEqual(['/secrets get b', '/secrets list a', '/secrets list b']);
  });

  it('grant nothing on Secrets: that is the namespaced kelos-controller-secrets role', () => {
    for (const verb of ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete']) expect(rulesAllow(CONTROLLER_RULES, '', 'secrets', verb)).toBe(false);
    expect(CONTROLLER_SECRET_RULES).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'patch'] }]);
    expect(rulesAllow(CONTROLLER_RULES, 'rbac.authorization.k8s.io', 'roles', 'escalate')).toBe(false);
    expect(rulesAllow(CONTROLLER_RULES, 'rbac.authorization.k8s.io', 'roles', 'bind')).toBe(false);
  });
});
