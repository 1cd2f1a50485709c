import { describe, expect, it } from 'vitest';
import { spawnerTemplateScope, taskPromptScope, templateProblems } from '../../lib/api/template-check.js';

const ISSUE_VARS = '.ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind';
const issues = spawnerTemplateScope('githubIssues');

describe('templateProblems', () => {
  it('accepts a template that reads only what its source sets', () => {
    expect(templateProblems('Fix #{{.Number}}: {{.Title}}\n{{if .Comments}}{{.Comments}}{{end}}', 'promptTemplate', issues)).toEqual([]);
    expect(templateProblems('{{.Branch}} {{.ReviewState}} {{.ReviewComments}}', 'promptTemplate', spawnerTemplateScope('githubPullRequests'))).toEqual([]);
    expect(templateProblems('run {{.ID}} at {{.Time}} ({{.Schedule}})', 'promptTemplate', spawnerTemplateScope('cron'))).toEqual([]);
  });

  it('fails when the template does not parse', () => {
    expect(templateProblems('{{.Title}', 'promptTemplate', issues)).toEqual([
      "is not a valid Go template: template: promptTemplate:1: bad character U+007D '}'",
    ]);
  });

  it('fails on an unknown variable, naming the likely one', () => {
    expect(templateProblems('{{.Titel}}', 'promptTemplate', issues)).toEqual([
      `reads .Titel, which a githubIssues source does not have (did you mean .Title?); it has ${ISSUE_VARS}`,
    ]);
    expect(templateProblems('{{.title}}', 'promptTemplate', issues)).toEqual([
      `reads .title, which a githubIssues source does not have (did you mean .Title?); it has ${ISSUE_VARS}`,
    ]);
    expect(templateProblems('{{.Whatever}}', 'promptTemplate', issues)).toEqual([
      `reads .Whatever, which a githubIssues source does not have; it has ${ISSUE_VARS}`,
    ]);
  });

  it('fails on a variable the source always leaves empty', () => {
    expect(templateProblems('kelos-{{.Branch}}', 'branch', issues)).toEqual([`reads .Branch, which a githubIssues source leaves empty; it has ${ISSUE_VARS}`]);
    expect(templateProblems('{{.Number}}', 'promptTemplate', spawnerTemplateScope('cron'))).toEqual([
      'reads .Number, which a cron source leaves empty; it has .ID, .Title, .Time, .Schedule',
    ]);
  });

  it('reports each problem once', () => {
    expect(templateProblems('{{.Titel}} {{.Titel}} {{$.Titel}}', 'promptTemplate', issues)).toHaveLength(1);
  });

  it('fails on a field of a plain value', () => {
    expect(templateProblems('{{.Title.Text}}', 'promptTemplate', issues)).toEqual(['reads .Title.Text, but .Title is a plain value with no fields']);
  });

  it('gives a spawner prompt .Deps and .Name only with dependsOn', () => {
    expect(templateProblems('{{.Deps}}', 'promptTemplate', issues)).toEqual([
      `reads .Deps, which only the prompt of a Task with dependsOn has; it has ${ISSUE_VARS}`,
    ]);
    const withDeps = spawnerTemplateScope('githubIssues', { prompt: true, dependsOn: ['setup'] });
    expect(templateProblems('{{.Title}} after {{index .Deps "setup" "Results" "branch"}} as {{.Name}}', 'promptTemplate', withDeps)).toEqual([]);
    // A branch is rendered by the spawner, before any dependency has run.
    expect(templateProblems('{{.Name}}', 'branch', spawnerTemplateScope('githubIssues', { dependsOn: ['setup'] }))).toEqual([
      `reads .Name, which only the prompt of a Task with dependsOn has; it has ${ISSUE_VARS}`,
    ]);
  });
});

describe('templateProblems on Task prompts', () => {
  const prompt = taskPromptScope(['scaffold', 'write-tests']);

  it('accepts .Deps of dependsOn entries and .Name', () => {
    expect(
      templateProblems('{{.Deps.scaffold.Results.branch}} {{index .Deps "write-tests" "Outputs"}} {{.Deps.scaffold.Name}} {{.Name}}', 'prompt', prompt),
    ).toEqual([]);
  });

  it('fails on a .Deps entry that is not in dependsOn', () => {
    expect(templateProblems('{{index .Deps "scafold" "Results" "branch"}}', 'prompt', prompt)).toEqual([
      'reads .Deps "scafold", which is not in dependsOn (did you mean "scaffold"?); dependsOn has "scaffold", "write-tests"',
    ]);
    expect(templateProblems('{{.Deps.other.Results}}', 'prompt', prompt)).toEqual([
      'reads .Deps "other", which is not in dependsOn; dependsOn has "scaffold", "write-tests"',
    ]);
  });

  it('fails on a field a dependency does not have', () => {
    expect(templateProblems('{{index .Deps "scaffold" "Result" "branch"}}', 'prompt', prompt)).toEqual([
      'reads .Deps "scaffold" "Result", which a dependency does not have (did you mean "Results"?); it has "Name", "Results", "Outputs"',
    ]);
  });

  it('fails on source variables', () => {
    expect(templateProblems('{{.Title}}', 'prompt', prompt)).toEqual(['reads .Title, which a Task prompt does not have; it has .Name, .Deps']);
  });
});

describe('templateProblems on event sources', () => {
  it('lets .Payload be read at any depth', () => {
    expect(templateProblems('{{.Event}} by {{.Sender}}: {{.Payload.issue.user.login}}', 'promptTemplate', spawnerTemplateScope('githubWebhook'))).toEqual([]);
  });

  it('says a variable is missing, not empty, for an event source', () => {
    expect(templateProblems('{{.Comments}}', 'promptTemplate', spawnerTemplateScope('slack'))).toEqual([
      'reads .Comments, which a slack source does not have; it has .ID, .Number, .Title, .Body, .URL, .Labels, .Kind',
    ]);
  });

  it('gives a generic webhook the keys of its fieldMapping', () => {
    const scope = spawnerTemplateScope('webhook', { fieldMapping: ['id', 'severity'] });
    expect(templateProblems('{{.severity}} {{.id}} {{.ID}}', 'promptTemplate', scope)).toEqual([]);
    expect(templateProblems('{{.severty}}', 'promptTemplate', scope)).toEqual([
      'reads .severty, which a webhook source does not have (did you mean .severity?); it has .ID, .Title, .Body, .URL, .Kind, .Payload, .id, .severity',
    ]);
  });
});

describe('templateProblems on .Context', () => {
  it('accepts the names of contextSources, and refuses others and .Context without them', () => {
    const scope = spawnerTemplateScope('githubIssues', { contextSources: ['jira', 'runbook'] });
    expect(templateProblems('{{.Context.jira}} {{index .Context "runbook"}}', 'promptTemplate', scope)).toEqual([]);
    expect(templateProblems('{{.Context.jiar}}', 'promptTemplate', scope)).toEqual([
      'reads .Context "jiar", which is not in contextSources (did you mean "jira"?); contextSources has "jira", "runbook"',
    ]);
    expect(templateProblems('{{.Context.jira.x}}', 'promptTemplate', scope)).toEqual([
      'reads .Context "jira" "x", but .Context "jira" is a plain value with no fields',
    ]);
    expect(templateProblems('{{.Context.jira}}', 'promptTemplate', issues)).toEqual([
      `reads .Context, which only a taskTemplate with contextSources has; it has ${ISSUE_VARS}`,
    ]);
  });
});
