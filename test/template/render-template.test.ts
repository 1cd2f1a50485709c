import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, TemplateError } from '../../lib/template/index.js';
import { type Case, render, renderError, thrownBy } from './_helpers.js';

// Expected outputs and messages in the tables below come from Go 1.26
// text/template (template.New("prompt").Option("missingkey=error")) run on
// the same text and data, as described in _helpers.ts.

const FIELDS_AND_MAPS: Case[] = [
  ['prints a field', '{{.Title}}', { Title: 'Fix the login bug' }, 'Fix the login bug'],
  ['walks nested map keys', '{{.A.B.C}}', { A: { B: { C: 'deep' } } }, 'deep'],
  ['prints dot', '{{.}}', 'hello', 'hello'],
  ['reads a field of $', '{{$.Title}}', { Title: 'root' }, 'root'],
  ['reads $ inside with', '{{with .A}}{{.}} {{$.B}}{{end}}', { A: 1, B: 'root' }, '1 root'],
  ['prints an integral number without decimals', '{{.Number}}', { Number: 42 }, '42'],
  ['prints a negative integer', '{{.N}}', { N: -17 }, '-17'],
  ['prints a large integer in full', '{{.N}}', { N: 1000000000000000 }, '1000000000000000'],
  ['prints a float in its shortest form', '{{.F}}', { F: 0.1 }, '0.1'],
  ['prints a small float with an exponent', '{{.F}}', { F: 0.00001 }, '1e-05'],
  ['prints a large non-integral float with an exponent', '{{.F}}', { F: 1234567.5 }, '1.2345675e+06'],
  ['prints a float beyond int64 with an exponent', '{{.F}}', { F: 1e21 }, '1e+21'],
  ['prints booleans', '{{.T}} {{.F}}', { T: true, F: false }, 'true false'],
  ['prints a list like Go', '{{.L}}', { L: ['a', 'b', 'c'] }, '[a b c]'],
  ['prints a map with sorted keys', '{{.M}}', { M: { b: 2, a: 1, c: 'x' } }, 'map[a:1 b:2 c:x]'],
  ['prints nested lists and maps', '{{.}}', { L: [[1, 2], { k: 'v' }], E: [], M: {} }, 'map[E:[] L:[[1 2] map[k:v]] M:map[]]'],
  ['prints nil inside a list as <nil>', '{{.L}}', { L: [1, null, 'x'] }, '[1 <nil> x]'],
  ['prints nil inside a map as <nil>', '{{.M}}', { M: { a: null } }, 'map[a:<nil>]'],
  ['prints a nil value as <no value>', '{{.N}}', { N: null }, '<no value>'],
  ['prints nil list elements as <no value>', '{{range .L}}[{{.}}]{{end}}', { L: [null, 'a'] }, '[<no value>][a]'],
  ['sorts map keys by bytes', '{{.M}}', { M: { '9': 6, '10': 5, b: 1, B: 2, a: 3, _: 4, é: 7 } }, 'map[10:5 9:6 B:2 _:4 a:3 b:1 é:7]'],
  ['treats field names as case-sensitive keys', '{{.title}}/{{.Title}}', { title: 'lower', Title: 'upper' }, 'lower/upper'],
  ['accepts unicode letters in field names', '{{.Ñame}}', { Ñame: 'x' }, 'x'],
  ['keeps unicode text', 'héllo {{.S}} 🎉', { S: 'wörld 🌍' }, 'héllo wörld 🌍 🎉'],
  ['reads fields of list elements', '{{range .Items}}{{.Name}};{{end}}', { Items: [{ Name: 'a' }, { Name: 'b' }] }, 'a;b;'],
  [
    'returns text without actions unchanged',
    `plain text
with {braces} and }} and {`,
    {},
    `plain text
with {braces} and }} and {`,
  ],
  ['renders an empty template', '', {}, ''],
  ['prints a map of lists', '{{.M}}', { M: { x: [1, 2], y: [] } }, 'map[x:[1 2] y:[]]'],
];

