import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Task, TaskSpawner } from '../../lib/api/index.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import type { WebhookServerInstallOptions } from '../../lib/render/webhook-server.js';
import { createNamespace, type TestNamespace } from '../cluster/harness.js';
import { clusterClient } from '../controller/_cluster.js';
import {
  commentPayload,
  fixtureSpawner,
  genericDelivery,
  githubDelivery,
  issuePayload,
  linearDelivery,
  linearIssuePayload,
  SECRET,
  sentryPayload,
  slackDelivery,
  slackMention,
} from './_deliveries.js';
import { createSpawner, type RunningServer, send, startWebhookServer, webhookServerClient } from './_servers.js';

// Two webhook servers of one namespace, in process on loopback, each as the
// ServiceAccount of the rendered Role, against the real apiserver: a delivery
// is answered 2xx only once its Task exists, and however often it arrives, at
// whichever replica, it is one Task.

let admin: KubeClient;
let ns: TestNamespace;
let a: RunningServer;
let b: RunningServer;
let options: WebhookServerInstallOptions;
// A context endpoint on loopback for the contextSources of a webhook spawner.
let contextServer: Server;
let contextUrl: string;
let contextUp = true;
const contextRequests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

const tasksPath = () => resourcePath(Resources.tasks, { namespace: ns.name });
const tasksOf = async (spawner: string) => (await admin.list<Task>(tasksPath(), { labelSelector: `kelos.dev/taskspawner=${spawner}` })).items;
const allTasks = async () => (await admin.list<Task>(tasksPath())).items.length;

const slackSpawner = (): TaskSpawner => {
  const s = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml');
  return {
    ...s,
    metadata: { name: 'slack-helper' },
    spec: {
      ...s.spec,
      when: { slack: { channels: ['C0123456789'] } },
      taskTemplate: { ...s.spec.taskTemplate, branch: undefined, promptTemplate: '{{.Body}} ({{.URL}})' },
    },
  } as TaskSpawner;
};

beforeAll(async () => {
  admin = await clusterClient();
  ns = await createNamespace('webhook');
  for (const [name, key] of [
    ['github-webhook-secret', 'WEBHOOK_SECRET'],
    ['linear-webhook-secret', 'WEBHOOK_SECRET'],
    ['slack-signing-secret', 'SLACK_SIGNING_SECRET'],
    ['sentry-webhook-secret', 'WEBHOOK_SECRET'],
  ] as const) {
    await admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns.name }, stringData: { [key]: SECRET } } as never);
  }
  for (const file of [
    'examples/10-taskspawner-github-webhook/taskspawner.yaml',
    'examples/11-taskspawner-linear-webhook/taskspawner.yaml',
    'examples/13-taskspawner-generic-webhook/taskspawner.yaml',
    'self-development-webhooks/kelos-workers.yaml',
  ]) {
    await createSpawner(admin, fixtureSpawner(file, ns.name));
  }
  await createSpawner(admin, { ...slackSpawner(), metadata: { name: 'slack-helper', namespace: ns.name } });
  await admin.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tracker-token', namespace: ns.name },
    stringData: { token: 'Bearer tr4ck3r' },
  } as never);
  // The admission policy (when another test installed it) admits contextSources' Secrets the namespace allows.
  await admin.mergePatch(resourcePath(Resources.namespaces, { name: ns.name }), { metadata: { annotations: { 'kelos.dev/agent-secrets': 'tracker-token' } } });
  contextServer = createServer((req, res) => {
    contextRequests.push({ url: req.url!, headers: req.headers });
    res.statusCode = contextUp ? 200 : 503;
    res.end(contextUp ? JSON.stringify({ owner: 'team-payments' }) : 'down');
  });
  await new Promise<void>((r) => contextServer.listen(0, '127.0.0.1', r));
  contextUrl = `http://127.0.0.1:${(contextServer.address() as AddressInfo).port}`;
  options = {
    contextSecrets: ['tracker-token'],
    namespace: ns.name,
    github: { secretName: 'github-webhook-secret' },
    linear: { secretName: 'linear-webhook-secret' },
    slack: { secretName: 'slack-signing-secret' },
    generic: { sentry: { secretName: 'sentry-webhook-secret', auth: { type: 'hmac', header: 'X-Hub-Signature-256' } } },
  };
  const client = await webhookServerClient(admin, options);
  const config = {
    namespace: ns.name,
    github: options.github,
    linear: options.linear,
    slack: options.slack,
    generic: new Map(Object.entries(options.generic!)),
    maxBodyBytes: 64 * 1024,
  };
  a = await startWebhookServer(client, config, 'webhook-a');
  b = await startWebhookServer(client, config, 'webhook-b');
});

