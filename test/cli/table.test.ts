// kelos get prints Kelos's tables with kubectl's ages.
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../cli/ops/_kinds.js';
import { humanDuration, table } from '../../cli/ops/_table.js';
import { labelSelector, objectName, parsePhases, renderDetail, renderTable } from '../../cli/ops/get.js';

const now = Date.parse('2026-11-26T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [119, '119s'],
    [120, '2m'],
    [330, '5m30s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 20 * 60, '3h20m'],
    [20 * 3600, '20h'],
    [52 * 3600, '2d4h'],
    [3 * 86400, '3d'],
    [400 * 86400, '400d'],
    [(3 * 365 + 12) * 86400, '3y12d'],
    [10 * 365 * 86400, '10y'],
  ])('%i seconds is %s', (s, want) => {
    expect(humanDuration(s * 1000)).toBe(want);
  });
});

describe('tables', () => {
  it('pads every column but the last with three spaces', () => {
    expect(
      table(
        ['NAME', 'PHASE'],
        [
          ['a', 'Running'],
          ['longer-name', '-'],
        ],
      ),
    ).toBe('NAME          PHASE\na             Running\nlonger-name   -\n');
  });

  it("has Kelos's Task columns, and NAMESPACE first with -A", () => {
    const task = {
      metadata: { name: 'fix-1', namespace: 'team', creationTimestamp: ago(600) },
      spec: { type: 'claude-code', branch: 'fix-1', workspaceRef: { name: 'repo' }, agentConfigRefs: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Succeeded', startTime: ago(590), completionTime: ago(290) },
    };
    const pending = { metadata: { name: 'later', namespace: 'team', creationTimestamp: ago(5) }, spec: { type: 'codex' } };
    expect(renderTable('Task', [task, pending] as any, false, now)).toBe(
      [
        'NAME    TYPE          PHASE       BRANCH   WORKSPACE   AGENT CONFIG   DURATION   AGE',
        'fix-1   claude-code   Succeeded   fix-1    repo        a,b            5m         10m',
        'later   codex         -           -        -           -              -          5s',
        '',
      ].join('\n'),
    );
    expect(renderTable('Task', [task] as any, true, now).split('\n')[0]).toBe(
      'NAMESPACE   NAME    TYPE          PHASE       BRANCH   WORKSPACE   AGENT CONFIG   DURATION   AGE',
    );
  });

  it('adds the model, spawner, pod and message of a Task with -o wide', () => {
    const task = {
      metadata: { name: 'fix-1', creationTimestamp: ago(60), labels: { 'kelos.dev/taskspawner': 'issue-bot' } },
      spec: { type: 'claude-code', model: 'opus' },
      status: { phase: 'Running', podName: 'fix-1-x7k2q', message: 'Running in Pod "fix-1-x7k2q"' },
    };
    const [header, row] = renderTable('Task', [task] as any, false, now, true).split('\n');
    expect(header!.split(/\s{3,}/)).toEqual([
      'NAME',
      'TYPE',
      'PHASE',
      'BRANCH',
      'WORKSPACE',
      'AGENT CONFIG',
      'DURATION',
      'AGE',
      'MODEL',
      'SPAWNER',
      'POD',
      'MESSAGE',
    ]);
    expect(row!.split(/\s{3,}/).slice(8)).toEqual(['opus', 'issue-bot', 'fix-1-x7k2q', 'Running in Pod "fix-1-x7k2q"']);
  });

  it('names objects as kubectl does with -o name', () => {
    expect(objectName(kindOf('ts'), { metadata: { name: 'bot' } })).toBe('taskspawner.kelos.dev/bot');
  });

  it('selects by -l and --spawner together, --spawner only for tasks', () => {
    expect(labelSelector(kindOf('tasks'), { selector: 'team=web', spawner: 'bot' })).toBe('team=web,kelos.dev/taskspawner=bot');
    expect(labelSelector(kindOf('tasks'), {})).toBeUndefined();
    expect(() => labelSelector(kindOf('ws'), { spawner: 'bot' })).toThrow("'--spawner' applies to tasks, not workspaces");
  });

  it('describes each spawner source', () => {
    const spawner = (when: object, status = {}) => ({
      metadata: { name: 's', creationTimestamp: ago(60) },
      spec: { when, taskTemplate: { workspaceRef: { name: 'repo' } } },
      status,
    });
    const rows = renderTable(
      'TaskSpawner',
      [
        spawner({ githubIssues: {} }, { phase: 'Running', totalDiscovered: 4, totalTasksCreated: 2 }),
        spawner({ githubPullRequests: { repo: 'acme/app' } }),
        spawner({ cron: { schedule: '0 9 * * 1' } }),
        spawner({ jira: { project: 'WID' } }),
      ] as any,
      false,
      now,
    ).split('\n');
    expect(rows[0]).toBe(`NAME   ${'SOURCE'.padEnd(33)}PHASE     DISCOVERED   TASKS   AGE`);
    expect(rows.slice(1, 5).map((r) => r.split(/\s{3,}/)[1])).toEqual([
      'github issues: repo',
      'github pull requests: acme/app',
      'cron: 0 9 * * 1',
      'jira: WID',
    ]);
    expect(rows[1]).toContain('Running   4            2       60s');
  });

  it('shows every set field of a Task in the detail view', () => {
    const detail = renderDetail(
      'Task',
      {
        metadata: { name: 'fix-1', namespace: 'team', creationTimestamp: ago(60) },
        spec: { type: 'claude-code', prompt: 'Fix it', credentials: { type: 'oauth', secretRef: { name: 'creds' } }, dependsOn: ['a', 'b'] },
        status: { phase: 'Succeeded', results: { pr: 'https://x/pull/1', branch: 'fix-1' }, outputs: ['branch: fix-1', 'pr: https://x/pull/1'] },
      },
      now,
    );
    expect(detail).toContain('Depends On:         a, b\n');
    expect(detail).toContain('Results:            branch=fix-1\n                    pr=https://x/pull/1\n');
    expect(detail).toContain('Outputs:            branch: fix-1\n');
    expect(detail).not.toContain('Model:');
  });

  it('accepts phases in any case and rejects others', () => {
    expect(parsePhases(kindOf('tasks'), 'running,FAILED')).toEqual(['Running', 'Failed']);
    expect(() => parsePhases(kindOf('task'), 'done')).toThrow(
      '\'--phase\' must be one of Pending, Running, Succeeded, Failed, Waiting (comma-separated), got "done"',
    );
    expect(() => parsePhases(kindOf('ws'), 'Running')).toThrow("'--phase' applies to tasks and taskspawners, not workspaces");
  });

  it('rejects an unknown resource type', () => {
    expect(() => kindOf('pods')).toThrow('unknown resource type "pods": use task, taskspawner, workspace, agentconfig');
  });
});
