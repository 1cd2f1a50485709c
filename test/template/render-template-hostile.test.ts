import { describe, expect, it } from 'vitest';
import { renderTemplate, type TemplateBudget, TemplateBudgetError, TemplateError } from '../../lib/template/index.js';

// Templates and values an attacker could write, each rendered with the
// default budgets: every one ends in a clear error or in literal output.
// The time budget is raised so the budget that trips does not depend on how
// busy the machine is (render-limits.test.ts covers timeoutMs).

type Expected = { readonly output: string } | { readonly error: string } | { readonly budget: TemplateBudget; readonly message: string | RegExp };

type HostileCase = readonly [name: string, template: string, data: unknown, expected: Expected];

const nestedList = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

const steps = (at: string) => ({ budget: 'maxSteps', message: `at <${at}>: render budget exceeded: more than 1000000 steps (maxSteps)` }) as const;
const bigString = (at: string) =>
  ({ budget: 'maxOutputBytes', message: `at <${at}>: render budget exceeded: a string larger than 1048576 bytes (maxOutputBytes)` }) as const;
const bigOutput = { budget: 'maxOutputBytes', message: /render budget exceeded: output larger than 1048576 bytes \(maxOutputBytes\)$/ } as const;
const deep = { budget: 'maxDepth', message: /render budget exceeded: nesting deeper than 100 \(maxDepth\)$/ } as const;

