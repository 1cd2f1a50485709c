// `kelos validate` as the user runs it: a child process, its output and exit code.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliasBomb, deepFlow } from '../fixtures/hostile-yaml.js';
import { kelosProcess } from './_kelos.js';

const CRON_REASON =
  'expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 3 fields';

const spawner = (name: string, when: string, template: string) => `apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata: {name: ${name}}
spec:
  when: ${when}
  taskTemplate:
    type: claude-code
    credentials: {type: none}
    workspaceRef: {name: ws}
${template}`;

describe('kelos validate', () => {
  it('rejects a TaskSpawner with a bad schedule and a bad template, and what would fail at run time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-validate-'));
    writeFileSync(
      join(dir, 'spawners.yaml'),
      [
        spawner('nightly', '{cron: {schedule: "not a cron"}}', '    promptTemplate: "{{.Title}"'),
        spawner('fixer', '{githubIssues: {}}', '    promptTemplate: "Fix {{.Titel}}"\n    branch: "fix-{{.Number}}"'),
        spawner('daily', '{cron: {schedule: "@daily"}}', '    promptTemplate: "Run {{.Time}}"'),
        'apiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata: {name: second}\nspec: {type: codex, credentials: {type: none}, dependsOn: [other/first], prompt: "{{.Deps.first.Results.branch}}"}',
        'apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata: {name: ws}\nspec: {repo: "https://user:hunter2@github.com/acme/app.git"}',
      ].join('\n---\n'),
    );
    const r = await kelosProcess(['validate', dir], { cwd: dir });
    expect(r.stdout.trim().split('\n')).toEqual([
      `spawners.yaml:1: TaskSpawner/nightly: spec.when.cron.schedule: invalid cron schedule "not a cron": ${CRON_REASON}`,
      "spawners.yaml:1: TaskSpawner/nightly: spec.taskTemplate.promptTemplate: is not a valid Go template: template: promptTemplate:1: bad character U+007D '}'",
      'spawners.yaml:2: TaskSpawner/fixer: spec.taskTemplate.promptTemplate: reads .Titel, which a githubIssues source does not have (did you mean .Title?); it has .ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind',
      'spawners.yaml:4: Task/second: spec.dependsOn[0]: Invalid value: "other/first": dependsOn names a Task in the same namespace; a Task in another namespace is never found and the dependant waits forever',
      'spawners.yaml:4: Task/second: spec.prompt: reads .Deps "first", which is not in dependsOn; dependsOn has "other/first"',
      'spawners.yaml:5: Workspace/ws: spec.repo: invalid repository "https://***@github.com/acme/app.git": must not carry credentials (user:password@ or token@); put the token in the Workspace Secret',
    ]);
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stderr).toBe('5 kelos objects checked, 6 errors\n');
    expect(r.code).toBe(1);
  });

  it('reports an alias bomb and a too-deep file once each, and still checks the other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-validate-'));
    writeFileSync(join(dir, 'a-bomb.yaml'), `${aliasBomb()}---\n${spawner('after-bomb', '{cron: {schedule: "0 25 * * *"}}', '')}`);
    writeFileSync(join(dir, 'b-deep.yaml'), deepFlow(200_000));
    writeFileSync(join(dir, 'c-good.yaml'), spawner('good', '{cron: {schedule: "@hourly"}}', ''));
    // A walk stays inside the folder: neither a loop nor a link out is followed.
    const outside = mkdtempSync(join(tmpdir(), 'kelos-outside-'));
    writeFileSync(join(outside, 'bad.yaml'), spawner('outside', '{cron: {schedule: "nope"}}', ''));
    symlinkSync(outside, join(dir, 'link-out'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    const r = await kelosProcess(['validate', dir], { cwd: dir });
    expect(r.stdout.trim().split('\n')).toEqual([
      'a-bomb.yaml:1: YAML: aliases expand more than 100 times (Excessive alias count indicates a resource exhaustion attack)',
      'a-bomb.yaml:2: TaskSpawner/after-bomb: spec.when.cron.schedule: invalid cron schedule "0 25 * * *": hour field "25": Constraint error, got value 25 expected range 0-23',
      'b-deep.yaml: YAML: nests collections more than 100 levels deep; the file was not checked',
    ]);
    expect(r.stderr).toBe('2 kelos objects checked, 3 errors\n');
    expect(r.code).toBe(1);
  });

  it('exits 0 when every object is valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-validate-'));
    writeFileSync(join(dir, 'ok.yaml'), spawner('ok', '{cron: {schedule: "@weekly"}}', '    promptTemplate: "{{.Schedule}} at {{.Time}}"'));
    const r = await kelosProcess(['validate', 'ok.yaml'], { cwd: dir });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '1 kelos object checked, 0 errors\n' });
  });
});
