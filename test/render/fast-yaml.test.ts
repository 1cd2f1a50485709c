import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fastYaml } from '../../lib/render/_fast-yaml.js';
import { libraryYaml, listFiles, renderYaml } from '../../lib/render/output.js';

// The direct writer must print what the yaml library prints, byte for byte,
// or step aside (undefined) so the library does.

const same = (obj: unknown, keysSorted = false) => {
  const fast = fastYaml(obj, !keysSorted);
  if (fast !== undefined) expect(fast).toBe(libraryYaml(obj, keysSorted));
  expect(renderYaml(obj, keysSorted)).toBe(libraryYaml(obj, keysSorted));
  return fast !== undefined;
};

const STRINGS = [
  '',
  ' ',
  'a',
  'a b',
  'a: b',
  'a:b',
  'a:',
  ':a',
  '-',
  '- a',
  '-a',
  '?',
  '? a',
  '#a',
  'a #b',
  'a#b',
  'a ',
  ' a',
  '*',
  '&a',
  '!a',
  '|',
  '>',
  "'",
  '"',
  "it's",
  'say "hi"',
  '%a',
  '@a',
  '`a',
  '[a]',
  '{a}',
  'a,b',
  ',a',
  'true',
  'True',
  'TRUE',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'null',
  'Null',
  'NULL',
  '~',
  '0',
  '42',
  '-1',
  '+1',
  '0o17',
  '0x1F',
  '1.5',
  '.5',
  '1e3',
  '1.5e-3',
  '.inf',
  '-.Inf',
  '.nan',
  '1_000',
  '0 9 * * *',
  '*/5 * * * *',
  '---',
  '...',
  '--- a',
  'a\\b',
  'tab\there',
  'é',
  '日本',
  '😀',
  'line1\nline2',
  'line1\nline2\n',
  'line1\nline2\n\n',
  'line1\n\nline2',
  '\nleading',
  ' leading\nspace',
  'trailing \nspace',
  'a\n  indented\nb',
  'x\n---\ny',
  'end\n  ',
  'a\n#b',
  '{{.Title}}\n\n{{.Body}}',
  'Issue #{{.Number}}: {{.Title}}',
  '# Rules\n- be careful\n',
  'ctrl\u0001char',
  'a\r\nb',
  'null\nnull',
  'x'.repeat(2000),
  'https://github.com/o/r.git',
  'kelos.dev/name',
  'a/b:c',
  'http://x:80/a b',
];

describe('fastYaml', () => {
  it('prints what the library prints, for every string as a value, an item and in a nested map', () => {
    let handled = 0;
    for (const s of STRINGS) {
      if (same({ a: s })) handled++;
      same({ list: [s, { k: s, n: { deep: s } }], z: [{ k: [s] }] });
      same({ m: { k: s }, items: [{ name: 'x', value: s }] }, true);
    }
    // Most of them are handled directly; the test is meaningless if none are.
    expect(handled).toBeGreaterThan(STRINGS.length / 2);
  });

  it('prints keys, numbers, booleans, null, empty collections and key order as the library does', () => {
    const KEYS = ['a', 'b', 'B', '_x', 'app.kubernetes.io/name', 'kelos.dev/x', 'a-b', '1', 'true', 'null', 'a b', 'a:b', '', 'é', 'x'.repeat(1100)];
    for (const k of KEYS) same({ [k]: 1, z: { [k]: [k] } });
    for (const v of [0, 1, -1, 3.5, -0, 1e21, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, true, false, null, [], {}, [[]], [[1]], [{}], undefined]) {
      same({ v });
      same({ v: [v] });
    }
    const unsorted = { b: 1, a: { d: [{ y: 1, x: 2 }], c: 'z' }, B: true, _: null };
    expect(same(unsorted)).toBe(true);
    expect(same(unsorted, true)).toBe(true);
    expect(fastYaml({ b: 1, a: 2 }, true)).toBe('a: 2\nb: 1\n');
    expect(fastYaml({ b: 1, a: 2 }, false)).toBe('b: 1\na: 2\n');
    expect(fastYaml({}, true)).toBeUndefined();
    expect(fastYaml(['a'], true)).toBeUndefined();
    expect(fastYaml(new Map([['a', 1]]), true)).toBeUndefined();
  });

  it('prints every object of dist/ as the library does, most of them directly', () => {
    const dist = join(process.cwd(), 'dist');
    const files = listFiles(dist).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(50);
    let direct = 0;
    for (const f of files) {
      const text = readFileSync(join(dist, f), 'utf8');
      const obj = parse(text);
      if (same(obj)) direct++;
      // What synth writes is what the library would have written.
      expect(renderYaml(obj)).toBe(text);
    }
    expect(direct).toBeGreaterThan(files.length * 0.8);
  });
});