afterAll(async () => {
  contextServer?.closeAllConnections();
  contextServer?.close();
  await a?.close();
  await b?.close();
  await ns?.cleanup();
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    for (const s of [a, b]) {
      if (!s) continue;
      const lines = readFileSync(s.logFile, 'utf8').trimEnd().split('\n').slice(-15);
      console.error(`${s.logFile}:\n${lines.map((l) => `  ${l.slice(0, 400)}`).join('\n')}`);
    }
  });
});

describe('a signed delivery', () => {
  it('is answered 200 once its Task exists', async () => {
    const answer = await send(a, githubDelivery('issues', issuePayload({ number: 101 })));
    expect(answer.status).toBe(200);
    expect(answer.body.tasks).toEqual([{ name: expect.stringMatching(/^github-webhook-responder-issues-[0-9a-f]{12}$/), created: true }]);
    const task = await admin.get<Task>(resourcePath(Resources.tasks, { namespace: ns.name, name: answer.body.tasks![0]!.name }));
    expect(task?.spec.prompt).toBe('GitHub issues (opened) from @reporter\nTitle: Crash on start\nTriage this issue.\n');
    expect(task?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'TaskSpawner', name: 'github-webhook-responder', controller: true });
  });

  it('of each source becomes a Task: Linear, Slack and generic', async () => {
    const linear = await send(b, linearDelivery(linearIssuePayload({ id: randomUUID() })));
    const slack = await send(a, slackDelivery(slackMention({ ts: '1767322801.000200' })));
    const generic = await send(b, genericDelivery('sentry', sentryPayload({ eventId: randomUUID() })));
    for (const answer of [linear, slack, generic]) {
      expect(answer.status).toBe(200);
      expect(answer.body.tasks).toHaveLength(1);
      expect(answer.body.tasks![0]!.created).toBe(true);
    }
    expect((await tasksOf('slack-helper'))[0]?.spec.prompt).toBe('please fix the flaky login test (https://slack.com/archives/C0123456789/p1767322801000200)');
  });

  it('that matches no spawner is answered 200 and creates nothing', async () => {
    const before = await allTasks();
    const answer = await send(a, githubDelivery('issues', issuePayload({ action: 'closed' })));
    expect(answer).toEqual({ status: 200, body: { tasks: [] } });
    expect(await allTasks()).toBe(before);
  });

  it("answers Slack's URL check with its challenge", async () => {
    expect(await send(a, slackDelivery({ type: 'url_verification', challenge: 'c-123' }))).toEqual({ status: 200, body: { challenge: 'c-123' } });
  });
});

describe('never a duplicate', () => {
  it('makes a redelivery, to either replica, create nothing new', async () => {
    const d = githubDelivery('issue_comment', {
      ...commentPayload({ body: '/kelos pick-up', number: 77 }),
      repository: { full_name: 'kelos-ts/kelos', name: 'kelos', owner: { login: 'kelos-ts' } },
    });
    const first = await send(a, d);
    expect(first.status).toBe(200);
    expect(first.body.tasks).toEqual([{ name: expect.any(String), created: true }]);
    const again = await send(a, d);
    const elsewhere = await send(b, d);
    expect(again).toEqual({ status: 200, body: { tasks: [{ name: first.body.tasks![0]!.name, created: false }] } });
    expect(elsewhere).toEqual(again);
    expect((await tasksOf('kelos-workers')).map((t) => t.metadata.name)).toEqual([first.body.tasks![0]!.name]);
  });

  it('makes one Task of a delivery that reaches both replicas at once', async () => {
    for (let i = 0; i < 10; i++) {
      const d = genericDelivery('sentry', sentryPayload({ eventId: `both-${i}` }));
      const answers = await Promise.all([send(a, d), send(b, d)]);
      expect(answers.map((x) => x.status)).toEqual([200, 200]);
      const names = new Set(answers.flatMap((x) => x.body.tasks!.map((t) => t.name)));
      expect(names.size).toBe(1);
      expect(answers.flatMap((x) => x.body.tasks!.map((t) => t.created)).sort()).toEqual([false, true]);
    }
    const tasks = await tasksOf('error-responder');
    for (let i = 0; i < 10; i++) expect(tasks.filter((t) => t.spec.branch === `error-both-${i}`)).toHaveLength(1);
  });
});

