import { describe, expect, it } from 'vitest';
import { JsonPathError, parseJsonPath, selectJsonPath } from '../../lib/context/json-path.js';
import { genericFlag, parseGenericFlag } from '../../lib/webhook/config.js';

describe('--generic', () => {
  it('reads a source, its Secret and how it authenticates, and writes them back the same', () => {
    for (const flag of ['sentry=sentry-hook', 'alerts=alerts-token,auth=bearer', 'sentry=s,header=Sentry-Hook-Signature']) {
      const [source, config] = parseGenericFlag(flag);
      expect(genericFlag(source, config)).toBe(flag);
    }
    expect(parseGenericFlag('sentry=s')).toEqual(['sentry', { secretName: 's', auth: { type: 'hmac', header: 'X-Hub-Signature-256' } }]);
  });

  it('fails on a missing Secret, a bad source or Secret name, a built-in route and an unknown option', () => {
    expect(() => parseGenericFlag('sentry')).toThrow(/expected <source>=<secret>/);
    expect(() => parseGenericFlag('Sentry=s')).toThrow(/"Sentry" is not a source name/);
    expect(() => parseGenericFlag('github=s')).toThrow(/"github" is a built-in route; use --github-secret/);
    expect(() => parseGenericFlag('sentry=Bad_Name')).toThrow(/"Bad_Name" is not a Secret name/);
    expect(() => parseGenericFlag('sentry=s,auth=none')).toThrow(/unknown option "auth=none"/);
    expect(() => parseGenericFlag('sentry=s,header=a b')).toThrow(/unknown option "header=a b"/);
  });
});

describe('JSONPath of field mappings', () => {
  const doc = { data: { 'event id': 'x', items: [{ a: 1 }, { a: 2 }], event: { level: 'error' } } };

  it('selects names, quoted names and indexes; a missing step is undefined', () => {
    expect(selectJsonPath(doc, '$.data.event.level')).toBe('error');
    expect(selectJsonPath(doc, "$.data['event id']")).toBe('x');
    expect(selectJsonPath(doc, '$.data.items[1].a')).toBe(2);
    expect(selectJsonPath(doc, '$.data.items[5].a')).toBeUndefined();
    expect(selectJsonPath(doc, '$.data.event.level.deeper')).toBeUndefined();
    expect(selectJsonPath(doc, '$.constructor')).toBeUndefined();
  });

  it('refuses what it would have to evaluate or cannot read', () => {
    for (const bad of ['data.level', '$..level', '$.items[*]', '$.items[?(@.a > 1)]', '$.a[1:2]', '$.']) {
      expect(() => parseJsonPath(bad)).toThrow(JsonPathError);
    }
  });
});

describe('kelos webhook-server', () => {
  it('fails, saying what is missing, without a namespace, a route or with a bad flag', async () => {
    const { kelos } = await import('../cli/_kelos.js');
    const env = { POD_NAMESPACE: undefined, KUBECONFIG: '/nonexistent' };
    expect(await kelos(['webhook-server', '--github-secret', 'gh'], { env })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("'--namespace' must name a namespace"),
    });
    expect(await kelos(['webhook-server', '--namespace', 'team'], { env })).toMatchObject({ code: 2, stderr: expect.stringContaining('no route to serve') });
    expect(await kelos(['webhook-server', '--namespace', 'team', '--generic', 'x'], { env })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("'--generic': expected <source>=<secret>"),
    });
    expect(await kelos(['webhook-server', '--namespace', 'team', '--github-secret', 'gh', '--max-body-bytes', '10'], { env })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("'--max-body-bytes' must be an integer >= 1024"),
    });
  });
});