const FIELDS_AND_MAPS_ERRORS: Case[] = [
  ['fails when a key is missing', '{{.Foo}}', {}, 'template: prompt:1:2: executing "prompt" at <.Foo>: map has no entry for key "Foo"'],
  [
    'fails when a nested key is missing',
    '{{.A.Missing}}',
    { A: {} },
    'template: prompt:1:4: executing "prompt" at <.A.Missing>: map has no entry for key "Missing"',
  ],
  [
    'fails when a key is missing in a range body',
    `ok
{{range .L}}
  {{.Nope}}
{{end}}`,
    { L: [{}] },
    'template: prompt:3:4: executing "prompt" at <.Nope>: map has no entry for key "Nope"',
  ],
  [
    'fails when an object property is inherited, not own',
    '{{.constructor}}',
    {},
    'template: prompt:1:2: executing "prompt" at <.constructor>: map has no entry for key "constructor"',
  ],
  [
    'fails when reading a field of a string',
    '{{.Title.Foo}}',
    { Title: 'x' },
    'template: prompt:1:8: executing "prompt" at <.Title.Foo>: can\'t evaluate field Foo in type interface {}',
  ],
  [
    'fails when reading a field of a string variable',
    '{{$t := .Title}}{{$t.Foo}}',
    { Title: 'x' },
    'template: prompt:1:20: executing "prompt" at <$t.Foo>: can\'t evaluate field Foo in type string',
  ],
  [
    'fails when reading a field of a list',
    '{{.L.Foo}}',
    { L: [] },
    'template: prompt:1:4: executing "prompt" at <.L.Foo>: can\'t evaluate field Foo in type interface {}',
  ],
  [
    'fails when reading a field of a nil value',
    '{{.N.Foo}}',
    { N: null },
    'template: prompt:1:4: executing "prompt" at <.N.Foo>: nil pointer evaluating interface {}.Foo',
  ],
  [
    'fails when reading a field of a nil list element',
    '{{range .L}}{{.Foo}}{{end}}',
    { L: [null] },
    'template: prompt:1:14: executing "prompt" at <.Foo>: nil pointer evaluating interface {}.Foo',
  ],
  [
    'fails when reading a field of a nil variable',
    '{{$n := .N}}{{$n.Foo}}',
    { N: null },
    'template: prompt:1:16: executing "prompt" at <$n.Foo>: nil data; no entry for key "Foo"',
  ],
  ['fails when the data is nil', '{{.Foo}}', null, 'template: prompt:1:2: executing "prompt" at <.Foo>: nil data; no entry for key "Foo"'],
  [
    'fails when reading a field of the data when it is a list',
    '{{.Foo}}',
    [1],
    'template: prompt:1:2: executing "prompt" at <.Foo>: can\'t evaluate field Foo in type []interface {}',
  ],
  [
    'fails when a map field is given arguments',
    '{{.A 1}}',
    { A: 'x' },
    'template: prompt:1:2: executing "prompt" at <.A>: A is not a method but has arguments',
  ],
  [
    'fails when a map field receives a piped value',
    '{{1 | .A}}',
    { A: 'x' },
    'template: prompt:1:6: executing "prompt" at <.A>: A is not a method but has arguments',
  ],
];

const LITERALS: Case[] = [
  [
    'prints a string literal with escapes',
    '{{"tab\\there \\"q\\" \\\\ \\u00e9 \\x41 \\101 \\U0001F600 \\a\\b\\f\\v|"}}',
    {},
    'tab\there "q" \\ é A A 😀 \u0007\u0008\u000c\u000b|',
  ],
  ['decodes byte escapes as UTF-8', '{{"\\xc3\\xa9"}}', {}, 'é'],
  ['keeps backslashes in raw strings', '{{`a\\n{{b}} "q"`}}', {}, 'a\\n{{b}} "q"'],
  ['drops carriage returns from raw strings', '{{`a\r\nb`}}', {}, 'a\nb'],
  [
    'prints integer literals in every base',
    '{{42}} {{-7}} {{+3}} {{0x1F}} {{0X1f}} {{0o17}} {{017}} {{0b101}} {{1_000_000}} {{0x_1F}}',
    {},
    '42 -7 3 31 31 15 15 5 1000000 31',
  ],
  ['prints float literals', '{{1.5}} {{-0.25}} {{1e3}} {{.5}} {{1.}} {{2.5e-3}} {{0x1p-2}} {{1_0.5}}', {}, '1.5 -0.25 1000 0.5 1 0.0025 0.25 10.5'],
  ['prints character literals as their code points', "{{'a'}} {{'\\n'}} {{'é'}} {{'\\''}} {{'\\x41'}} {{'\\u00e9'}}", {}, '97 10 233 39 65 233'],
  ['prints boolean literals', '{{true}} {{false}}', {}, 'true false'],
];

const LITERALS_ERRORS: Case[] = [
  ['fails when printing nil', '{{nil}}', {}, 'template: prompt:1:2: executing "prompt" at <nil>: nil is not a command'],
  [
    'fails when a literal only fits in uint64',
    '{{18446744073709551615}}',
    {},
    'template: prompt:1:2: executing "prompt" at <18446744073709551615>: 18446744073709551615 overflows int',
  ],
  ['fails when a literal is given arguments', '{{1 2}}', {}, 'template: prompt:1:2: executing "prompt" at <1>: can\'t give argument to non-function 1'],
  [
    'fails when a string literal is given arguments',
    '{{"a" "b"}}',
    {},
    'template: prompt:1:2: executing "prompt" at <"a">: can\'t give argument to non-function "a"',
  ],
];

