import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextSource, TaskSpawner } from '../../lib/api/index.js';
import { fetchContext } from '../../lib/context/context-sources.js';
import { buildTask } from '../../lib/spawner/build-task.js';
import { templateVars, type WorkItem } from '../../lib/spawner/work-item.js';

/** A context endpoint on loopback: what it answers per path, and what it received. */
let server: Server;
let base: string;
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/issue/42': (_q, res) => res.end(JSON.stringify({ fields: { description: 'Jira says {{.Body}} @team', points: 3 } })),
  '/echo': (req, res, body) => res.end(`${req.method} ${body}`),
  '/big': (_q, res) => res.end('é'.repeat(100)),
  '/missing': (_q, res) => {
    res.statusCode = 404;
    res.end('secret detail');
  },
  '/moved': (_q, res) => {
    res.statusCode = 302;
    res.setHeader('location', `${base}/echo`);
    res.end();
  },
  '/hang': () => undefined,
  '/text': (_q, res) => res.end('not json'),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      (routes[req.url!.split('?')[0]!] ?? ((_q, r) => ((r.statusCode = 500), r.end())))(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const item: WorkItem = { id: '42', number: 42, title: 'Crash {{.Body}}', body: 'b', url: 'u', labels: [], kind: 'Issue' };
const secrets: Record<string, Record<string, string>> = { jira: { authorization: 'Basic czNjcjN0' } };
const readSecret = async (name: string, key: string) => {
  const v = secrets[name]?.[key];
  if (v === undefined) throw new Error(`Secret ${name} has no key ${key}`);
  return v;
};
const http = (path: string, extra: Partial<NonNullable<ContextSource['http']>> = {}): NonNullable<ContextSource['http']> => ({
  url: `${base}${path}`,
  allowInsecure: true,
  ...extra,
});
const fetchOf = (sources: ContextSource[], ignored?: Array<[string, string]>) =>
  fetchContext(sources, templateVars(item), { readSecret, onIgnored: (s, e) => ignored?.push([s, e]) });

describe('fetchContext', () => {
  it('fetches every source with templated URLs and headers and Secret headers, filtered by JSONPath', async () => {
    received.length = 0;
    const got = await fetchOf([
      {
        name: 'jira',
        http: http('/issue/{{.Number}}', {
          headers: { 'X-Item': 'item-{{.ID}}', Authorization: 'overridden' },
          headersFrom: [{ header: 'Authorization', secretName: 'jira', secretKey: 'authorization' }],
          responseFilter: { type: 'JSONPath', expression: '$.fields.description' },
        }),
      },
      { name: 'points', http: http('/issue/42', { responseFilter: { type: 'JSONPath', expression: '$.fields.points' } }) },
      { name: 'posted', http: http('/echo', { method: 'POST', body: '{"n": {{.Number}}}' }) },
    ]);
    expect(got).toEqual({ values: { jira: 'Jira says {{.Body}} @team', points: '3', posted: 'POST {"n": 42}' } });
    const jira = received.find((r) => r.headers['x-item'])!;
    expect(jira.headers).toMatchObject({ 'x-item': 'item-42', authorization: 'Basic czNjcjN0' });
  });

  it('caps the body at maxResponseBytes, at a whole character', async () => {
    const got = await fetchOf([{ name: 'big', http: http('/big', { maxResponseBytes: 5 }) }]);
    expect(got).toEqual({ values: { big: 'éé' } });
  });

  const at = (path: string, extra: Partial<NonNullable<ContextSource['http']>> = {}) => ({ url: `BASE${path}`, allowInsecure: true, ...extra });
  it.each([
    ['an error status, without the body', at('/missing'), `GET ${'BASE'}/missing answered 404`],
    ['a redirect', at('/moved'), 'failed'],
    ['a timeout', at('/hang', { timeoutSeconds: 1 }), 'timed out after 1 s'],
    ['a body that is not JSON under a filter', at('/text', { responseFilter: { type: 'JSONPath', expression: '$.a' } }), 'did not answer JSON'],
    ['plain http without allowInsecure', { url: `${'BASE'}/echo` }, 'url must be https:// (http:// only with allowInsecure)'],
    ['a host chosen by the work item', at('/x', { url: 'http://{{.Title}}/x' }), 'url must name its host before any {{...}} action'],
    ['a Secret key that is missing', at('/echo', { headersFrom: [{ header: 'A', secretName: 'jira', secretKey: 'nope' }] }), 'Secret jira has no key nope'],
    ['a template that reads an unknown field', at('/{{.Nope}}'), 'contextSources[ctx].http.url'],
  ])('fails the item on %s (failurePolicy Fail)', async (_what, source, message) => {
    const resolved = { ...source, url: source.url.replace('BASE', base) };
    const got = await fetchOf([
      { name: 'ok', http: http('/echo') },
      { name: 'ctx', http: resolved },
    ]);
    expect(got).toMatchObject({ failed: 'ctx', error: expect.stringContaining(message.replace('BASE', base)) });
    expect(JSON.stringify(got)).not.toContain('secret detail');
  });

  it('gives "" for a failing source with failurePolicy Ignore, and says so', async () => {
    const ignored: Array<[string, string]> = [];
    const got = await fetchOf(
      [
        { name: 'gone', failurePolicy: 'Ignore', http: http('/missing') },
        { name: 'ok', http: http('/echo') },
      ],
      ignored,
    );
    expect(got).toEqual({ values: { gone: '', ok: 'GET ' } });
    expect(ignored).toEqual([['gone', expect.stringContaining('answered 404')]]);
  });
});

describe('buildTask with context', () => {
  const spawner = (promptTemplate: string, dependsOn?: string[]): TaskSpawner => ({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 's', namespace: 'n', uid: 'u' },
    spec: {
      when: { githubIssues: {} },
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, promptTemplate, branch: 'ctx-{{.Context.key}}', ...(dependsOn ? { dependsOn } : {}) },
    },
  });

  it('renders fetched values as data in the prompt and branch, never as template text', () => {
    const task = buildTask(spawner('{{.Title}}: {{.Context.jira}}'), item, 's-42', { jira: 'Jira says {{.Body}}', key: 'abc' });
    expect(task.spec.prompt).toBe('Crash {{.Body}}: Jira says {{.Body}}');
    expect(task.spec.branch).toBe('ctx-abc');
  });

  it('carries them with the other values when the controller renders the prompt (dependsOn)', () => {
    const task = buildTask(spawner('{{.Context.jira}}', ['setup']), item, 's-42', { jira: '{{.Deps}}', key: 'k' });
    expect(task.spec.prompt).toBe('{{.Context.jira}}');
    expect(JSON.parse(task.metadata.annotations!['kelos.dev/prompt-values']!)).toMatchObject({ Context: { jira: '{{.Deps}}', key: 'k' } });
  });
});
