import { describe, expect, it } from 'vitest';
import type { TaskSpawner } from '../../lib/api/index.js';
import { buildTask, upstreamRepoOf } from '../../lib/spawner/build-task.js';
import type { WorkItem } from '../../lib/spawner/work-item.js';

const spawner = (taskTemplate: Partial<TaskSpawner['spec']['taskTemplate']> = {}, when: TaskSpawner['spec']['when'] = { githubIssues: {} }): TaskSpawner => ({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'TaskSpawner',
  metadata: { name: 'kelos-workers', namespace: 'dev', uid: 'uid-1' },
  spec: {
    when,
    taskTemplate: { type: 'claude-code', credentials: { type: 'oauth', secretRef: { name: 'creds' } }, workspaceRef: { name: 'ws' }, ...taskTemplate },
  },
});
const item: WorkItem = {
  id: '42',
  number: 42,
  title: 'Fix the flake',
  body: 'It fails on Tuesdays',
  url: 'https://github.com/acme/app/issues/42',
  labels: ['bug', 'priority/backlog'],
  kind: 'Issue',
  origin: { kind: 'issue', repo: 'acme/app' },
};

describe('buildTask', () => {
  it('renders the Task of a work item with label, annotations and a controller owner reference', () => {
    const task = buildTask(
      spawner({
        model: 'opus',
        ttlSecondsAfterFinished: 3600,
        branch: 'kelos-task-{{.Number}}',
        promptTemplate: 'Issue #{{.Number}}: {{.Title}}\n{{.Body}}\nLabels: {{.Labels}}',
        agentConfigRef: { name: 'agent' },
        podOverrides: { env: [{ name: 'A', value: 'b' }] },
        metadata: { labels: { team: 'core', kind: '{{.Kind | printf "%s"}}' }, annotations: { 'example.com/url': '{{.URL}}' } },
      }),
      item,
      'kelos-workers-42',
    );
    expect(task).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: {
        name: 'kelos-workers-42',
        namespace: 'dev',
        labels: { team: 'core', kind: 'Issue', 'kelos.dev/taskspawner': 'kelos-workers' },
        annotations: {
          'example.com/url': 'https://github.com/acme/app/issues/42',
          'kelos.dev/source-kind': 'issue',
          'kelos.dev/source-number': '42',
          'kelos.dev/source-repo': 'acme/app',
        },
        ownerReferences: [
          { apiVersion: 'kelos.dev/v1alpha1', kind: 'TaskSpawner', name: 'kelos-workers', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        type: 'claude-code',
        credentials: { type: 'oauth', secretRef: { name: 'creds' } },
        model: 'opus',
        workspaceRef: { name: 'ws' },
        agentConfigRef: { name: 'agent' },
        branch: 'kelos-task-42',
        prompt: 'Issue #42: Fix the flake\nIt fails on Tuesdays\nLabels: bug, priority/backlog',
        ttlSecondsAfterFinished: 3600,
        podOverrides: { env: [{ name: 'A', value: 'b' }] },
      },
    });
  });

  it('defaults the prompt to the title and keeps the reserved label ours', () => {
    const task = buildTask(spawner({ metadata: { labels: { 'kelos.dev/taskspawner': 'spoofed' } } }), item, 'n');
    expect(task.spec.prompt).toBe('Fix the flake');
    expect(task.metadata.labels).toEqual({ 'kelos.dev/taskspawner': 'kelos-workers' });
  });

  it('fails with the template name and Go wording on a missing key', () => {
    expect(() => buildTask(spawner({ promptTemplate: 'Fix {{.Nope}}' }), item, 'n')).toThrow(/template: promptTemplate:1:.*map has no entry for key "Nope"/);
  });

  it('derives upstreamRepo from a repo override (fork workflow), and an explicit one wins', () => {
    const fork = spawner({}, { githubIssues: { repo: 'https://github.com/upstream-org/upstream-repo.git' } });
    expect(buildTask(fork, item, 'n').spec.upstreamRepo).toBe('upstream-org/upstream-repo');
    expect(buildTask(spawner({ upstreamRepo: 'x/y' }, { githubIssues: { repo: 'a/b' } }), item, 'n').spec.upstreamRepo).toBe('x/y');
    expect(upstreamRepoOf(spawner())).toBeUndefined();
  });

  it('omits source annotations for cron and Jira items, and an empty rendered branch', () => {
    const task = buildTask(spawner({ branch: '{{.Branch}}' }, { cron: { schedule: '0 9 * * 1' } }), { ...item, origin: undefined } as WorkItem, 'n');
    expect(task.metadata.annotations).toBeUndefined();
    expect(task.spec.branch).toBeUndefined();
  });
});

describe('buildTask with dependsOn', () => {
  const hostile: WorkItem = { ...item, title: '{{index .Deps "setup" "Results" "secret"}}', body: '{{range 20000}}{{range 20000}}{{end}}{{end}}' };

  it('stores the TaskSpawner template and the item values apart, so source text is never a template', () => {
    const task = buildTask(
      spawner({ dependsOn: ['setup'], promptTemplate: '#{{.Number}} {{.Title}}\n{{.Body}}\n{{index .Deps "setup" "Results" "plan"}}' }),
      hostile,
      'kelos-workers-42',
    );
    expect(task.spec.prompt).toBe('#{{.Number}} {{.Title}}\n{{.Body}}\n{{index .Deps "setup" "Results" "plan"}}');
    const values = JSON.parse(task.metadata.annotations!['kelos.dev/prompt-values']!);
    expect(values).toMatchObject({ Number: 42, Title: hostile.title, Body: hostile.body });
  });

  it('fails at spawn time on a field the template names wrongly', () => {
    expect(() => buildTask(spawner({ dependsOn: ['setup'], promptTemplate: '{{.Titel}}' }), item, 'x')).toThrow(/unknown field \.Titel/);
  });

  it('fails with TemplateDataError when the values do not fit in an annotation', () => {
    const big: WorkItem = { ...item, body: 'x'.repeat(200 * 1024) };
    expect(() => buildTask(spawner({ dependsOn: ['setup'] }), big, 'x')).toThrow(expect.objectContaining({ name: 'TemplateDataError' }));
  });

  it('renders right away without dependsOn', () => {
    const task = buildTask(spawner({ promptTemplate: '{{.Title}}' }), hostile, 'x');
    expect(task.spec.prompt).toBe(hostile.title);
    expect(task.metadata.annotations?.['kelos.dev/prompt-values']).toBeUndefined();
  });
});
