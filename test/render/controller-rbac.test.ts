import { describe, expect, it } from 'vitest';
import type { TaskSpawnerSpec } from '../../lib/api/task-spawner.js';
import { CONTROLLER_RULES, missingForGrant, rulesAllow } from '../../lib/render/controller-rbac.js';
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
    ['github issues with a workspace token', spawner({}), ['github-token']],
    ['jira', spawner({ when: { jira: { baseUrl: 'https://jira', project: 'P', secretRef: { name: 'jira' } } } }), []],
    ['cron', spawner({ when: { cron: { schedule: '0 9 * * 1' } } }), []],
  ])('hold every permission a spawner Role grants (%s), so creating it is no escalation', (_name, s, secrets) => {
    expect(missingForGrant(CONTROLLER_RULES, spawnerRules(s, secrets))).toEqual([]);
  });

  it('finds what a holder lacks', () => {
    expect(missingForGrant([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }], [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'], resourceNames: ['a', 'b'] },
    ])).toEqual(['/secrets get b', '/secrets list a', '/secrets list b']);
  });

  it('grant nothing on Secrets beyond reading them and writing the MCP Secrets', () => {
    expect(rulesAllow(CONTROLLER_RULES, '', 'secrets', 'list')).toBe(false);
    expect(rulesAllow(CONTROLLER_RULES, '', 'secrets', 'watch')).toBe(false);
    expect(rulesAllow(CONTROLLER_RULES, '', 'secrets', 'delete')).toBe(false);
    expect(rulesAllow(CONTROLLER_RULES, 'rbac.authorization.k8s.io', 'roles', 'escalate')).toBe(false);
    expect(rulesAllow(CONTROLLER_RULES, 'rbac.authorization.k8s.io', 'roles', 'bind')).toBe(false);
  });
});
