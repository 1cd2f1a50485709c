import { describe, expect, it } from 'vitest';
import { nestingDepth, readYamlDocuments, YamlLimitError } from '../../lib/yaml/read-documents.js';
import { aliasBomb, deepFlow } from '../fixtures/hostile-yaml.js';

describe('readYamlDocuments', () => {
  it('reads every document of a stream', () => {
    expect(readYamlDocuments('a: 1\n---\n- x\n')).toEqual([{ value: { a: 1 } }, { value: ['x'] }]);
  });

  it('gives a document with a syntax error its error and still reads the others', () => {
    const docs = readYamlDocuments('a: 1\n---\na: [1\n---\nb: 2\n');
    expect(docs[0]).toEqual({ value: { a: 1 } });
    expect(docs[1]!.error).toMatch(/^Flow sequence in block collection must be sufficiently indented/);
    expect(docs[2]).toEqual({ value: { b: 2 } });
  });

  it('refuses an alias bomb in its document only', () => {
    const docs = readYamlDocuments(`ok: 1\n---\n${aliasBomb()}---\nalso: ok\n`);
    expect(docs).toEqual([
      { value: { ok: 1 } },
      { error: 'aliases expand more than 100 times (Excessive alias count indicates a resource exhaustion attack)' },
      { value: { also: 'ok' } },
    ]);
  });

  it('keeps ordinary aliases', () => {
    expect(readYamlDocuments('base: &b {x: 1}\nuse: *b\n')).toEqual([{ value: { base: { x: 1 }, use: { x: 1 } } }]);
  });

  it('refuses text nested deeper than maxDepth before parsing it', () => {
    const deep = deepFlow(1_000_000);
    expect(() => readYamlDocuments(deep)).toThrow(new YamlLimitError('nests collections more than 100 levels deep'));
    expect(() => readYamlDocuments(`${'- '.repeat(200)}x\n`)).toThrow(YamlLimitError);
    const block = `${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`;
    expect(() => readYamlDocuments(block)).toThrow('nests collections more than 100 levels deep');
    expect(() => readYamlDocuments(`a: ${'['.repeat(10)}${']'.repeat(10)}`, { maxDepth: 5 })).toThrow('more than 5 levels');
  });

  it('refuses text larger than maxBytes', () => {
    expect(() => readYamlDocuments('a: ééé', { maxBytes: 8 })).toThrow(new YamlLimitError('is 9 bytes; at most 8 are read'));
  });
});

describe('nestingDepth', () => {
  it.each([
    ['a: 1\nb: 2\n', 1],
    ['a:\n  b:\n    c: 1\n', 3],
    ['items:\n- name: a\n  value: b\n- name: c\n', 3],
    ['a: [1, {b: [2]}]\n', 4],
    ['- - - x\n', 4],
    ['a: |\n  [[[[[[[[\n  x\n', 1],
    ['a: "[[[[" # [[[[\n', 1],
  ])('estimates %j as %i', (text, depth) => {
    expect(nestingDepth(text)).toBe(depth);
  });

  it('stops counting past the limit', () => {
    expect(nestingDepth(`${'['.repeat(1000)}`, 10)).toBe(11);
  });
});