describe('a delivery that is not authentic', () => {
  it('is refused with 401 or 403 for each source, and creates nothing', async () => {
    const before = await allTasks();
    const replayed = githubDelivery('issues', issuePayload({ number: 202 }), { delivery: 'original-guid' });
    expect((await send(a, replayed)).status).toBe(200);
    const cases = [
      ['GitHub, bad signature', githubDelivery('issues', issuePayload({ number: 203 }), { secret: 'guessed' }), 401],
      ['GitHub, replayed body under a new delivery id', { ...replayed, headers: { ...replayed.headers, 'x-github-delivery': 'attacker-guid' } }, 403],
      ['Linear, bad signature', linearDelivery(linearIssuePayload({ id: randomUUID() }), { secret: 'guessed' }), 401],
      ['Linear, old webhookTimestamp', linearDelivery(linearIssuePayload({ id: randomUUID() }), { timestamp: Date.now() - 10 * 60_000 }), 403],
      ['Slack, bad signature', slackDelivery(slackMention({ ts: '1767322802.000300' }), { secret: 'guessed' }), 401],
      ['Slack, old timestamp', slackDelivery(slackMention({ ts: '1767322803.000400' }), { timestampSeconds: Math.floor(Date.now() / 1000) - 600 }), 403],
      ['generic, bad signature', genericDelivery('sentry', sentryPayload({ eventId: randomUUID() }), { secret: 'guessed' }), 401],
      ['generic, unsigned', { ...genericDelivery('sentry', sentryPayload({ eventId: randomUUID() })), headers: { 'content-type': 'application/json' } }, 401],
    ] as const;
    for (const [what, delivery, status] of cases) {
      const answer = await send(b, delivery);
      expect({ what, status: answer.status }).toEqual({ what, status });
    }
    expect(await allTasks()).toBe(before + 1);
  });
});

describe('requests that are not deliveries', () => {
  it('are answered 404 (unknown route), 405 (not POST), 413 (too large) and 400 (not JSON)', async () => {
    const before = await allTasks();
    expect((await send(a, genericDelivery('pagerduty', {}))).status).toBe(404);
    expect((await send(a, { path: '/metrics', headers: {}, body: Buffer.alloc(0) })).status).toBe(404);
    expect((await send(a, githubDelivery('issues', issuePayload()), { method: 'GET' })).status).toBe(405);
    expect((await send(a, githubDelivery('issues', issuePayload({ body: 'x'.repeat(70 * 1024) })))).status).toBe(413);
    expect((await send(a, githubDelivery('issues', undefined, { body: '{"not json' }))).status).toBe(400);
    expect(await allTasks()).toBe(before);
  });
});

describe('a delivery whose Task cannot be made', () => {
  it('is answered 422 naming the spawner when the template renders an invalid branch', async () => {
    const s = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml', ns.name);
    await createSpawner(admin, {
      ...s,
      metadata: { ...s.metadata, name: 'branch-from-title' },
      spec: {
        ...s.spec,
        when: { webhook: { ...s.spec.when.webhook!, source: 'sentry', filters: [{ field: '$.data.event.level', value: 'fatal' }] } },
        taskTemplate: { ...s.spec.taskTemplate, branch: '{{.Title}}' },
      },
    });
    await waitForSpawner(a, 'branch-from-title');
    const answer = await send(a, genericDelivery('sentry', sentryPayload({ level: 'fatal', title: '--upload-pack=touch /tmp/x', eventId: randomUUID() })));
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.stringMatching(/^TaskSpawner branch-from-title: branch "--upload-pack=touch \/tmp\/x" is not a valid git branch name: it starts with "-"/),
    ]);
    expect(await tasksOf('branch-from-title')).toEqual([]);
  });

  it('is answered 503 while the apiserver refuses the Task, and becomes one Task when redelivered', async () => {
    const limited = await webhookServerClient(admin, options, {
      name: 'webhook-server-without-create',
      rules: (rules) => rules.map((r) => (r.resources?.includes('tasks') ? { ...r, verbs: ['get'] } : r)),
    });
    const c = await startWebhookServer(limited, { namespace: ns.name, generic: new Map(Object.entries(options.generic!)) }, 'webhook-limited');
    try {
      const d = genericDelivery('sentry', sentryPayload({ eventId: 'retry-me' }));
      const refused = await send(c, d);
      expect(refused.status).toBe(503);
      expect(await tasksOf('error-responder').then((t) => t.filter((x) => x.spec.branch === 'error-retry-me'))).toEqual([]);
      const retried = await send(a, d);
      expect(retried.status).toBe(200);
      expect((await tasksOf('error-responder')).filter((x) => x.spec.branch === 'error-retry-me')).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it("is answered 503 when the route's Secret is missing", async () => {
    const c = await startWebhookServer(admin, { namespace: ns.name, github: { secretName: 'no-such-secret' } }, 'webhook-nosecret');
    try {
      expect((await send(c, githubDelivery('issues', issuePayload({ number: 303 })))).status).toBe(503);
    } finally {
      await c.close();
    }
  });
});

describe('a webhook spawner with contextSources', () => {
  it('gets .Context, with a header from a Secret its Role names; a source that fails is answered 503, and the redelivery makes the Task', async () => {
    const s = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml', ns.name);
    await createSpawner(admin, {
      ...s,
      metadata: { ...s.metadata, name: 'with-context' },
      spec: {
        ...s.spec,
        when: { webhook: { ...s.spec.when.webhook!, source: 'sentry', filters: [{ field: '$.data.event.level', value: 'warning' }] } },
        taskTemplate: {
          ...s.spec.taskTemplate,
          branch: undefined,
          promptTemplate: 'Owner: {{.Context.owner}}; {{.Title}}',
          contextSources: [
            {
              name: 'owner',
              http: {
                url: `${contextUrl}/owners/{{.ID}}`,
                allowInsecure: true,
                headersFrom: [{ header: 'Authorization', secretName: 'tracker-token', secretKey: 'token' }],
                responseFilter: { type: 'JSONPath', expression: '$.owner' },
              },
            },
          ],
        },
      },
    });
    await waitForSpawner(a, 'with-context');
    await waitForSpawner(b, 'with-context');
    contextRequests.length = 0;
    const d = genericDelivery('sentry', sentryPayload({ level: 'warning', title: 'Slow checkout', eventId: 'ctx-1' }));
    contextUp = false;
    const refused = await send(a, d);
    expect(refused.status).toBe(503);
    expect(refused.body.errors).toEqual(['TaskSpawner with-context: context source owner failed; retry']);
    expect(await tasksOf('with-context')).toEqual([]);
    contextUp = true;
    const retried = await send(b, d);
    expect(retried.status).toBe(200);
    const tasks = await tasksOf('with-context');
    expect(tasks.map((t) => t.spec.prompt)).toEqual(['Owner: team-payments; Slow checkout']);
    expect(contextRequests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/owners/ctx-1', 'Bearer tr4ck3r'],
      ['/owners/ctx-1', 'Bearer tr4ck3r'],
    ]);
  });
});

