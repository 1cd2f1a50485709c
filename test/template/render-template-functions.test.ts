import { describe, expect, it } from 'vitest';
import { type Case, render, renderError } from './_helpers.js';

// Expected outputs and messages in the tables below come from Go 1.26
// text/template (template.New("prompt").Option("missingkey=error")) run on
// the same text and data, as described in _helpers.ts.

const INDEX_AND_SLICE: Case[] = [
  ['indexes a list', '{{index .L 1}}', { L: ['a', 'b'] }, 'b'],
  ['indexes a map', '{{index .M "k"}}', { M: { k: 'v' } }, 'v'],
  ['indexes several levels', '{{index .M "a" 1 "b"}}', { M: { a: [0, { b: 'deep' }] } }, 'deep'],
  ['indexes a string to a byte', '{{index "héllo" 1}}', {}, '195'],
  ['returns the item when given no indexes', '{{index .L}}', { L: [1, 2] }, '[1 2]'],
  ['gives <no value> for a missing map key', '{{index .M "nope"}}', { M: {} }, '<no value>'],
  ['returns nil for a nil element', '{{index .L 0}}', { L: [null] }, '<no value>'],
  ['pipes the item into index', '{{.L | index}}', { L: ['x'] }, '[x]'],
  ['slices a list', '{{slice .L 1}} {{slice .L 1 2}} {{slice .L}} {{slice .L 0 1 2}}', { L: ['a', 'b', 'c'] }, '[b c] [b] [a b c] [a]'],
  ['slices a string by bytes', '{{slice "hello" 1 3}}', {}, 'el'],
];

const INDEX_AND_SLICE_ERRORS: Case[] = [
  [
    'fails when the index is out of range',
    '{{index .L 5}}',
    { L: ['a'] },
    'template: prompt:1:2: executing "prompt" at <index .L 5>: error calling index: index out of range: 5',
  ],
  [
    'fails when the index equals the length',
    '{{index .L 1}}',
    { L: ['a'] },
    'template: prompt:1:2: executing "prompt" at <index .L 1>: error calling index: reflect: slice index out of range',
  ],
  [
    'fails when the index is negative',
    '{{index .L -1}}',
    { L: ['a'] },
    'template: prompt:1:2: executing "prompt" at <index .L -1>: error calling index: index out of range: -1',
  ],
  [
    'fails when indexing a list with a string',
    '{{index .L "a"}}',
    { L: ['a'] },
    'template: prompt:1:2: executing "prompt" at <index .L "a">: error calling index: cannot index slice/array with type string',
  ],
  [
    'fails when indexing a list with nil',
    '{{index .L nil}}',
    { L: ['a'] },
    'template: prompt:1:2: executing "prompt" at <index .L nil>: error calling index: cannot index slice/array with nil',
  ],
  [
    'fails when indexing a map with a number',
    '{{index .M 1}}',
    { M: {} },
    'template: prompt:1:2: executing "prompt" at <index .M 1>: error calling index: value has type int; should be string',
  ],
  [
    'fails when indexing a map with nil',
    '{{index .M nil}}',
    { M: {} },
    'template: prompt:1:2: executing "prompt" at <index .M nil>: error calling index: value is nil; should be of type string',
  ],
  [
    'fails when indexing a number',
    '{{index 5 1}}',
    {},
    'template: prompt:1:2: executing "prompt" at <index 5 1>: error calling index: can\'t index item of type int',
  ],
  ['fails when indexing nil', '{{index nil 1}}', {}, 'template: prompt:1:2: executing "prompt" at <index nil 1>: error calling index: index of untyped nil'],
  [
    'fails when indexing through a nil element',
    '{{index .L 0 1}}',
    { L: [null] },
    'template: prompt:1:2: executing "prompt" at <index .L 0 1>: error calling index: index of nil pointer',
  ],
  [
    'fails when index has no arguments',
    '{{index}}',
    {},
    'template: prompt:1:2: executing "prompt" at <index>: wrong number of args for index: want at least 1 got 0',
  ],
  [
    'fails when a slice index is out of range',
    '{{slice .L 1 5}}',
    { L: [1, 2] },
    'template: prompt:1:2: executing "prompt" at <slice .L 1 5>: error calling slice: index out of range: 5',
  ],
  [
    'fails when slice indexes are inverted',
    '{{slice .L 2 1}}',
    { L: [1, 2, 3] },
    'template: prompt:1:2: executing "prompt" at <slice .L 2 1>: error calling slice: invalid slice index: 2 > 1',
  ],
  [
    'fails when a string gets three slice indexes',
    '{{slice "abc" 0 1 2}}',
    {},
    'template: prompt:1:2: executing "prompt" at <slice "abc" 0 1 2>: error calling slice: cannot 3-index slice a string',
  ],
  [
    'fails when slicing a map',
    '{{slice .M}}',
    { M: {} },
    'template: prompt:1:2: executing "prompt" at <slice .M>: error calling slice: can\'t slice item of type map[string]interface {}',
  ],
];