const VARIABLES: Case[] = [
  ['declares and prints a variable', '{{$x := .A}}{{$x}}', { A: 'a' }, 'a'],
  ['prints nothing for a declaration', '[{{$x := "hidden"}}]', {}, '[]'],
  ['assigns to a declared variable', '{{$x := 1}}{{$x = 2}}{{$x}}', {}, '2'],
  ['assigns from inside an if to the outer variable', '{{$x := "a"}}{{if true}}{{$x = "b"}}{{end}}{{$x}}', {}, 'b'],
  ['shadows a variable inside an if', '{{$x := "a"}}{{if true}}{{$x := "b"}}{{$x}}{{end}}{{$x}}', {}, 'ba'],
  ['declares a fresh variable on each range iteration', '{{range .L}}{{$y := .}}{{$y}}{{end}}', { L: [1, 2] }, '12'],
  ['reads $ inside range', '{{range .L}}{{$.P}}{{.}} {{end}}', { P: '#', L: [1, 2] }, '#1 #2 '],
  ['reads fields of a variable', '{{$m := .M}}{{$m.K}} {{$m.N.K}}', { M: { K: 'v', N: { K: 'w' } } }, 'v w'],
  ['gives a one-variable range the element', '{{range $e := .L}}{{$e}}{{end}}', { L: ['x', 'y'] }, 'xy'],
  ['gives a two-variable range the index and element', '{{range $i, $e := .L}}{{$i}}:{{$e}} {{end}}', { L: ['x', 'y'] }, '0:x 1:y '],
  ['gives a range over a map the key and value', '{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}', { M: { b: 2, a: 1 } }, 'a=1;b=2;'],
  ['assigns range variables with =', '{{$i := 0}}{{$e := ""}}{{range $i, $e = .L}}{{end}}{{$i}}{{$e}}', { L: ['a', 'b'] }, '1b'],
  ['assigns a one-variable range with =', '{{$e := ""}}{{range $e = .L}}{{end}}{{$e}}', { L: ['a', 'b'] }, 'b'],
  ['declares a variable inside parentheses', '{{($x := 5)}} {{$x}}', {}, '5 5'],
  ['declares a variable in an if condition', '{{if $x := .A}}{{$x}}{{end}}', { A: 'v' }, 'v'],
  ['reads fields of a range variable', '{{range $u := .Users}}{{$u.Name}} {{end}}', { Users: [{ Name: 'ann' }, { Name: 'bob' }] }, 'ann bob '],
];

const VARIABLES_ERRORS: Case[] = [
  [
    'fails when a variable is given arguments',
    '{{$x := 1}}{{$x 2}}',
    {},
    'template: prompt:1:13: executing "prompt" at <$x>: can\'t give argument to non-function $x',
  ],
  [
    'fails when reading a field of a nil range element variable',
    '{{range $e := .L}}{{$e.Foo}}{{end}}',
    { L: [null] },
    'template: prompt:1:22: executing "prompt" at <$e.Foo>: nil pointer evaluating interface {}.Foo',
  ],
];

const PIPELINES: Case[] = [
  ['pipes a value in as the last argument', '{{.N | printf "%03d"}}', { N: 7 }, '007'],
  ['chains several commands', '{{"abc" | printf "%s-x" | printf "[%s]"}}', {}, '[abc-x]'],
  ['evaluates parenthesised arguments', '{{printf "%s %d" (index .L 1) (len .L)}}', { L: ['a', 'b'] }, 'b 2'],
  ['reads a field of a parenthesised value', '{{(index .L 0).Name}}', { L: [{ Name: 'n' }] }, 'n'],
  ['reads a nested field of a parenthesised value', '{{(.A).B.C}}', { A: { B: { C: 'c' } } }, 'c'],
  ['pipes into a function with no other arguments', '{{.L | len}}', { L: [1, 2, 3] }, '3'],
  ['pipes a parenthesised first command', '{{(.A) | printf "%s!"}}', { A: 'x' }, 'x!'],
  ['pipes into and / or', '{{.A | and .B}} {{.A | or .B}} {{.Z | and .B}} {{.Z | or .Z}}', { A: 'a', B: 'b', Z: '' }, 'a b  '],
  ['nests parentheses', '{{len (index (index .M "a") 0)}}', { M: { a: ['xyz'] } }, '3'],
  ['pipes a literal into print', '{{1 | print}}', {}, '1'],
  ['accepts a trailing pipe like Go', '{{.A |}}', { A: 'x' }, 'x'],
];

const PIPELINES_ERRORS: Case[] = [
  [
    'fails when a field of a parenthesised nil is read',
    '{{(.N).A}}',
    { N: null },
    'template: prompt:1:3: executing "prompt" at <.N>: nil data; no entry for key "A"',
  ],
  [
    'fails when a parenthesised value gets a piped argument',
    '{{1 | (.A)}}',
    { A: 'x' },
    'template: prompt:1:2: executing "prompt" at <1>: can\'t give argument to non-function .A',
  ],
];

