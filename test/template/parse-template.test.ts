import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE_NAME, parseTemplate, renderTemplate, TemplateError } from '../../lib/template/index.js';
import { type ParseErrorCase, parseError, thrownBy } from './_helpers.js';

// Expected outputs and messages in the tables below come from Go 1.26
// text/template (template.New("prompt").Option("missingkey=error")) run on
// the same text and data, as described in _helpers.ts.

const SYNTAX_ERRORS: ParseErrorCase[] = [
  ['fails when an if is not closed', '{{if .A}}\nbody', 'template: prompt:2: unexpected EOF'],
  [
    'fails with the line of an unclosed range',
    `line 1
line 2
{{range .L}}
{{.}}
`,
    'template: prompt:5: unexpected EOF',
  ],
  ['fails when an action is not closed', 'a {{.A', 'template: prompt:1: unclosed action'],
  ['fails when an action is not closed across lines', 'line 1\n{{.A\n\n', 'template: prompt:4: unclosed action started at prompt:2'],
  ['fails when a string is not closed across lines', '{{if .A}}\n{{"abc\n}}{{end}}', 'template: prompt:2: unterminated quoted string'],
  ['fails at a stray end', 'a{{end}}', 'template: prompt:1: unexpected {{end}}'],
  ['fails at a stray else', 'a\n{{else}}', 'template: prompt:2: unexpected {{else}}'],
  ['fails at a second else', '{{if .A}}{{else}}{{else}}{{end}}', 'template: prompt:1: expected end; found {{else}}'],
  ['fails when an else if lacks a condition', '{{if .A}}{{else if}}{{end}}', 'template: prompt:1: missing value for if'],
  ['fails at else if inside with', '{{with .A}}{{else if .B}}{{end}}', 'template: prompt:1: unexpected <if> in input'],
  ['fails at an unknown function', '{{foo .A}}', 'template: prompt:1: function "foo" not defined'],
  ['fails at an unknown function on a later line', 'a\nb\n  {{ .A | upper }}', 'template: prompt:3: function "upper" not defined'],
  ['fails at an undefined variable', '{{$x}}', 'template: prompt:1: undefined variable "$x"'],
  ['fails at a variable used outside its scope', '{{if true}}{{$y := 2}}{{end}}{{$y}}', 'template: prompt:1: undefined variable "$y"'],
  ['fails at a range variable used after the range', '{{range $e := .L}}{{end}}{{$e}}', 'template: prompt:1: undefined variable "$e"'],
  ['fails when if has no condition', '{{if}}x{{end}}', 'template: prompt:1: missing value for if'],
  ['fails at an empty action', '{{}}', 'template: prompt:1: missing value for command'],
  ['fails at an empty parenthesised pipeline', '{{()}}', 'template: prompt:1: missing value for parenthesized pipeline'],
  ['fails when a pipeline stage is a literal', '{{.A | "x"}}', 'template: prompt:1: non executable command in pipeline stage 2'],
  ['fails at an unterminated string', '{{"abc}}', 'template: prompt:1: unterminated quoted string'],
  ['fails at an unterminated raw string', '{{`abc}}', 'template: prompt:1: unterminated raw quoted string'],
  ['fails at an invalid escape', '{{"\\q"}}', 'template: prompt:1: invalid syntax'],
  ['fails at a character literal with two characters', "{{'ab'}}", "template: prompt:1: malformed character constant: 'ab'"],
  ['fails at a minus after a field', '{{.A-}}', "template: prompt:1: bad character U+002D '-'"],
  ['fails at a left trim marker without a space', '{{-.A}}', 'template: prompt:1: bad number syntax: "-.A"'],
  ['fails at a minus after a number', '{{3-}}', 'template: prompt:1: bad number syntax: "3-"'],
  ['fails at a bad number', '{{0x}}', 'template: prompt:1: illegal number syntax: "0x"'],
  ['fails at a number too large for 64 bits', '{{99999999999999999999}}', 'template: prompt:1: integer overflow: "99999999999999999999"'],
  ['fails at a number with a leading zero and an 8', '{{089}}', 'template: prompt:1: integer overflow: "089"'],
  ['fails at an unrecognized character', '{{.A §}}', "template: prompt:1: unrecognized character in action: U+00A7 '§'"],
  ['fails at a comma', '{{.A, .B}}', 'template: prompt:1: unexpected "," in operand'],
  ['fails at a comparison operator', '{{if .A > 1}}{{end}}', 'template: prompt:1: unexpected ">" in operand'],
  ['fails at an unclosed parenthesis', '{{(.A}}', 'template: prompt:1: unclosed left paren'],
  ['fails at an extra right parenthesis', '{{.A)}}', 'template: prompt:1: unexpected right paren'],
  ['fails at an unclosed comment', '{{/* x', 'template: prompt:1: unclosed comment'],
  ['fails when a comment does not end at the delimiter', '{{/* x */ .A}}', 'template: prompt:1: comment ends before closing delimiter'],
  ['fails at break outside range', '{{break}}', 'template: prompt:1: {{break}} outside {{range}}'],
  ['fails at continue outside range', '{{if true}}{{continue}}{{end}}', 'template: prompt:1: {{continue}} outside {{range}}'],
  ['fails at break with an argument', '{{range .L}}{{break 1}}{{end}}', 'template: prompt:1: unexpected "1" in {{break}}'],
  ['fails at a field of a literal', '{{"x".A}}', 'template: prompt:1: unexpected . after term "\\"x\\""'],
  ['fails at a field of nil', '{{nil.A}}', 'template: prompt:1: unexpected . after term "nil"'],
  ['fails at a trailing dot', '{{.A.}}', 'template: prompt:1: unexpected <.> in operand'],
  ['fails at a number followed by a field', '{{1.2.3}}', 'template: prompt:1: unexpected ".3" in operand'],
  ['fails when range declares three variables', '{{range $i, $e, $f := .L}}{{end}}', 'template: prompt:1: too many declarations in range'],
  ['fails when with declares two variables', '{{with $x, $y := .A}}{{end}}', 'template: prompt:1: too many declarations in with'],
  ['fails when range initializes a non-variable', '{{range $i, 3}}{{end}}', 'template: prompt:1: range can only initialize variables'],
  [
    'fails when a template is defined twice',
    '{{define "a"}}x{{end}}{{define "a"}}y{{end}}',
    'template: prompt:1: template: multiple definition of template "a"',
  ],
  ['fails when a template name is not a string', '{{template .Name}}', 'template: prompt:1: unexpected ".Name" in template clause'],
  ['fails when a define is not closed', '{{define "a"}}x', 'template: prompt:1: unexpected EOF'],
  ['fails at a colon without equals', '{{$x : 1}}', 'template: prompt:1: undefined variable "$x"'],
  [
    'fails at an else at the start of a range body',
    `{{range .L}}
{{else}}
{{else}}{{end}}`,
    'template: prompt:3: expected end; found {{else}}',
  ],
];

