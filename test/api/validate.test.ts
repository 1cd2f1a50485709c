import { readdirSync, readFileSync } from 'node:fs';
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
    expect(objects.length).toBe(18);
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
      { githubWebhook: { events: ['push'] } },
      { linearWebhook: { types: ['Issue'] } },
      { webhook: { source: 'ci', fieldMapping: { id: '$.build.id' } } },
      { slack: {} },
    ]) {
      expect(validateObject(spawner(when))).toEqual([]);
    }
  });

  it('accepts what Kelos v0.39 accepts at the edges of its rules', () => {
    for (const events of [['pull_request_review'], ['issues', 'pull_request_target'], ['pull_request_review_comment']]) {
      expect(validateObject(spawner({ githubWebhook: { events, reporting: { checks: {} } } }))).toEqual([]);
    }
    // A value with an empty pattern counts as value only, as in Kelos's rule.
    const generic = { webhook: { source: 's', fieldMapping: { id: '$.id' }, filters: [{ field: '$.a', value: 'x', pattern: '' }] } };
    expect(validateObject(spawner(generic))).toEqual([]);
    expect(validateObject(spawner({ githubIssues: { reporting: { enabled: false } } }))).toEqual([]);
    expect(validateObject(spawner({ slack: {} }, { workspaceRef: undefined }))).toEqual([]);
    expect(validateObject(spawner(generic, { workspaceRef: undefined }))).toEqual([]);
    const containers = { extraContainers: [{ name: 'db' }, { name: 'cache' }], extraInitContainers: [{ name: 'seed' }] };
    expect(validateObject(task({ podOverrides: containers }))).toEqual([]);
  });

  it('reports each duplicate of a map-list entry, and the third of three context sources', () => {
    const sidecars = [{ name: 'db' }, { name: 'db' }, { name: 'x' }, { name: 'db' }];
    expect(validateObject(task({ podOverrides: { extraContainers: sidecars } })).map((i) => i.path)).toEqual([
      'spec.podOverrides.extraContainers[1]',
      'spec.podOverrides.extraContainers[3]',
    ]);
    const source = (name: string) => ({ name, http: { url: 'https://x.example.com' } });
    const issues = validateObject(spawner(undefined, { contextSources: [source('a'), source('b'), source('a')] }));
    expect(issues).toEqual([{ path: 'spec.taskTemplate.contextSources', message: 'Invalid value: contextSources names must be unique' }]);
  });
});