const HOSTILE: HostileCase[] = [
  // Loops
  ['a range of 20000 inside a range of 20000', '{{range 20000}}{{range 20000}}{{end}}{{end}}', {}, steps('{{range 20000}}{{end}}')],
  ['a range of 1e18', '{{range 1e18}}{{end}}', {}, steps('{{range 1e18}}{{end}}')],
  [
    'a range of the largest int64',
    '{{range 9223372036854775807}}{{end}}',
    {},
    { error: `template: prompt:1:8: executing "prompt" at <9223372036854775807>: range can't iterate over 9.223372036854776e+18` },
  ],
  [
    'a range of a number that overflows int',
    '{{range 99999999999999999999}}{{end}}',
    {},
    { error: 'template: prompt:1: integer overflow: "99999999999999999999"' },
  ],
  ['a range of a billion printing 100 bytes each', `{{range 1000000000}}${'z'.repeat(100)}{{end}}`, {}, bigOutput],
  ['a million 1e6-wide printfs measured with len', '{{range 1000000}}{{len (printf "%1000000d" 1)}}{{end}}', {}, steps('len (printf "%1000000d" 1)')],

  // Functions that can allocate a lot in one step
  ['two 1e6 widths in one printf', '{{printf "%1000000d%1000000d" 1 1}}', {}, bigString('printf "%1000000d%1000000d" 1 1')],
  ['a printf width from an argument past 1e6', '{{printf "%*d" 100000000 1}}', {}, { output: '%!(BADWIDTH)1' }],
  ['a printf precision from an argument past 1e6', '{{printf "%.*f" 100000000 1.5}}', {}, { output: '%!(BADPREC)1.500000' }],
  ['a printf argument index past any argument', '{{printf "%[99999999999]d" 1}}', {}, { output: '%!d(BADINDEX)' }],
  ['ten 1e6-digit precisions', '{{range 10}}{{printf "%.1000000f" 1.5}}{{end}}', {}, bigOutput],
  [
    'long precisions of hex and decimal floats, as Go prints them',
    '{{printf "%.20x %.20f" 1.5 0.1}}',
    {},
    { output: '0x1.80000000000000000000p+00 0.10000000000000000555' },
  ],
  ['a variable doubled a hundred times', '{{$x := "ab"}}{{range 100}}{{$x = printf "%s%s" $x $x}}{{end}}', {}, bigString('printf "%s%s" $x $x')],
  ['html escaping that grows a value fourfold', '{{html .B}}', { B: '<'.repeat(300_000) }, bigString('html .B')],
  [
    'println of one value two thousand times',
    `{{println${' .B'.repeat(2000)}}}`,
    { B: 'x'.repeat(1000) },
    { budget: 'maxOutputBytes', message: /a string larger than 1048576 bytes/ },
  ],
  [
    'slice past the end of a value',
    '{{slice .B 0 99999999}}',
    { B: 'abc' },
    { error: 'template: prompt:1:2: executing "prompt" at <slice .B 0 99999999>: error calling slice: index out of range: 99999999' },
  ],
  [
    'index past the end of a value',
    '{{index .B 99999999}}',
    { B: 'abc' },
    { error: 'template: prompt:1:2: executing "prompt" at <index .B 99999999>: error calling index: index out of range: 99999999' },
  ],

  // Nesting and recursion
  ['{{if}} nested 10000 deep', '{{if 1}}'.repeat(10000) + '{{end}}'.repeat(10000), {}, deep],
  ['parentheses nested 10000 deep', `{{${'('.repeat(10000)}1${')'.repeat(10000)}}}`, {}, deep],
  ['200 chained {{else if}}', `{{if 0}}${'{{else if 0}}'.repeat(200)}{{end}}`, {}, deep],
  ['a template that calls itself', '{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}', {}, deep],
  ['two templates that call each other', '{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}{{template "a" .}}{{end}}{{template "a" .}}', {}, deep],
  ['a block that calls itself', '{{block "b" .}}{{template "b" .}}{{end}}', {}, deep],
  [
    'data nested 100000 deep',
    '{{.}}',
    nestedList(100_000),
    { budget: 'maxDepth', message: /render budget exceeded: data or templates nested too deep for the stack/ },
  ],

  // Broken syntax and forbidden calls
  ['an unterminated action', 'Hello {{.Title', {}, { error: 'template: prompt:1: unclosed action' }],
  ['an unterminated comment', 'Hello {{/* {{.Secret}}', {}, { error: 'template: prompt:1: unclosed comment' }],
  ['an unterminated raw string', '{{`abc', {}, { error: 'template: prompt:1: unterminated raw quoted string' }],
  ['a function that does not exist', '{{exec "id"}}', {}, { error: 'template: prompt:1: function "exec" not defined' }],
  [
    'call on a string',
    '{{call .F "id"}}',
    { F: 'rm -rf /' },
    { error: 'template: prompt:1:2: executing "prompt" at <call .F "id">: error calling call: non-function .F of type string' },
  ],
  [
    'a template that is not defined',
    '{{template "nope"}}',
    {},
    { error: 'template: prompt:1:11: executing "prompt" at <{{template "nope"}}>: template "nope" not defined' },
  ],
  ['{{break}} outside a range', '{{break}}', {}, { error: 'template: prompt:1: {{break}} outside {{range}}' }],

  // Sizes
  ['two megabytes of template text', 'x'.repeat(2 * 1024 * 1024), {}, bigOutput],
  ['a two-megabyte value', '{{.B}}', { B: 'y'.repeat(2 * 1024 * 1024) }, bigOutput],

  // Values are data, whatever they hold
  [
    'a value holding a .Deps lookup',
    '{{.Title}}',
    { Title: '{{index .Deps "setup" "Results" "secret"}}', Deps: { setup: { Results: { secret: 's' } } } },
    { output: '{{index .Deps "setup" "Results" "secret"}}' },
  ],
  [
    'a value holding a range bomb',
    '{{.Body}}',
    { Body: '{{range 20000}}{{range 20000}}{{end}}{{end}}' },
    { output: '{{range 20000}}{{range 20000}}{{end}}{{end}}' },
  ],
  ['a value that closes the action around it', '[{{.T}}]', { T: '}}{{.Secret}}{{' }, { output: '[}}{{.Secret}}{{]' }],
  ['a value used as dot', '{{with .A}}{{.}}{{end}}', { A: '{{.}}' }, { output: '{{.}}' }],
  ['a value printed with %v and %q', '{{printf "%v %q" .T .T}}', { T: '{{.X}}' }, { output: '{{.X}} "{{.X}}"' }],
  ['NUL, a right-to-left override, an emoji and a lone surrogate', '{{.S}}', { S: 'a\u0000b\u202Ec🎉\ud800' }, { output: 'a\u0000b\u202Ec🎉\ud800' }],
  ['script text through js', '{{js .S}}', { S: '</script>\u2028' }, { output: '\\u003C/script\\u003E\\u2028' }],
  ['delimiters in template text and strings', 'a }} b {{"{{"}} c', {}, { output: 'a }} b {{ c' }],
  ['actions inside a comment', 'a{{/* {{.Secret}} */}}b', {}, { output: 'ab' }],
];

describe('renderTemplate with hostile input', () => {
  it('has at least 40 cases', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HOSTILE)('%s', (_, template, data, expected) => {
    let out: string | undefined;
    let error: unknown;
    try {
      out = renderTemplate(template, data, { name: 'prompt', timeoutMs: 600_000 });
    } catch (err) {
      error = err;
    }
    if ('output' in expected) {
      expect(error).toBeUndefined();
      expect(out).toBe(expected.output);
      return;
    }
    expect(out).toBeUndefined();
    expect(error).toBeInstanceOf(TemplateError);
    const err = error as TemplateError;
    if ('error' in expected) {
      expect(err).not.toBeInstanceOf(TemplateBudgetError);
      expect(err.message).toBe(expected.error);
      return;
    }
    expect(err).toBeInstanceOf(TemplateBudgetError);
    expect((err as TemplateBudgetError).budget).toBe(expected.budget);
    if (typeof expected.message === 'string') expect(err.message).toContain(expected.message);
    else expect(err.message).toMatch(expected.message);
    // A message short enough for a status condition, however large the template.
    expect(err.message.length).toBeLessThan(300);
  });
});