const IF: Case[] = [
  ['renders the body when true', '{{if .A}}yes{{end}}', { A: true }, 'yes'],
  ['renders nothing when false', '[{{if .A}}yes{{end}}]', { A: false }, '[]'],
  ['renders else when false', '{{if .A}}yes{{else}}no{{end}}', { A: false }, 'no'],
  ['picks the branch of an else-if chain (1)', '{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}', { N: 1 }, 'one'],
  ['picks the branch of an else-if chain (2)', '{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}', { N: 2 }, 'two'],
  ['picks the branch of an else-if chain (3)', '{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}', { N: 3 }, 'many'],
  ['nests ifs', '{{if .A}}{{if .B}}ab{{else}}a{{end}}{{end}}', { A: 1, B: 0 }, 'a'],
  ['uses not and and in conditions', '{{if and .A (not .B)}}ok{{end}}', { A: 'x', B: '' }, 'ok'],
  ['treats false like Go', '{{if .V}}T{{else}}F{{end}}', { V: false }, 'F'],
  ['treats true like Go', '{{if .V}}T{{else}}F{{end}}', { V: true }, 'T'],
  ['treats zero like Go', '{{if .V}}T{{else}}F{{end}}', { V: 0 }, 'F'],
  ['treats one like Go', '{{if .V}}T{{else}}F{{end}}', { V: 1 }, 'T'],
  ['treats a negative number like Go', '{{if .V}}T{{else}}F{{end}}', { V: -1 }, 'T'],
  ['treats a fraction like Go', '{{if .V}}T{{else}}F{{end}}', { V: 0.5 }, 'T'],
  ['treats an empty string like Go', '{{if .V}}T{{else}}F{{end}}', { V: '' }, 'F'],
  ['treats a string like Go', '{{if .V}}T{{else}}F{{end}}', { V: 'x' }, 'T'],
  ['treats the string "false" like Go', '{{if .V}}T{{else}}F{{end}}', { V: 'false' }, 'T'],
  ['treats the string "0" like Go', '{{if .V}}T{{else}}F{{end}}', { V: '0' }, 'T'],
  ['treats an empty list like Go', '{{if .V}}T{{else}}F{{end}}', { V: [] }, 'F'],
  ['treats a list holding zero like Go', '{{if .V}}T{{else}}F{{end}}', { V: [0] }, 'T'],
  ['treats an empty map like Go', '{{if .V}}T{{else}}F{{end}}', { V: {} }, 'F'],
  ['treats a map like Go', '{{if .V}}T{{else}}F{{end}}', { V: { a: 1 } }, 'T'],
  ['treats nil like Go', '{{if .V}}T{{else}}F{{end}}', { V: null }, 'F'],
];

const IF_ERRORS: Case[] = [
  [
    'fails when the condition reads a missing key',
    '{{if .Missing}}x{{end}}',
    {},
    'template: prompt:1:5: executing "prompt" at <.Missing>: map has no entry for key "Missing"',
  ],
];

const WITH: Case[] = [
  ['sets dot to the value', '{{with .User}}{{.Name}}{{end}}', { User: { Name: 'ann' } }, 'ann'],
  ['renders else for an empty value', '{{with .S}}[{{.}}]{{else}}empty{{end}}', { S: '' }, 'empty'],
  ['keeps the outer dot in else', '{{with .Empty}}x{{else}}{{.Name}}{{end}}', { Empty: [], Name: 'n' }, 'n'],
  ['chains else with', '{{with .A}}a={{.}}{{else with .B}}b={{.}}{{else}}none{{end}}', { A: '', B: 'bee' }, 'b=bee'],
  ['falls through an else-with chain', '{{with .A}}a{{else with .B}}b{{else}}none{{end}}', { A: 0, B: [] }, 'none'],
  ['declares a variable', '{{with $u := .User}}{{$u.Name}}/{{.Name}}{{end}}', { User: { Name: 'ann' } }, 'ann/ann'],
  ['nests with', '{{with .A}}{{with .B}}{{.}}{{end}}{{end}}', { A: { B: 'inner' } }, 'inner'],
  ['skips a nil value', '[{{with .N}}x{{end}}]', { N: null }, '[]'],
  ['skips a missing index result', '[{{with index .M "nope"}}x{{end}}]', { M: {} }, '[]'],
];