describe('parseTemplate', () => {
  it('returns a template that renders', () => {
    const parsed = parseTemplate('Hello {{.Name}}', 'greeting');
    expect(parsed).toMatchObject({ name: 'greeting', text: 'Hello {{.Name}}' });
    expect(renderTemplate(parsed, { Name: 'Kelos' })).toBe('Hello Kelos');
  });

  it('returns the cached template for the same text and name', () => {
    const text = '{{.Title}} {{len .Title}}';
    expect(parseTemplate(text, 'a')).toBe(parseTemplate(text, 'a'));
    expect(parseTemplate(text, 'b')).not.toBe(parseTemplate(text, 'a'));
  });

  it('names templates "template" by default', () => {
    expect(DEFAULT_TEMPLATE_NAME).toBe('template');
    expect(thrownBy(() => parseTemplate('{{if}}')).message).toBe('template: template:1: missing value for if');
  });

  it('accepts every construct of the documented subset', () => {
    const text = [
      '{{/* comment */}}{{- $x := .A -}} {{$x = "b"}}{{$.A}} {{.A.B}} {{.}}',
      '{{if and .A (not .B)}}a{{else if or .C .D}}c{{else}}e{{end}}',
      '{{range $i, $e := .L}}{{if eq $i 0}}{{continue}}{{end}}{{break}}{{else}}none{{end}}',
      '{{with .W}}{{.}}{{else with .V}}{{.}}{{else}}-{{end}}',
      '{{index .Deps "x" "Results" "branch"}} {{len .L}} {{slice .L 1}} {{printf "%5.2f|%-10s|%q" 1.5 "s" "q"}}',
      '{{print 1 "a"}}{{println}}{{html "<"}}{{js "\'"}}{{urlquery "a b"}}{{"raw" | printf "%s"}}{{`raw`}}',
      '{{eq 1 2 3}}{{ne 1 2}}{{lt 1 2}}{{le 1 2}}{{gt 1 2}}{{ge 1 2}}{{nil | not}}{{true}}{{1.5}}{{0x10}}',
      '{{define "t"}}{{.}}{{end}}{{template "t" .A}}{{block "b" .}}b{{end}}',
    ].join('\n');
    expect(() => parseTemplate(text, 'all')).not.toThrow();
  });

  it('reports the line and column of a syntax error', () => {
    const err = parseError('ok\n  {{.A | nope}}');
    expect(err).toBeInstanceOf(TemplateError);
    expect(err).toMatchObject({ templateName: 'prompt', line: 2, column: 10 });
    expect(err.message).toBe('template: prompt:2: function "nope" not defined');
  });

  it('rejects a template before any data is seen', () => {
    expect(() => parseTemplate('{{range .Items}}{{.Name}}', 'promptTemplate')).toThrow('template: promptTemplate:1: unexpected EOF');
  });

  it('rejects complex number literals, which Go accepts', () => {
    expect(parseError('{{1i}} {{1+2i}}').message).toBe('template: prompt:1: complex numbers are not supported: "1i"');
  });

  describe('syntax errors', () => {
    it.each(SYNTAX_ERRORS)('%s', (_name, template, message) => {
      expect(parseError(template).message).toBe(message);
    });
  });
});