const LEN: Case[] = [
  ['counts string bytes like Go', '{{len "héllo"}} {{len ""}}', {}, '6 0'],
  ['counts list elements', '{{len .L}}', { L: [1, 2, 3] }, '3'],
  ['counts map entries', '{{len .M}}', { M: { a: 1, b: 2 } }, '2'],
];

const LEN_ERRORS: Case[] = [
  ['fails when taking the length of a number', '{{len 3}}', {}, 'template: prompt:1:2: executing "prompt" at <len 3>: error calling len: len of type int'],
  [
    'fails when taking the length of a nil value',
    '{{len .N}}',
    { N: null },
    'template: prompt:1:2: executing "prompt" at <len .N>: error calling len: len of nil pointer',
  ],
  [
    'fails when taking the length of nil',
    '{{len nil}}',
    {},
    'template: prompt:1:2: executing "prompt" at <len nil>: error calling len: reflect: call of reflect.Value.Type on zero Value',
  ],
  ['fails when len gets two arguments', '{{len "a" "b"}}', {}, 'template: prompt:1:2: executing "prompt" at <len>: wrong number of args for len: want 1 got 2'],
];

const COMPARISONS: Case[] = [
  ['compares strings', '{{eq .S "a"}} {{eq .S "b"}} {{ne .S "a"}}', { S: 'a' }, 'true false false'],
  ['compares numbers', '{{eq 1 1}} {{eq .N 3}} {{ne .N 4}} {{eq .F 1.5}}', { N: 3, F: 1.5 }, 'true true true true'],
  ['compares booleans', '{{eq true true}} {{eq .B false}}', { B: false }, 'true true'],
  ['matches any of several values', '{{eq .K "a" "b" "PR"}} {{eq .K "a" "b"}}', { K: 'PR' }, 'true false'],
  ['orders numbers', '{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 3}} {{lt -1 0}}', {}, 'true true false false true'],
  ['orders strings by bytes', '{{lt "a" "b"}} {{lt "B" "a"}} {{le "b" "b"}} {{gt "é" "z"}} {{ge "a" "ab"}}', {}, 'true true true true false'],
  ['compares nil with nil', '{{eq .N nil}} {{eq nil .N}}', { N: null }, 'true true'],
  ['compares a value with nil', '{{eq .S nil}} {{ne .L nil}}', { S: 'x', L: [] }, 'false true'],
  ['compares a list with nil', '{{eq .L nil}}', { L: [1] }, 'false'],
  ['compares nil literals', '{{eq nil nil}} {{ne nil 1}}', {}, 'true true'],
];