const RANGE: Case[] = [
  ['iterates a list', '{{range .L}}<{{.}}>{{end}}', { L: ['a', 'b', 'c'] }, '<a><b><c>'],
  ['renders else for an empty list', '{{range .L}}x{{else}}none{{end}}', { L: [] }, 'none'],
  ['iterates a map in sorted key order', '{{range .M}}{{.}} {{end}}', { M: { z: 1, a: 2, m: 3 } }, '2 3 1 '],
  ['renders else for an empty map', '{{range .M}}x{{else}}none{{end}}', { M: {} }, 'none'],
  ['renders else for nil', '{{range .N}}x{{else}}none{{end}}', { N: null }, 'none'],
  ['iterates an integer', '{{range 3}}{{.}}{{end}}', {}, '012'],
  ['iterates an integer into a variable', '{{range $i := .N}}{{$i}},{{end}}', { N: 3 }, '0,1,2,'],
  ['renders else for zero iterations', '{{range 0}}x{{else}}none{{end}}', {}, 'none'],
  ['renders else for a negative integer', '{{range -2}}x{{else}}none{{end}}', {}, 'none'],
  ['stops at break', '{{range .L}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}', { L: [1, 2, 3, 4] }, '12'],
  ['skips the rest of an iteration at continue', '{{range .L}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', { L: [1, 2, 3] }, '13'],
  ['breaks from inside a with', '{{range .L}}{{with .}}{{if eq . "b"}}{{break}}{{end}}{{end}}{{.}}{{end}}', { L: ['a', 'b', 'c'] }, 'a'],
  [
    'breaks only the inner of nested ranges',
    '{{range .A}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}',
    {
      A: [
        [1, 2, 3],
        [4, 2],
      ],
    },
    '1;4;',
  ],
  [
    'nests ranges with variables',
    '{{range $i, $row := .Rows}}{{range $j, $c := $row}}{{$i}}{{$j}}{{$c}} {{end}}{{end}}',
    { Rows: [['a', 'b'], ['c']] },
    '00a 01b 10c ',
  ],
  ['iterates maps of maps', '{{range $k, $v := .M}}{{$k}}:{{range $v}}{{.}}{{end}};{{end}}', { M: { y: { b: 2, a: 1 }, x: { c: 3 } } }, 'x:3;y:12;'],
  ['keeps the outer dot in else', '{{range .L}}x{{else}}{{.Name}}{{end}}', { L: [], Name: 'outer' }, 'outer'],
  ['iterates a list of lists', '{{range .L}}{{len .}}{{end}}', { L: [[1], [1, 2], []] }, '120'],
  ['pops body variables after each iteration', '{{range .L}}{{$x := .}}{{end}}{{$x := "after"}}{{$x}}', { L: [1] }, 'after'],
];

const RANGE_ERRORS: Case[] = [
  ['fails when ranging over a string', '{{range .S}}{{end}}', { S: 'abc' }, 'template: prompt:1:8: executing "prompt" at <.S>: range can\'t iterate over abc'],
  ['fails when ranging over a boolean', '{{range true}}{{end}}', {}, 'template: prompt:1:8: executing "prompt" at <true>: range can\'t iterate over true'],
  [
    'fails when ranging over a non-integral number',
    '{{range .F}}{{end}}',
    { F: 2.5 },
    'template: prompt:1:8: executing "prompt" at <.F>: range can\'t iterate over 2.5',
  ],
  [
    'fails when ranging over an integer with two variables',
    '{{range $i, $e := 3}}{{end}}',
    {},
    'template: prompt:1:18: executing "prompt" at <3>: can\'t use 3 to iterate over more than one variable',
  ],
];

const TRIM_MARKERS_AND_COMMENTS: Case[] = [
  ['trims whitespace on both sides', 'a \n\t {{- .A -}} \n b', { A: 'X' }, 'aXb'],
  ['trims only on the left', 'a  {{- .A}}  b', { A: 'X' }, 'aX  b'],
  ['trims only on the right', 'a  {{.A -}}  \n b', { A: 'X' }, 'a  Xb'],
  ['trims carriage returns', 'a \r\n{{- .A -}}\r\n b', { A: 'X' }, 'aXb'],
  ['trims the start and end of the template', ' \n {{- .A -}} \n ', { A: 'X' }, 'X'],
  ['joins two actions', '{{.A}}  {{- .B}}', { A: 1, B: 2 }, '12'],
  ['leaves {{-3}} as a negative number', '{{-3}}', {}, '-3'],
  ['trims around a number', '1 {{- 3 -}} 1', {}, '131'],
  ['keeps a minus inside the action', '{{ -3 }}', {}, '-3'],
  [
    'compacts a range into a list',
    `Items:
{{- range .L}}
- {{.}}
{{- end}}
Done`,
    { L: ['a', 'b'] },
    'Items:\n- a\n- b\nDone',
  ],
  [
    'trims around if / else / end',
    `{{if .A -}}
  yes
{{- else -}}
  no
{{- end}}`,
    { A: false },
    'no',
  ],
  ['drops a comment', 'a{{/* a comment */}}b', {}, 'ab'],
  ['drops a multi-line comment', 'a{{/* line 1\nline 2 */}}b', {}, 'ab'],
  ['trims around a comment', 'a \n {{- /* c */ -}} \n b', {}, 'ab'],
  ['trims on one side of a comment', 'a  {{- /* c */}}  b', {}, 'a  b'],
  ['keeps whitespace after a comment without a right marker', 'a {{/* c */}} b', {}, 'a  b'],
  ['trims whitespace that holds only newlines', '{{.A}}\n\n\n{{- .B}}', { A: 1, B: 2 }, '12'],
  ['trims nothing when there is no whitespace', 'a{{- .A -}}b', { A: '-' }, 'a-b'],
  [
    'reads spaces and newlines inside an action as separators',
    `{{ printf
  "%s-%s"
  .A
  .B }}`,
    { A: 'a', B: 'b' },
    'a-b',
  ],
];

