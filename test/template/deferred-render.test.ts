import { describe, expect, it } from 'vitest';
import {
  deferRender,
  MAX_DEFERRED_VALUES_BYTES,
  renderDeferred,
  TemplateBudgetError,
  TemplateDataError,
  TemplateError,
  type TemplateValues,
} from '../../lib/template/index.js';

// How a spawned Task with dependsOn gets its prompt: the spawner defers the
// render (template and item values stored apart), the controller renders once
// with the values and the dependencies' data.
const LATE = ['Deps', 'Name'];
const PROMPT = 'Fix #{{.Number}}: {{.Title}}\n{{.Body}}\nBranch from setup: {{.Deps.setup.Results.branch}}';
const deps = { setup: { Name: 'setup', Results: { branch: 'feature/x', secret: 's3cr3t' }, Outputs: ['out'] } };

function item(fields: Partial<Record<string, string | number>> = {}): TemplateValues {
  return { ID: '42', Number: 42, Title: 'Login fails', Body: 'Steps to reproduce', Labels: 'bug', ...fields };
}

/** Spawner then controller. */
function spawnAndRender(template: string, values: TemplateValues, late: Record<string, unknown> = { Name: 'task-1', Deps: deps }): string {
  const deferred = deferRender(template, values, { name: 'promptTemplate', lateFields: LATE });
  return renderDeferred(deferred.template, deferred.values, late, { name: 'prompt', valuesSource: 'annotation kelos.dev/prompt-values' });
}