const COMPARISONS_ERRORS: Case[] = [
  [
    'fails when comparing a string with a number',
    '{{eq "1" 1}}',
    {},
    'template: prompt:1:2: executing "prompt" at <eq "1" 1>: error calling eq: incompatible types for comparison: string and int',
  ],
  [
    'fails when comparing later arguments of another type',
    '{{eq "a" "b" 1}}',
    {},
    'template: prompt:1:2: executing "prompt" at <eq "a" "b" 1>: error calling eq: incompatible types for comparison: string and int',
  ],
  ['fails when eq has one argument', '{{eq 1}}', {}, 'template: prompt:1:2: executing "prompt" at <eq 1>: error calling eq: missing argument for comparison'],
  ['fails when eq has no arguments', '{{eq}}', {}, 'template: prompt:1:2: executing "prompt" at <eq>: wrong number of args for eq: want at least 1 got 0'],
  [
    'fails when comparing lists',
    '{{eq .A .B}}',
    { A: ['a'], B: ['a'] },
    'template: prompt:1:2: executing "prompt" at <eq .A .B>: error calling eq: non-comparable type [a]: []interface {}',
  ],
  [
    'fails when comparing a list with a map',
    '{{eq .A .B}}',
    { A: ['a'], B: { a: 1 } },
    'template: prompt:1:2: executing "prompt" at <eq .A .B>: error calling eq: non-comparable types [a]: []interface {}, map[string]interface {}: map[a:1]',
  ],
  [
    'fails when ordering booleans',
    '{{lt true false}}',
    {},
    'template: prompt:1:2: executing "prompt" at <lt true false>: error calling lt: invalid type for comparison',
  ],
  [
    'fails when ordering a string and a number',
    '{{lt "a" 1}}',
    {},
    'template: prompt:1:2: executing "prompt" at <lt "a" 1>: error calling lt: incompatible types for comparison: string and int',
  ],
  [
    'fails when ordering lists',
    '{{lt .L .L}}',
    { L: [] },
    'template: prompt:1:2: executing "prompt" at <lt .L .L>: error calling lt: invalid type for comparison',
  ],
  [
    'fails when ordering nil',
    '{{gt .N 1}}',
    { N: null },
    'template: prompt:1:2: executing "prompt" at <gt .N 1>: error calling gt: invalid type for comparison',
  ],
  ['fails when lt has one argument', '{{lt 1}}', {}, 'template: prompt:1:2: executing "prompt" at <lt>: wrong number of args for lt: want 2 got 1'],
  ['fails when ne has three arguments', '{{ne 1 2 3}}', {}, 'template: prompt:1:2: executing "prompt" at <ne>: wrong number of args for ne: want 2 got 3'],
];

const AND_OR_NOT_CALL: Case[] = [
  ['returns the first false value from and', '{{and 1 "x" 0 "y"}}', {}, '0'],
  ['returns the last value from and when all are true', '{{and 1 "x"}}', {}, 'x'],
  ['returns the first true value from or', '{{or 0 "" "z" 1}}', {}, 'z'],
  ['returns the last value from or when none is true', '[{{or 0 ""}}]', {}, '[]'],
  ['short-circuits and before a missing key', '{{and .Off .Nope}}', { Off: false }, 'false'],
  ['short-circuits or before a missing key', '{{or .On .Nope}}', { On: 'on' }, 'on'],
  ['short-circuits before a failing call', '{{or .On (index .L 5)}}', { On: 1, L: [] }, '1'],
  ['returns a list from and', '{{and .L .M}}', { L: [1], M: { k: 'v' } }, 'map[k:v]'],
  ['returns nil from and as <no value>', '{{and .N 1}}', { N: null }, '<no value>'],
  ['negates values', '{{not 0}} {{not ""}} {{not "x"}} {{not .L}} {{not .N}} {{not nil}}', { L: [], N: null }, 'true true false true true true'],
];