const DEFINE_TEMPLATE_AND_BLOCK: Case[] = [
  ['calls a defined template with a value', '{{define "x"}}[{{.}}]{{end}}{{template "x" .A}}', { A: 'a' }, '[a]'],
  [
    'calls a defined template more than once',
    `{{define "item"}}- {{.}}
{{end}}{{range .L}}{{template "item" .}}{{end}}`,
    { L: [1, 2] },
    '- 1\n- 2\n',
  ],
  ['gives a template called without a value no dot', '{{define "x"}}{{.}}{{end}}{{template "x"}}', {}, '<no value>'],
  ['renders a block in place', '{{block "b" .}}default {{.A}}{{end}}', { A: 'a' }, 'default a'],
  ['does not let a template see the caller variables', '{{define "x"}}{{$}}{{end}}{{$v := 1}}{{template "x" "dot"}}', {}, 'dot'],
  ['recurses', '{{define "r"}}{{if .}}{{len .}}{{template "r" slice . 1}}{{end}}{{end}}{{template "r" .L}}', { L: [1, 2, 3] }, '321'],
  ['calls a template defined later in the text', '{{template "x" .A}}{{define "x"}}late {{.}}{{end}}', { A: 'a' }, 'late a'],
];

const DEFINE_TEMPLATE_AND_BLOCK_ERRORS: Case[] = [
  [
    'fails when the template is not defined',
    '{{template "nope"}}',
    {},
    'template: prompt:1:11: executing "prompt" at <{{template "nope"}}>: template "nope" not defined',
  ],
  [
    'fails with the name of the defined template',
    `{{define "sub"}}
{{.Missing}}{{end}}{{template "sub" .}}`,
    {},
    'template: prompt:2:2: executing "sub" at <.Missing>: map has no entry for key "Missing"',
  ],
];