describe('maxTotalTasks', () => {
  it('stops creating Tasks at the cap, counting in status.totalTasksCreated across replicas', async () => {
    const s = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml', ns.name);
    await createSpawner(admin, {
      ...s,
      metadata: { ...s.metadata, name: 'capped' },
      spec: {
        ...s.spec,
        maxTotalTasks: 3,
        when: {
          webhook: {
            source: 'sentry',
            fieldMapping: { id: '$.data.event.event_id', level: '$.data.event.level' },
            filters: [{ field: '$.data.event.level', value: 'capped' }],
          },
        },
      },
    });
    await waitForSpawner(a, 'capped');
    await waitForSpawner(b, 'capped');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(i % 2 ? a : b, genericDelivery('sentry', sentryPayload({ level: 'capped', eventId: `cap-${i}` })))),
    );
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.flatMap((x) => x.body.errors ?? [])).toEqual(Array(3).fill('TaskSpawner capped: maxTotalTasks (3) reached'));
    expect(await tasksOf('capped')).toHaveLength(3);
    const stored = await admin.get<TaskSpawner>(resourcePath(Resources.taskSpawners, { namespace: ns.name, name: 'capped' }));
    expect(stored?.status?.totalTasksCreated).toBe(3);
  });
});

describe('a burst', () => {
  it('of 1,000 deliveries over both replicas loses none', async () => {
    const s = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml', ns.name);
    await createSpawner(admin, {
      ...s,
      metadata: { ...s.metadata, name: 'burst' },
      spec: {
        ...s.spec,
        when: {
          webhook: {
            source: 'sentry',
            fieldMapping: { id: '$.data.event.event_id', level: '$.data.event.level' },
            filters: [{ field: '$.data.event.level', value: 'burst' }],
          },
        },
      },
    });
    await waitForSpawner(a, 'burst');
    await waitForSpawner(b, 'burst');
    const deliveries = Array.from({ length: 1000 }, (_, i) => genericDelivery('sentry', sentryPayload({ level: 'burst', eventId: `burst-${i}` })));
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async (_, w) => {
        while (next < deliveries.length) {
          const i = next++;
          statuses[i] = (await send(w % 2 ? a : b, deliveries[i]!)).status;
        }
      }),
    );
    expect(statuses.filter((x) => x === 200)).toHaveLength(1000);
    expect(await tasksOf('burst')).toHaveLength(1000);
  });
});

/** Waits until a server's TaskSpawner cache shows `name` (the watch delivers it shortly after creation). */
async function waitForSpawner(s: RunningServer, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  // The only window a test can observe: deliveries before the watch delivered the spawner match nothing.
  while (Date.now() < deadline) {
    if ((s.server as unknown as { spawners: { get(ns: string, n: string): unknown } }).spawners.get(ns.name, name)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the webhook server did not see TaskSpawner ${name} within 30 s`);
}
