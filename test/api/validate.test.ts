import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isKelosObject, validateObject } from '../../lib/api/index.js';
import { BAD_CASES, spawner, task } from '../fixtures/bad-cases.js';

const fixtures = join(import.meta.dirname, '../fixtures/manifests');

function kelosObjects(): Array<{ file: string; obj: any }> {
  return readdirSync(fixtures).flatMap((file) =>
    parseAllDocuments(readFileSync(join(fixtures, file), 'utf8'))
      .map((d) => d.toJS())
      .filter(isKelosObject)
      .map((obj) => ({ file, obj })),
  );
}

describe('validateObject', () => {
  it('accepts every object of the valid fixtures', () => {
    const objects = kelosObjects();
    expect(objects.length).toBe(11);
    for (const { file, obj } of objects) {
      expect({ file, name: obj.metadata.name, issues: validateObject(obj) }).toEqual({ file, name: obj.metadata.name, issues: [] });
    }
  });

  it.each(BAD_CASES)('rejects $name', (c) => {
    const issues = validateObject(c.object, { oldObject: c.old });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues).toContainEqual(expect.objectContaining({ path: c.path, message: expect.stringContaining(c.message) }));
  });

  it('applies transition rules only to updates', () => {
    const updated = task({ prompt: 'changed' });
    expect(validateObject(updated)).toEqual([]);
    expect(validateObject(updated, { oldObject: task({ prompt: 'changed' }) })).toEqual([]);
  });

  it('reports every problem of an object at once', () => {
    const issues = validateObject(task({ type: 'nope', credentials: { type: 'api-key' }, ttlSecondsAfterFinished: -3 }));
    expect(issues.map((i) => i.path).sort()).toEqual(['spec.credentials', 'spec.ttlSecondsAfterFinished', 'spec.type']);
  });

  it('requires a DNS-1123 name', () => {
    const obj = task();
    obj.metadata.name = 'Bad_Name';
    expect(validateObject(obj)).toEqual([expect.objectContaining({ path: 'metadata.name', message: expect.stringContaining('RFC 1123') })]);
  });

  it('rejects kinds and versions kelos does not define', () => {
    expect(validateObject({ ...task(), kind: 'Pipeline' })[0]).toMatchObject({ path: 'kind', message: expect.stringContaining('"Task"') });
    expect(validateObject({ ...task(), apiVersion: 'kelos.dev/v1' })[0]).toMatchObject({ path: 'apiVersion' });
  });

  it('accepts int-or-string quantities and rejects malformed ones', () => {
    const ok = task({ podOverrides: { resources: { limits: { cpu: 2, memory: '1Gi' } } } });
    expect(validateObject(ok)).toEqual([]);
    const bad = task({ podOverrides: { resources: { limits: { memory: 'lots' } } } });
    expect(validateObject(bad)[0].path).toBe('spec.podOverrides.resources.limits.memory');
  });

  it('accepts a spawner of each source', () => {
    for (const when of [
      { githubIssues: { labels: ['a'] } },
      { githubPullRequests: { draft: true } },
      { cron: { schedule: '*/5 * * * *' } },
      { jira: { baseUrl: 'https://j.example.com', project: 'P', secretRef: { name: 'j' } } },
    ]) {
      expect(validateObject(spawner(when))).toEqual([]);
    }
  });
});
