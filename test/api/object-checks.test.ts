import { describe, expect, it } from 'vitest';
import { checkObject } from '../../lib/api/object-checks.js';
import { spawner, task, workspace } from '../fixtures/bad-cases.js';

const ISSUE_VARS = '.ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind';
const issues = (repo?: string) => ({ githubIssues: repo ? { repo } : {} });

describe('checkObject', () => {
  it('accepts objects that will run', () => {
    expect(checkObject(task())).toEqual([]);
    expect(checkObject(task({ dependsOn: ['a'], prompt: 'after {{index .Deps "a" "Results" "branch"}}' }))).toEqual([]);
    expect(checkObject(spawner())).toEqual([]);
    expect(checkObject(spawner({ cron: { schedule: '@daily' } }, { promptTemplate: 'Tick {{.Time}}', branch: 'cron-{{.ID}}' }))).toEqual([]);
    expect(checkObject(spawner(issues('acme/app'), { promptTemplate: '#{{.Number}} {{.Title}}', metadata: { labels: { n: '{{.Number}}' } } }))).toEqual([]);
    expect(checkObject(workspace({ remotes: [{ name: 'mirror', url: 'git://mirror.example.com/widgets.git' }] }))).toEqual([]);
    expect(checkObject({ kind: 'ConfigMap' })).toEqual([]);
  });

  it('fails on a TaskSpawner with a bad schedule and a bad template (both reported)', () => {
    expect(checkObject(spawner({ cron: { schedule: 'not a cron' } }, { promptTemplate: '{{.Title}' }))).toEqual([
      {
        path: 'spec.when.cron.schedule',
        message:
          'invalid cron schedule "not a cron": expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 3 fields',
      },
      { path: 'spec.taskTemplate.promptTemplate', message: "is not a valid Go template: template: promptTemplate:1: bad character U+007D '}'" },
    ]);
  });

  it("fails on a cron schedule with the parser's reason", () => {
    expect(checkObject(spawner({ cron: { schedule: '0 25 * * *' } }))).toEqual([
      { path: 'spec.when.cron.schedule', message: 'invalid cron schedule "0 25 * * *": hour field "25": Constraint error, got value 25 expected range 0-23' },
    ]);
  });

  it('fails on unknown variables in the prompt, branch and metadata templates of a spawner', () => {
    const obj = spawner(issues(), { promptTemplate: 'Fix {{.Titel}}', branch: 'fix-{{.Branch}}', metadata: { annotations: { from: '{{.Url}}' } } });
    expect(checkObject(obj)).toEqual([
      {
        path: 'spec.taskTemplate.promptTemplate',
        message: `reads .Titel, which a githubIssues source does not have (did you mean .Title?); it has ${ISSUE_VARS}`,
      },
      { path: 'spec.taskTemplate.branch', message: `reads .Branch, which a githubIssues source leaves empty; it has ${ISSUE_VARS}` },
      {
        path: 'spec.taskTemplate.metadata.annotations[from]',
        message: `reads .Url, which a githubIssues source does not have (did you mean .URL?); it has ${ISSUE_VARS}`,
      },
    ]);
  });

  it('checks .Deps of a spawner prompt against the taskTemplate dependsOn', () => {
    const obj = spawner(issues(), { dependsOn: ['setup'], promptTemplate: '{{.Title}} on {{index .Deps "set-up" "Results" "branch"}}' });
    expect(checkObject(obj)).toEqual([
      {
        path: 'spec.taskTemplate.promptTemplate',
        message: 'reads .Deps "set-up", which is not in dependsOn (did you mean "setup"?); dependsOn has "setup"',
      },
    ]);
  });

  it('checks the prompt of a Task with dependsOn, and leaves one without as text', () => {
    expect(checkObject(task({ dependsOn: ['scaffold'], prompt: '{{.Deps.scafold.Results.branch}}' }))).toEqual([
      {
        path: 'spec.prompt',
        message: 'reads .Deps "scafold", which is not in dependsOn (did you mean "scaffold"?); dependsOn has "scaffold"',
      },
    ]);
    expect(checkObject(task({ prompt: 'literal {{.Titel}' }))).toEqual([]);
  });

  it('fails on dependsOn in another namespace', () => {
    expect(checkObject(task({ dependsOn: ['other/setup'], prompt: 'p' }))).toEqual([
      {
        path: 'spec.dependsOn[0]',
        message:
          'Invalid value: "other/setup": dependsOn names a Task in the same namespace; a Task in another namespace is never found and the dependant waits forever',
      },
    ]);
    expect(checkObject(spawner(undefined, { dependsOn: ['ok', 'team-b/x'] }))).toEqual([
      expect.objectContaining({ path: 'spec.taskTemplate.dependsOn[1]', message: expect.stringContaining('"team-b/x"') }),
    ]);
  });

  it('fails on a Task name too long for its Job and the job-name label', () => {
    expect(checkObject(task({}, 'a'.repeat(63)))).toEqual([]);
    expect(checkObject(task({}, 'a'.repeat(64)))).toEqual([
      {
        path: 'metadata.name',
        message: "Too long: 64 characters: a Task's name becomes its Job's name and the pod label job-name, at most 63 characters",
      },
    ]);
    const generated = task();
    generated.metadata = { generateName: `${'g'.repeat(58)}-` };
    expect(checkObject(generated)).toEqual([
      {
        path: 'metadata.generateName',
        message:
          "Too long: 59 characters: with the 5 characters the apiserver adds, a Task's name becomes its Job's name and the pod label job-name (at most 63), so at most 58",
      },
    ]);
  });

  it('fails on a TaskSpawner name too long for the label of its Tasks', () => {
    expect(checkObject(spawner(undefined, {}, {}, 's'.repeat(63)))).toEqual([]);
    expect(checkObject(spawner(undefined, {}, {}, 's'.repeat(64)))).toEqual([
      {
        path: 'metadata.name',
        message: "Too long: 64 characters: a TaskSpawner's name becomes the kelos.dev/taskspawner label of every Task it spawns, at most 63 characters",
      },
    ]);
  });

  it('fails on repository URLs with credentials, never repeating them', () => {
    const found = checkObject(
      workspace({ repo: 'https://x-access-token:ghp_secret@github.com/o/r.git', remotes: [{ name: 'up', url: 'https://ghp_other@github.com/u/r.git' }] }),
    );
    expect(found).toEqual([
      {
        path: 'spec.repo',
        message:
          'invalid repository "https://***@github.com/o/r.git": must not carry credentials (user:password@ or token@); put the token in the Workspace Secret',
      },
      {
        path: 'spec.remotes[0].url',
        message:
          'invalid repository "https://***@github.com/u/r.git": must not carry credentials (user:password@ or token@); put the token in the Workspace Secret',
      },
    ]);
    expect(JSON.stringify(found)).not.toContain('ghp_');
    expect(checkObject(spawner(issues('https://tok@github.com/o/r')))).toEqual([
      { path: 'spec.when.githubIssues.repo', message: expect.stringContaining('must not carry credentials') },
    ]);
  });

  it('fails on a GitHub source repository the spawner cannot parse', () => {
    expect(checkObject(spawner({ githubPullRequests: { repo: 'just-a-name' } }))).toEqual([
      { path: 'spec.when.githubPullRequests.repo', message: expect.stringMatching(/^invalid repository "just-a-name": /) },
    ]);
  });

  it('passes over values of the wrong type (the schema reports them)', () => {
    expect(checkObject(spawner({ cron: { schedule: 5 } }, { promptTemplate: 7, dependsOn: 'x' }))).toEqual([]);
    expect(checkObject({ kind: 'TaskSpawner' })).toEqual([]);
    expect(checkObject(null)).toEqual([]);
  });

  it("checks .Context against contextSources, and the context sources' own templates against the source", () => {
    const obj = spawner(issues(), {
      promptTemplate: '{{.Title}} {{.Context.jiar}}',
      contextSources: [{ name: 'jira', http: { url: 'https://j.example/{{.Context.jira}}', headers: { 'X-Issue': '{{.Numbr}}' } } }],
    });
    expect(checkObject(obj)).toEqual([
      {
        path: 'spec.taskTemplate.promptTemplate',
        message: 'reads .Context "jiar", which is not in contextSources (did you mean "jira"?); contextSources has "jira"',
      },
      {
        path: 'spec.taskTemplate.contextSources[0].http.url',
        message: `reads .Context, which only a taskTemplate with contextSources has; it has ${ISSUE_VARS}`,
      },
      {
        path: 'spec.taskTemplate.contextSources[0].http.headers[X-Issue]',
        message: `reads .Numbr, which a githubIssues source does not have (did you mean .Number?); it has ${ISSUE_VARS}`,
      },
    ]);
  });

  it('gives a generic webhook spawner the keys of its fieldMapping', () => {
    const obj = spawner(
      { webhook: { source: 'sentry', fieldMapping: { id: '$.id', level: '$.level' } } },
      { promptTemplate: '{{.level}}: {{.Title}} {{.Payload.data.x}}' },
    );
    expect(checkObject(obj)).toEqual([]);
  });

  it('fails on a Task branch git refuses, and on spawner branch text no item can repair', () => {
    expect(checkObject(task({ branch: 'fix me' }))).toEqual([
      {
        path: 'spec.branch',
        message: 'Invalid value: branch "fix me" is not a valid git branch name: it contains a space (see git check-ref-format --branch)',
      },
    ]);
    expect(checkObject(spawner(issues(), { branch: 'kelos task/{{.Number}}' }))).toEqual([
      {
        path: 'spec.taskTemplate.branch',
        message:
          'Invalid value: template "kelos task/{{.Number}}" renders no valid git branch name whatever the item: it contains a space (see git check-ref-format --branch)',
      },
    ]);
    expect(checkObject(spawner(issues(), { branch: 'kelos-task-{{.Number}}' }))).toEqual([]);
    expect(checkObject(task({ branch: 'feature/login' }))).toEqual([]);
  });
});
