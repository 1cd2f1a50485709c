import { describe, expect, it } from 'vitest';
import type { TaskSpawnerSpec } from '../../lib/api/index.js';
import { spawnerRules, spawnerWorkload } from '../../lib/render/spawner-workload.js';

const ref = (when: TaskSpawnerSpec['when'], contextSources?: TaskSpawnerSpec['taskTemplate']['contextSources']) => ({
  metadata: { name: 'reviewer', namespace: 'agents' },
  spec: {
    when,
    taskTemplate: {
      type: 'claude-code' as const,
      credentials: { type: 'none' as const },
      workspaceRef: { name: 'ws' },
      ...(contextSources ? { contextSources } : {}),
    },
  },
});
const taskVerbs = (spec: ReturnType<typeof ref>) => spawnerRules(spec).find((r) => r.resources?.includes('tasks'))!.verbs;

describe('spawner workload', () => {
  it('mounts the Secrets of contextSources headers beside the Workspace token', () => {
    const w = spawnerWorkload(
      ref({ githubIssues: {} }, [
        { name: 'jira', http: { url: 'https://jira.example.com/x', headersFrom: [{ header: 'Authorization', secretName: 'jira', secretKey: 'k' }] } },
      ]),
      { secretNames: ['github-token'] },
    );
    expect(w.deployment!.spec!.template.spec!.volumes!.map((v) => v.secret?.secretName)).toEqual(['github-token', 'jira']);
  });

  it('lets the spawner patch Tasks only when it reports to GitHub', () => {
    expect(taskVerbs(ref({ githubIssues: {} }))).not.toContain('patch');
    expect(taskVerbs(ref({ githubIssues: { reporting: { enabled: false } } }))).not.toContain('patch');
    expect(taskVerbs(ref({ githubIssues: { reporting: { enabled: true } } }))).toContain('patch');
    expect(taskVerbs(ref({ githubPullRequests: { reporting: { checks: {} } } }))).toContain('patch');
  });
});