const AND_OR_NOT_CALL_ERRORS: Case[] = [
  [
    'fails when a non-short-circuited argument is missing',
    '{{and .On .Nope}}',
    { On: true },
    'template: prompt:1:10: executing "prompt" at <.Nope>: map has no entry for key "Nope"',
  ],
  ['fails when and has no arguments', '{{and}}', {}, 'template: prompt:1:2: executing "prompt" at <and>: wrong number of args for and: want at least 1 got 0'],
  ['fails when not has two arguments', '{{not 1 2}}', {}, 'template: prompt:1:2: executing "prompt" at <not>: wrong number of args for not: want 1 got 2'],
  ['fails when calling a missing key', '{{call .F}}', {}, 'template: prompt:1:7: executing "prompt" at <.F>: map has no entry for key "F"'],
  [
    'fails when calling a string',
    '{{call .F 1}}',
    { F: 'f' },
    'template: prompt:1:2: executing "prompt" at <call .F 1>: error calling call: non-function .F of type string',
  ],
  ['fails when calling nil', '{{call .N}}', { N: null }, 'template: prompt:1:2: executing "prompt" at <call .N>: error calling call: call of nil'],
  [
    'fails when call has no arguments',
    '{{call}}',
    {},
    'template: prompt:1:2: executing "prompt" at <call>: wrong number of args for call: want at least 1 got 0',
  ],
];

const PRINT_PRINTLN_HTML_JS_URLQUERY: Case[] = [
  ['prints operands with spaces between non-strings', '{{print 1 2 "a" "b" 3 true}}', {}, '1 2ab3 true'],
  ['prints nil and lists', '{{print .N .L}}', { N: null, L: [1, 'a'] }, '<nil> [1 a]'],
  ['prints a line', '{{println "a" 1 .L}}', { L: ['x'] }, 'a 1 [x]\n'],
  ['prints nothing for print without arguments', '[{{print}}]', {}, '[]'],
  ['escapes HTML', '{{html "<a href=\'x\'>&\\"</a>"}}', {}, '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;'],
  ['escapes HTML of several operands', '{{html 1 "<" .N}}', { N: null }, '1&lt;&lt;no value&gt;'],
  ['escapes JavaScript', '{{js "it\'s \\"q\\" <b> & = \\\\ é\\t"}}', {}, 'it\\\'s \\"q\\" \\u003Cb\\u003E \\u0026 \\u003D \\\\ é\\u0009'],
  ['escapes a URL query', '{{urlquery "a b&c=d/é~._-"}}', {}, 'a+b%26c%3Dd%2F%C3%A9~._-'],
  ['pipes into html', '{{.S | html}}', { S: '<x>' }, '&lt;x&gt;'],
];

/** The data of the {{printf FORMAT ARGS}} cases. */
const PRINTF_DATA = { L: [1, 'a', null], M: { b: 'x', a: 2 }, N: null, S: 'str', F: 2.5 };

