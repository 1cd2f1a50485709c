// The contextSources of webhook spawners: planDelivery, then resolveContext
// against a context endpoint on loopback, as the server does per delivery.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextSource, TaskSpawner } from '../../lib/api/index.js';
import { resolveContext, WEBHOOK_CONTEXT_TIMEOUT_SECONDS } from '../../lib/webhook/context.js';
import { planDelivery } from '../../lib/webhook/delivery.js';
import { fixtureSpawner, githubDelivery, issuePayload, SECRET } from './_deliveries.js';

let server: Server;
let base: string;
const received: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ url: req.url!, headers: req.headers });
    const path = req.url!.split('?')[0]!;
    if (path.startsWith('/issues/')) res.end(JSON.stringify({ owner: 'team-{{.Title}}', number: path.slice(8) }));
    else if (path === '/hang') return;
    else {
      res.statusCode = 500;
      res.end('internal detail');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const example10 = fixtureSpawner('examples/10-taskspawner-github-webhook/taskspawner.yaml');
const secrets: Record<string, Record<string, string>> = { tracker: { token: 'Bearer s3cr3t' } };
const readSecret = async (name: string, key: string) => {
  const v = secrets[name]?.[key];
  if (v === undefined) throw new Error(`Secret ${name} has no key ${key}`);
  return v;
};

function withContext(sources: ContextSource[], prompt = 'Owner: {{.Context.owner}}; {{.Title}}'): TaskSpawner {
  const s = structuredClone(example10);
  s.spec.taskTemplate.contextSources = sources;
  s.spec.taskTemplate.promptTemplate = prompt;
  return s;
}

const owner = (extra: Partial<NonNullable<ContextSource['http']>> = {}): ContextSource => ({
  name: 'owner',
  http: { url: `${base}/issues/{{.Number}}`, allowInsecure: true, responseFilter: { type: 'JSONPath', expression: '$.owner' }, ...extra },
});

function planned(spawners: TaskSpawner[]) {
  const d = githubDelivery('issues', issuePayload({ labels: ['bug'] }), { delivery: 'guid-ctx' });
  const p = planDelivery({ route: { kind: 'github' }, headers: d.headers, body: d.body, secret: SECRET, now: Date.now(), spawners });
  if (p.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(p)}`);
  return p;
}

describe('a webhook spawner with contextSources', () => {
  it('is planned apart, and gets .Context, as data, with a Secret header, once fetched', async () => {
    received.length = 0;
    const p = planned([withContext([owner({ headersFrom: [{ header: 'Authorization', secretName: 'tracker', secretKey: 'token' }] })])]);
    expect(p.creates).toEqual([]);
    expect(p.contextual).toHaveLength(1);
    const r = await resolveContext(p.contextual, { readSecret });
    expect(r.failures).toEqual([]);
    expect(r.unavailable).toEqual([]);
    expect(r.creates).toHaveLength(1);
    const task = r.creates[0]!.task;
    // The fetched "{{.Title}}" stays text: context is never parsed as a template.
    expect(task.spec.prompt).toBe('Owner: team-{{.Title}}; Crash on start');
    expect(task.metadata.name).toBe(p.contextual[0]!.name);
    expect(received.map((x) => x.url)).toEqual(['/issues/42']);
    expect(received[0]!.headers.authorization).toBe('Bearer s3cr3t');
  });

  it('under failurePolicy Fail leaves its Task unmade and unavailable (503), naming the spawner and source but not the URL', async () => {
    const p = planned([withContext([owner({ url: `${base}/fails` })])]);
    const r = await resolveContext(p.contextual, { readSecret });
    expect(r.creates).toEqual([]);
    expect(r.unavailable).toEqual([
      {
        name: p.contextual[0]!.name,
        message: 'TaskSpawner github-webhook-responder: context source owner failed; retry',
        error: `GET ${base}/fails answered 500`,
      },
    ]);
  });

  it('fails a Secret header it cannot read, without a request', async () => {
    received.length = 0;
    const p = planned([withContext([owner({ headersFrom: [{ header: 'Authorization', secretName: 'other', secretKey: 'token' }] })])]);
    const r = await resolveContext(p.contextual, { readSecret });
    expect(r.unavailable.map((u) => u.error)).toEqual(['Secret other has no key token']);
    expect(received).toEqual([]);
  });

  it('under failurePolicy Ignore gets "" and its Task is made', async () => {
    const ignored: string[] = [];
    const p = planned([withContext([{ ...owner({ url: `${base}/fails` }), failurePolicy: 'Ignore' }])]);
    const r = await resolveContext(p.contextual, { readSecret, onIgnored: (s) => ignored.push(s) });
    expect(r.unavailable).toEqual([]);
    expect(r.creates.map((c) => c.task.spec.prompt)).toEqual(['Owner: ; Crash on start']);
    expect(ignored).toEqual(['owner']);
  });

  it("caps every source's timeout, so the answer comes within a sender's deadline", async () => {
    expect(WEBHOOK_CONTEXT_TIMEOUT_SECONDS).toBeLessThan(10);
    const p = planned([withContext([owner({ url: `${base}/hang`, timeoutSeconds: 60 })])]);
    const r = await resolveContext(p.contextual, { readSecret, maxTimeoutSeconds: 1 });
    expect(r.unavailable.map((u) => u.error)).toEqual([`GET ${base}/hang timed out after 1 s`]);
  });

  it('with dependsOn carries .Context in the prompt values the controller renders, the prompt unrendered', async () => {
    const s = withContext([owner()]);
    s.spec.taskTemplate.dependsOn = ['setup'];
    const r = await resolveContext(planned([s]).contextual, { readSecret });
    const task = r.creates[0]!.task;
    expect(task.spec.prompt).toBe('Owner: {{.Context.owner}}; {{.Title}}');
    expect(JSON.parse(task.metadata.annotations!['kelos.dev/prompt-values']!)).toMatchObject({
      Context: { owner: 'team-{{.Title}}' },
      Title: 'Crash on start',
    });
  });

  it('whose template then fails is a failure (422), and a spawner without sources is planned as before', async () => {
    const p = planned([withContext([owner()], 'Owner: {{.Context.owner.nope}}'), example10]);
    expect(p.creates.map((c) => c.spawner.metadata.name)).toEqual(['github-webhook-responder']);
    const r = await resolveContext(p.contextual, { readSecret });
    expect(r.creates).toEqual([]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatch(/^TaskSpawner github-webhook-responder: promptTemplate: /);
  });
});