const KELOS_PROMPTS: Case[] = [
  [
    'renders an issue prompt with comments',
    `You are working on issue #{{.Number}}: {{.Title}}
{{.URL}}

{{.Body}}
{{if .Comments}}
Comments:
{{.Comments}}
{{end}}
{{- if .Labels}}
Labels: {{.Labels}}
{{- end}}
`,
    {
      Number: 42,
      Title: 'Login fails',
      URL: 'https://github.com/o/r/issues/42',
      Body: 'Steps:\n1. open',
      Comments: 'first\n---\nsecond',
      Labels: 'bug, p1',
      Kind: 'Issue',
    },
    `You are working on issue #42: Login fails
https://github.com/o/r/issues/42

Steps:
1. open

Comments:
first
---
second

Labels: bug, p1
`,
  ],
  [
    'renders an issue prompt without comments or labels',
    `You are working on issue #{{.Number}}: {{.Title}}
{{.URL}}

{{.Body}}
{{if .Comments}}
Comments:
{{.Comments}}
{{end}}
{{- if .Labels}}
Labels: {{.Labels}}
{{- end}}
`,
    { Number: 7, Title: 'Add docs', URL: 'https://github.com/o/r/issues/7', Body: '', Comments: '', Labels: '', Kind: 'Issue' },
    `You are working on issue #7: Add docs
https://github.com/o/r/issues/7



`,
  ],
  [
    'renders a pull request prompt',
    `{{if eq .Kind "PR"}}Review PR #{{.Number}} on {{.Branch}}{{if .ReviewState}} ({{.ReviewState}}){{end}}
{{- with .ReviewComments}}
Review comments:
{{.}}{{end}}{{else}}Fix {{.Kind | printf "%s"}} #{{.Number}}{{end}}`,
    { Kind: 'PR', Number: 9, Branch: 'feat/x', ReviewState: 'changes_requested', ReviewComments: 'nit: rename' },
    `Review PR #9 on feat/x (changes_requested)
Review comments:
nit: rename`,
  ],
  ['renders a branch name', 'kelos/{{.Kind | printf "%.5s"}}-{{.Number}}', { Kind: 'Issue', Number: 12 }, 'kelos/Issue-12'],
  ['renders a label value', '{{.Kind}}-{{.Number}}', { Kind: 'PR', Number: 3 }, 'PR-3'],
  [
    'renders a cron prompt',
    'Scheduled run at {{.Time}} ({{.Schedule}}){{if .Title}}: {{.Title}}{{end}}',
    { Time: '2026-01-02T03:04:05Z', Schedule: '0 * * * *', Title: '' },
    'Scheduled run at 2026-01-02T03:04:05Z (0 * * * *)',
  ],
  [
    'reads a dependency result with index',
    'Continue on branch {{index .Deps "scaffold" "Results" "branch"}} for {{.Name}}.',
    {
      Name: 'implement',
      Deps: { scaffold: { Name: 'scaffold', Results: { branch: 'feat/scaffold', commit: 'abc123' }, Outputs: ['branch: feat/scaffold', 'commit: abc123'] } },
    },
    'Continue on branch feat/scaffold for implement.',
  ],
  [
    'prints dependency outputs with a field path',
    `{{.Deps.scaffold.Outputs}}
{{.Deps.scaffold.Results}}`,
    {
      Name: 'review',
      Deps: { scaffold: { Name: 'scaffold', Results: { branch: 'feat/scaffold', commit: 'abc123' }, Outputs: ['branch: feat/scaffold', 'commit: abc123'] } },
    },
    `[branch: feat/scaffold commit: abc123]
map[branch:feat/scaffold commit:abc123]`,
  ],
  [
    'lists every dependency',
    `{{range $name, $d := .Deps}}{{$name}}: {{$d.Results.branch}}
{{end}}`,
    { Name: 'merge', Deps: { test: { Name: 'test', Results: { branch: 't' }, Outputs: [] }, build: { Name: 'build', Results: { branch: 'b' }, Outputs: [] } } },
    'build: b\ntest: t\n',
  ],
  [
    'prints each output line of a dependency',
    `{{range .Deps.scaffold.Outputs}}> {{.}}
{{end}}`,
    { Deps: { scaffold: { Results: {}, Outputs: ['branch: b', 'pr: 5'] } } },
    '> branch: b\n> pr: 5\n',
  ],
  [
    'renders a missing result as <no value> through index',
    '{{index .Deps "scaffold" "Results" "pr"}}',
    { Deps: { scaffold: { Results: { branch: 'b' } } } },
    '<no value>',
  ],
  [
    'skips a missing result with with',
    '{{with index .Deps "scaffold" "Results" "pr"}}PR: {{.}}{{else}}no PR{{end}}',
    { Deps: { scaffold: { Results: { branch: 'b' } } } },
    'no PR',
  ],
];

const KELOS_PROMPTS_ERRORS: Case[] = [
  [
    'fails when a dependency is missing',
    '{{.Deps.nope.Outputs}}',
    { Deps: { scaffold: {} } },
    'template: prompt:1:7: executing "prompt" at <.Deps.nope.Outputs>: map has no entry for key "nope"',
  ],
  [
    'fails when indexing through a missing dependency',
    '{{index .Deps "nope" "Results" "branch"}}',
    { Deps: { scaffold: {} } },
    'template: prompt:1:2: executing "prompt" at <index .Deps "nope" "Results" "branch">: error calling index: index of nil pointer',
  ],
  [
    'fails when a prompt variable is misspelled',
    'Issue {{.Number}}:\n{{.Tittle}}',
    { Number: 1, Title: 't' },
    'template: prompt:2:2: executing "prompt" at <.Tittle>: map has no entry for key "Tittle"',
  ],
];

const EXECUTION_ERRORS_ERRORS: Case[] = [
  [
    'fails at the line and byte column of the action',
    'line 1\nline 2\n  x {{.Missing}}',
    {},
    'template: prompt:3:6: executing "prompt" at <.Missing>: map has no entry for key "Missing"',
  ],
  [
    'fails with a byte column after multi-byte text',
    'é🎉 {{.Missing}}',
    {},
    'template: prompt:1:9: executing "prompt" at <.Missing>: map has no entry for key "Missing"',
  ],
  [
    'fails at the position of the last field of a chain',
    '{{.A.B.C}}',
    { A: { B: {} } },
    'template: prompt:1:4: executing "prompt" at <.A.B.C>: map has no entry for key "C"',
  ],
  [
    'fails inside a nested range and if',
    `{{range .L}}
{{if .}}
{{.X}}{{end}}{{end}}`,
    { L: [{ Y: 1 }] },
    'template: prompt:3:2: executing "prompt" at <.X>: map has no entry for key "X"',
  ],
  [
    'fails when a pipeline feeds a variable',
    '{{$x := 1}}{{2 | $x}}',
    {},
    'template: prompt:1:17: executing "prompt" at <$x>: can\'t give argument to non-function $x',
  ],
];

