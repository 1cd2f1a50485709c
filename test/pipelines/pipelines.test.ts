import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KelosApp } from '../../constructs/index.js';
import { Examples } from '../../pipelines/examples.js';
import { SelfDevelopment } from '../../pipelines/self-development.js';

function render(make: (app: KelosApp) => Chart): Record<string, string> {
  const app = new KelosApp({ outdir: '/never' });
  make(app);
  return Object.fromEntries(app.render().map((f) => [f.path, f.content]));
}

describe('bundled pipelines', () => {
  it('self-development renders its seven spawners (snapshot)', () => {
    const files = render((app) => new SelfDevelopment(app, 'self-development'));
    const spawners = Object.keys(files)
      .filter((f) => f.includes('/TaskSpawner.'))
      .map((f) => parse(files[f]).metadata.name);
    expect(spawners.sort()).toEqual([
      'kelos-fake-strategist',
      'kelos-fake-user',
      'kelos-planner',
      'kelos-pr-responder',
      'kelos-self-update',
      'kelos-triage',
      'kelos-workers',
    ]);
    const workers = parse(files['self-development/TaskSpawner.kelos-workers.yaml']);
    expect(workers.spec.when.githubIssues).toMatchObject({
      labels: ['actor/kelos'],
      excludeLabels: ['kelos/needs-input'],
      commentPolicy: { triggerComment: '/kelos pick-up', excludeComments: ['/kelos needs-input'], minimumPermission: 'write' },
    });
    expect(workers.spec.maxConcurrency).toBe(3);
    expect(workers.spec.taskTemplate.model).toBe('opus');
    expect(workers.spec.taskTemplate.branch).toBe('kelos-task-{{.Number}}');
    expect(parse(files['self-development/TaskSpawner.kelos-fake-user.yaml']).spec.when.cron.schedule).toBe('0 9 * * *');
    expect(parse(files['self-development/TaskSpawner.kelos-fake-strategist.yaml']).spec.when.cron.schedule).toBe('0 */12 * * *');
    expect(parse(files['self-development/TaskSpawner.kelos-self-update.yaml']).spec.when.cron.schedule).toBe('0 6 * * *');
    expect(files).toMatchSnapshot();
  });

  it('examples render the Kelos examples 01–07 (snapshot)', () => {
    const files = render((app) => new Examples(app, 'examples'));
    const names = Object.keys(files).map((f) => f.replace(/^examples\//, ''));
    for (const expected of [
      'Task.simple-task.yaml',
      'Task.add-tests.yaml',
      'TaskSpawner.fix-bugs.yaml',
      'TaskSpawner.weekly-dependency-update.yaml',
      'AgentConfig.code-reviewer.yaml',
      'Task.review-pr.yaml',
      'TaskSpawner.fork-issue-fixer.yaml',
      'Workspace.my-fork.yaml',
      'Task.scaffold.yaml',
      'Task.write-tests.yaml',
      'Task.open-pr.yaml',
    ]) {
      expect(names).toContain(expected);
    }
    expect(parse(files['examples/Task.open-pr.yaml']).spec.dependsOn).toEqual(['write-tests']);
    expect(files).toMatchSnapshot();
  });
});