/** [FORMAT, ARGS, expected output of {{printf FORMAT ARGS}}]. */
const PRINTF_VERBS: (readonly [format: string, args: string, expected: string])[] = [
  ['%s', '"text"', 'text'],
  ['%v', '"text"', 'text'],
  ['%q', '"a\\"b\\n"', '"a\\"b\\n"'],
  ['%q', '"é\\u0001"', '"é\\x01"'],
  ['%+q', '"é"', '"\\u00e9"'],
  ['%#q', '"raw"', '`raw`'],
  ['%#q', '"has`tick"', '"has`tick"'],
  ['%x', '"hi"', '6869'],
  ['%X', '"hé"', '68C3A9'],
  ['% x', '"hi"', '68 69'],
  ['%#x', '"hi"', '0x6869'],
  ['% #x', '"hi"', '0x68 0x69'],
  ['%10s|', '"right"', '     right|'],
  ['%-10s|', '"left"', 'left      |'],
  ['%.2s', '"héllo"', 'hé'],
  ['%5.1s|', '"abc"', '    a|'],
  ['%d', '42', '42'],
  ['%5d|', '42', '   42|'],
  ['%-5d|', '42', '42   |'],
  ['%05d', '42', '00042'],
  ['%05d', '-42', '-0042'],
  ['%+d', '42', '+42'],
  ['% d', '42', ' 42'],
  ['%.3d', '7', '007'],
  ['%8.3d|', '-7', '    -007|'],
  ['%.0d|', '0', '|'],
  ['%x', '255', 'ff'],
  ['%X', '255', 'FF'],
  ['%#x', '255', '0xff'],
  ['%x', '-255', '-ff'],
  ['%o', '8', '10'],
  ['%#o', '8', '010'],
  ['%O', '8', '0o10'],
  ['%b', '5', '101'],
  ['%#b', '5', '0b101'],
  ['%c', '65', 'A'],
  ['%c', '128512', '😀'],
  ['%q', '65', "'A'"],
  ['%U', '128512', 'U+1F600'],
  ['%#U', '233', "U+00E9 'é'"],
  ['%v', '-3', '-3'],
  ['%f', '3.14159', '3.141590'],
  ['%.2f', '3.14159', '3.14'],
  ['%5.2f|', '3.14159', ' 3.14|'],
  ['%-8.2f|', '3.14159', '3.14    |'],
  ['%08.3f', '-3.14159', '-003.142'],
  ['%+.1f', '2.25', '+2.2'],
  ['% .1f', '2.25', ' 2.2'],
  ['%.0f', '0.5', '0'],
  ['%.0f', '1.5', '2'],
  ['%.0f', '2.5', '2'],
  ['%.2f', '0.125', '0.12'],
  ['%.2f', '0.375', '0.38'],
  ['%.2f', '1.005', '1.00'],
  ['%.1f', '0.05', '0.1'],
  ['%.3f', '1e-10', '0.000'],
  ['%.1f', '-0.04', '-0.0'],
  ['%e', '1234.5678', '1.234568e+03'],
  ['%E', '0.000123', '1.230000E-04'],
  ['%.2e', '1.5', '1.50e+00'],
  ['%g', '1234.5678', '1234.5678'],
  ['%g', '0.00001234', '1.234e-05'],
  ['%g', '1234567.5', '1.2345675e+06'],
  ['%.3g', '1234.5678', '1.23e+03'],
  ['%.3g', '0.00012345', '0.000123'],
  ['%.10g', '0.1', '0.1'],
  ['%G', '1e-7', '1E-07'],
  ['%#g', '1.5', '1.50000'],
  ['%#.3g', '2.5', '2.50'],
  ['%#.0f', '2.5', '2.'],
  ['%#e', '2.5', '2.500000e+00'],
  ['%v', '1.5', '1.5'],
  ['%v', '1e100', '1e+100'],
  ['%10.3v|', '3.14159', '      3.14|'],
  ['%F', '1.5', '1.500000'],
  ['%x', '1.5', '0x1.8p+00'],
  ['%.1X', '-2.75', '-0X1.6P+01'],
  ['%#.0x', '0.333', '0x1.p-02'],
  ['%b', '0.5', '4503599627370496p-53'],
  ['%t', 'true', 'true'],
  ['%5t|', 'false', 'false|'],
  ['%v', '.L', '[1 a <nil>]'],
  ['%d', '.L', '[1 %!d(string=a) <nil>]'],
  ['%s', '.L', '[%!s(int=1) a <nil>]'],
  ['%q', '.L', '[\'\\x01\' "a" <nil>]'],
  ['%5v', '.L', '[    1     a <nil>]'],
  ['%v', '.M', 'map[a:2 b:x]'],
  ['%d', '.M', 'map[%!d(string=a):2 %!d(string=b):%!d(string=x)]'],
  ['%#v', '.L', '[]interface {}{1, "a", interface {}(nil)}'],
  ['%#v', '.M', 'map[string]interface {}{"a":2, "b":"x"}'],
  ['%#v', '"s"', '"s"'],
  ['%#v', '42', '42'],
  ['%#v', '1.5', '1.5'],
  ['%#v', '.N', '<nil>'],
  ['%T', '.L', '[]interface {}'],
  ['%T', '.M', 'map[string]interface {}'],
  ['%T', '"s"', 'string'],
  ['%T', '1', 'int'],
  ['%T', '1.5', 'float64'],
  ['%T', 'true', 'bool'],
  ['%T', '.N', '<nil>'],
  ['%v', '.N', '<nil>'],
  ['%s', '.N', '%!s(<nil>)'],
  ['%d', '"x"', '%!d(string=x)'],
  ['%s', '42', '%!s(int=42)'],
  ['%t', '1', '%!t(int=1)'],
  ['%z', '1', '%!z(int=1)'],
  ['%5d', '"ab"', '%!d(string=   ab)'],
  ['%d', '1.5', '%!d(float64=1.5)'],
  ['%%', '', '%'],
  ['%d %d', '1', '1 %!d(MISSING)'],
  ['%d', '1 2 "x"', '1%!(EXTRA int=2, string=x)'],
  ['no verbs', '1 .N', 'no verbs%!(EXTRA int=1, <nil>)'],
  ['%', '', '%!(NOVERB)'],
  ['%-', '1', '%!(NOVERB)%!(EXTRA int=1)'],
  ['%[2]s %[1]s', '"a" "b"', 'b a'],
  ['%[3]d', '1 2', '%!d(BADINDEX)'],
  ['%[0]d', '1', '%!d(BADINDEX)'],
  ['%[1]d %d', '1 2', '1 2'],
  ['%*d|', '5 42', '   42|'],
  ['%-*d|', '5 42', '42   |'],
  ['%*d|', '-5 42', '42   |'],
  ['%.*f', '2 3.14159', '3.14'],
  ['%*d', '"x" 42', '%!(BADWIDTH)42'],
  ['%.*d', '-1 42', '%!(BADPREC)42'],
  ['%v %v', '.S .F', 'str 2.5'],
  ['%6.2f%%', '12.3456', ' 12.35%'],
];