describe('renderTemplate', () => {
  describe('fields and maps', () => {
    it.each(FIELDS_AND_MAPS)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(FIELDS_AND_MAPS_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('literals', () => {
    it.each(LITERALS)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(LITERALS_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('variables', () => {
    it.each(VARIABLES)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(VARIABLES_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('pipelines', () => {
    it.each(PIPELINES)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(PIPELINES_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('if', () => {
    it.each(IF)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(IF_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('with', () => {
    it.each(WITH)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
  });

  describe('range', () => {
    it.each(RANGE)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(RANGE_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('trim markers and comments', () => {
    it.each(TRIM_MARKERS_AND_COMMENTS)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
  });

  describe('define, template and block', () => {
    it.each(DEFINE_TEMPLATE_AND_BLOCK)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(DEFINE_TEMPLATE_AND_BLOCK_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('Kelos prompts', () => {
    it.each(KELOS_PROMPTS)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(KELOS_PROMPTS_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('execution errors', () => {
    it.each(EXECUTION_ERRORS_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('JavaScript data', () => {
    it('reads a key whose value is undefined as nil', () => {
      expect(render('{{.A}}|{{if .A}}x{{else}}nil{{end}}|{{print .A}}', { A: undefined })).toBe('<no value>|nil|<nil>');
    });

    it('prints undefined list elements as <nil>', () => {
      expect(render('{{.L}}', { L: [1, undefined] })).toBe('[1 <nil>]');
    });

    it('treats undefined data like nil data', () => {
      expect(renderError('{{.A}}', undefined)).toBe('template: prompt:1:2: executing "prompt" at <.A>: nil data; no entry for key "A"');
    });

    it('accepts typed objects as maps', () => {
      interface Vars {
        readonly Number: number;
        readonly Title: string;
      }
      const vars: Vars = { Number: 5, Title: 'Typed' };
      expect(render('#{{.Number}} {{.Title}}', vars)).toBe('#5 Typed');
    });

    it('renders a parsed template many times with different data', () => {
      const parsed = parseTemplate('{{.Kind}}-{{.Number}}', 'label');
      expect([1, 2, 3].map((n) => renderTemplate(parsed, { Kind: 'Issue', Number: n }))).toEqual(['Issue-1', 'Issue-2', 'Issue-3']);
    });

    it('renders one template text for thousands of work items, each with its own data', () => {
      const text = 'Issue #{{.Number}}: {{.Title}}\n{{if .Comments}}Comments:\n{{.Comments}}{{end}}';
      const out = Array.from({ length: 2000 }, (_, n) => renderTemplate(text, { Number: n, Title: `t${n}`, Comments: n % 2 ? 'c' : '' }, 'p'));
      expect(out[0]).toBe('Issue #0: t0\n');
      expect(out[1999]).toBe('Issue #1999: t1999\nComments:\nc');
      expect(new Set(out).size).toBe(2000);
    });
  });

  // JS has one number type, so integral values are Go ints wherever they come from.
  describe('where JavaScript numbers differ from Go', () => {
    it('prints an integral float literal as an int', () => {
      expect(render('{{1e6}} {{2.0}}', {})).toBe('1000000 2'); // Go: 1e+06 2
    });

    it('compares integers and fractions as numbers', () => {
      expect(render('{{eq 1 1.0}} {{lt 1 2.5}} {{eq .A .B}}', { A: 2, B: 2.0 })).toBe('true true true'); // Go: incompatible types
    });

    it('formats an integral number with a float verb', () => {
      expect(render('{{printf "%.2f %e" .Cost .Cost}}', { Cost: 3 })).toBe('3.00 3.000000e+00'); // Go: %!f(int=3)
    });
  });

  describe('errors', () => {
    it('reports the template name, line and column of an execution error', () => {
      const err = thrownBy(() => renderTemplate('a\n  {{.B}}', {}, 'promptTemplate'));
      expect(err).toBeInstanceOf(TemplateError);
      expect(err.name).toBe('TemplateError');
      expect(err).toMatchObject({ templateName: 'promptTemplate', line: 2, column: 5 });
      expect(err.message).toBe('template: promptTemplate:2:4: executing "promptTemplate" at <.B>: map has no entry for key "B"');
    });

    it('counts the column property in UTF-16 units while the message counts bytes like Go', () => {
      const err = thrownBy(() => render('🎉 {{.B}}', {}));
      expect(err.message).toBe('template: prompt:1:7: executing "prompt" at <.B>: map has no entry for key "B"');
      expect(err).toMatchObject({ line: 1, column: 6 });
    });

    it('names the defined template that failed', () => {
      const err = thrownBy(() => render('{{define "item"}}\n{{.X}}{{end}}{{template "item" .}}', {}));
      expect(err).toMatchObject({ templateName: 'item', line: 2, column: 3 });
    });

    it('fails when template calls recurse too deeply', () => {
      expect(renderError('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', {})).toMatch(
        /executing "r" at <\{\{template "r" \.\}\}>: render budget exceeded: nesting deeper than 100 \(maxDepth\)$/,
      );
    });
  });
});