describe('deferRender', () => {
  it('keeps the template as written and encodes the values as JSON with sorted keys', () => {
    const d = deferRender('{{.Title}} {{.Deps.a.Name}}', { Title: 'T', Number: 7, Draft: false }, { lateFields: LATE });
    expect(d).toEqual({ template: '{{.Title}} {{.Deps.a.Name}}', values: '{"Draft":false,"Number":7,"Title":"T"}' });
  });

  it('fails when the template reads a field that neither the values nor the late data have', () => {
    const err = (() => {
      try {
        deferRender('{{.Titel}} {{$.Depz}}', item(), { name: 'promptTemplate', lateFields: LATE });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as Error).message).toBe(
      'template: promptTemplate: unknown field .Titel, .Depz; the data has .Body, .Deps, .ID, .Labels, .Name, .Number, .Title',
    );
  });

  it('fails when the template does not parse', () => {
    expect(() => deferRender('{{.Title', item(), { name: 'promptTemplate' })).toThrow('template: promptTemplate:1: unclosed action');
  });

  it('fails when a value is named after a late field', () => {
    expect(() => deferRender('{{.Deps}}', { Deps: 'forged' }, { lateFields: LATE })).toThrow(
      new TemplateDataError('values: "Deps" is bound when the template is rendered and cannot be a value'),
    );
  });

  it.each([
    ['an object', { Title: { a: 1 } }, '"Title" must be a string, a finite number, a boolean or a map of strings, got an object'],
    ['null', { Title: null }, '"Title" must be a string, a finite number, a boolean or a map of strings, got null'],
    ['NaN', { Title: Number.NaN }, '"Title" must be a string, a finite number, a boolean or a map of strings, got NaN'],
    ['a key a template cannot read', { 'a-b': 'x' }, '"a-b" is not a field name a template can read'],
    ['a key with template syntax', { '{{.X}}': 'x' }, '"{{.X}}" is not a field name a template can read'],
  ])('fails when a value is %s', (_, values, message) => {
    expect(() => deferRender('x', values as unknown as TemplateValues)).toThrow(message);
  });

  it('fails when the values do not fit in an annotation, saying how large they are', () => {
    const big = item({ Body: 'é'.repeat(100 * 1024) });
    expect(() => deferRender('{{.Body}}', big, { name: 'promptTemplate' })).toThrow(
      new TemplateDataError(`values for template "promptTemplate" take 204870 bytes as JSON; at most ${MAX_DEFERRED_VALUES_BYTES} fit (maxValuesBytes)`),
    );
    expect(deferRender('{{.Body}}', big, { maxValuesBytes: 300 * 1024 }).values.length).toBeGreaterThan(100 * 1024);
  });
});

describe('renderDeferred', () => {
  it('carries a map of strings (the fetched .Context) as data, never as template text', () => {
    const d = deferRender('{{.Context.jira}} / {{.Deps.a.Name}}', { Title: 't', Context: { jira: '{{.Deps}} @here' } }, { lateFields: LATE });
    expect(renderDeferred(d.template, d.values, { Name: 'n', Deps: { a: { Name: 'a' } } })).toBe('{{.Deps}} @here / a');
  });

  it('renders the values and the dependencies in one pass', () => {
    expect(spawnAndRender(PROMPT, item())).toBe('Fix #42: Login fails\nSteps to reproduce\nBranch from setup: feature/x');
  });

  it('prints template syntax inside a value literally, never executing it', () => {
    const body = '{{index .Deps "setup" "Results" "secret"}} {{.Deps.setup.Results.secret}} {{range 20000}}{{range 20000}}{{end}}{{end}}';
    const out = spawnAndRender(PROMPT, item({ Body: body, Title: '{{template "x"}}{{define "x"}}{{end}}' }));
    expect(out).toBe(`Fix #42: {{template "x"}}{{define "x"}}{{end}}\n${body}\nBranch from setup: feature/x`);
    expect(out).not.toContain('s3cr3t');
  });

  it('prints a value that closes the action it is printed in literally', () => {
    expect(spawnAndRender('[{{.Title}}]', item({ Title: '}}{{.Deps.setup.Results.secret}}{{' }))).toBe('[}}{{.Deps.setup.Results.secret}}{{]');
  });

  it('passes values through printf, html and len as data', () => {
    const out = spawnAndRender('{{printf "%s|%q" .Title .Title}} {{html .Title}} {{len .Title}}', item({ Title: '{{"<x>"}}' }));
    expect(out).toBe('{{"<x>"}}|"{{\\"<x>\\"}}" {{&#34;&lt;x&gt;&#34;}} 9');
  });

  it('ranges over the dependencies as the late data', () => {
    const late = { Name: 't', Deps: { a: { Name: 'a', Results: { pr: '1' }, Outputs: [] }, b: { Name: 'b', Results: { pr: '2' }, Outputs: [] } } };
    expect(spawnAndRender('{{.Title}}:{{range $n, $d := .Deps}} {{$n}}={{$d.Results.pr}}{{end}} for {{.Name}}', item(), late)).toBe(
      'Login fails: a=1 b=2 for t',
    );
  });

  it("fails with Go's message when the template reads a dependency that is not there", () => {
    expect(() => spawnAndRender('{{.Deps.nope.Results}}', item())).toThrow(
      'template: prompt:1:7: executing "prompt" at <.Deps.nope.Results>: map has no entry for key "nope"',
    );
  });

  it('renders a template with late data only when there are no stored values', () => {
    expect(renderDeferred('{{.Name}} after {{.Deps.setup.Results.branch}}', undefined, { Name: 't', Deps: deps })).toBe('t after feature/x');
  });

  it('keeps its budgets', () => {
    const err = (() => {
      try {
        renderDeferred('{{range 20000}}{{range 20000}}{{end}}{{end}}', '{}', { Deps: {} }, { name: 'prompt', maxSteps: 1000 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TemplateBudgetError);
    expect(err).toMatchObject({ budget: 'maxSteps', limit: 1000 });
  });

  it('treats a "__proto__" value as an ordinary field', () => {
    expect(renderDeferred('{{.__proto__}} {{.Name}}', '{"__proto__":"p"}', { Name: 'n' })).toBe('p n');
  });

  it.each([
    ['not JSON', '{{.Title}}', 'annotation kelos.dev/prompt-values: not valid JSON ('],
    ['an array', '["a"]', 'annotation kelos.dev/prompt-values: expected a JSON object of strings, numbers, booleans and maps of strings, got an array'],
    ['a string', '"{{.Deps}}"', 'annotation kelos.dev/prompt-values: expected a JSON object of strings, numbers, booleans and maps of strings, got a string'],
    [
      'nested',
      '{"Title":{"x":1}}',
      'annotation kelos.dev/prompt-values: "Title" must be a string, a finite number, a boolean or a map of strings, got an object',
    ],
    ['a forged late field', '{"Deps":"x"}', 'annotation kelos.dev/prompt-values: "Deps" is bound when the template is rendered and cannot be a value'],
  ])('fails when the stored values are %s', (_, stored, message) => {
    expect(() => renderDeferred('{{.Name}}', stored, { Name: 'n', Deps: {} }, { valuesSource: 'annotation kelos.dev/prompt-values' })).toThrow(
      expect.objectContaining({ name: 'TemplateDataError', message: expect.stringContaining(message) }),
    );
  });
});

describe('deferRender types', () => {
  it('accepts values typed by an interface', () => {
    interface Vars {
      Title: string;
      Number: number;
    }
    const vars: Vars = { Title: 't', Number: 1 };
    expect(deferRender('{{.Title}}#{{.Number}}', vars).values).toBe('{"Number":1,"Title":"t"}');
  });
});
