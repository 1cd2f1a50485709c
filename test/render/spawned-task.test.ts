import { describe, expect, it } from 'vitest';
import type { TaskSpawner } from '../../lib/api/index.js';
import { buildTask } from '../../lib/spawner/build-task.js';
import { buildWebhookTask } from '../../lib/webhook/task.js';

// The annotations reporting trusts are written by kelos alone: a taskTemplate
// that sets them (by mistake, or to make reporting edit someone else's
// comment) loses them on both paths that build spawned Tasks.
const FORGED = {
  'kelos.dev/source-sha': 'f'.repeat(40),
  'kelos.dev/report-comment-id': '1',
  'kelos.dev/report-check-run-id': '2',
  'kelos.dev/reported': 'succeeded',
};

function spawner(when: TaskSpawner['spec']['when']): TaskSpawner {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 'triage', namespace: 'team', uid: '00000000-0000-0000-0000-000000000001' },
    spec: {
      when,
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'api-key', secretRef: { name: 'anthropic' } },
        promptTemplate: 'Look at {{.Title}}',
        metadata: { annotations: { ...FORGED, 'team.example/owner': '{{.Title}}' } },
      },
    },
  };
}

describe('spawned Task annotations', () => {
  it('the webhook server drops the ones only kelos writes and renders the rest', () => {
    const task = buildWebhookTask(spawner({ githubWebhook: { events: ['issues'] } } as TaskSpawner['spec']['when']), { Title: 'Crash' }, 'triage-x', {
      source: 'github',
      origin: { kind: 'issue', number: 7, repo: 'acme/app' },
    });
    const a = task.metadata.annotations ?? {};
    for (const k of Object.keys(FORGED)) expect(a[k], k).toBeUndefined();
    expect(a['team.example/owner']).toBe('Crash');
    expect(a['kelos.dev/source-number']).toBe('7');
  });

  it('the spawner does the same', () => {
    const task = buildTask(
      spawner({ githubIssues: {} }),
      { id: '7', number: 7, title: 'Crash', body: '', url: 'https://github.com/acme/app/issues/7', labels: [], comments: '', kind: 'Issue' } as never,
      'triage-7',
    );
    const a = task.metadata.annotations ?? {};
    for (const k of Object.keys(FORGED)) expect(a[k], k).toBeUndefined();
    expect(a['team.example/owner']).toBe('Crash');
  });
});