const PRINTF: Case[] = [
  ['formats a piped value', '{{3.14159 | printf "%.2f"}}', {}, '3.14'],
  ['formats a piped format string', '{{"x=%d" | printf}}', {}, 'x=%!d(MISSING)'],
];

const PRINTF_ERRORS: Case[] = [
  [
    'fails when printf has no arguments',
    '{{printf}}',
    {},
    'template: prompt:1:2: executing "prompt" at <printf>: wrong number of args for printf: want at least 1 got 0',
  ],
  ['fails when the format is a number', '{{printf 1}}', {}, 'template: prompt:1:9: executing "prompt" at <1>: expected string; found 1'],
  [
    'fails when the format is a number field',
    '{{printf .N}}',
    { N: 1 },
    'template: prompt:1:9: executing "prompt" at <.N>: wrong type for value; expected string; got int',
  ],
  ['fails when the format is nil', '{{printf nil}}', {}, 'template: prompt:1:9: executing "prompt" at <nil>: cannot assign nil to string'],
  [
    'fails when the format is a nil value',
    '{{printf .N}}',
    { N: null },
    'template: prompt:1:9: executing "prompt" at <.N>: wrong type for value; expected string; got interface {}',
  ],
  [
    'fails when the format is a list',
    '{{printf .L}}',
    { L: [] },
    'template: prompt:1:9: executing "prompt" at <.L>: wrong type for value; expected string; got []interface {}',
  ],
];

describe('renderTemplate functions', () => {
  describe('index and slice', () => {
    it.each(INDEX_AND_SLICE)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(INDEX_AND_SLICE_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('len', () => {
    it.each(LEN)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(LEN_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('comparisons', () => {
    it.each(COMPARISONS)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(COMPARISONS_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('and, or, not, call', () => {
    it.each(AND_OR_NOT_CALL)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(AND_OR_NOT_CALL_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });

  describe('print, println, html, js, urlquery', () => {
    it.each(PRINT_PRINTLN_HTML_JS_URLQUERY)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
  });

  describe('printf', () => {
    it.each(PRINTF_VERBS)('formats %j with %j', (format, args, expected) => {
      expect(render(`{{printf ${JSON.stringify(format)} ${args}}}`, PRINTF_DATA)).toBe(expected);
    });
    it.each(PRINTF)('%s', (_name, template, data, expected) => {
      expect(render(template, data)).toBe(expected);
    });
    it.each(PRINTF_ERRORS)('%s', (_name, template, data, message) => {
      expect(renderError(template, data)).toBe(message);
    });
  });
});
