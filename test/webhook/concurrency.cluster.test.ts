import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, TaskSpawner } from '../../lib/api/index.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, type TestNamespace } from '../cluster/harness.js';
import { clusterClient, explainFailures, startController, waitFor } from '../controller/_cluster.js';
import { genericDelivery, SECRET, sentryPayload } from './_deliveries.js';
import { createSpawner, type RunningServer, send, startWebhookServer, webhookServerClient } from './_servers.js';

// maxConcurrency on a webhook spawner: every delivery becomes a Task at once
// (none is dropped, unlike Kelos), and the controller runs at most
// maxConcurrency of them, the others Waiting, first created first served.

let admin: KubeClient;
let ns: TestNamespace;
let server: RunningServer;
let controller: Controller | undefined;
explainFailures(() => controller);

beforeAll(async () => {
  admin = await clusterClient();
  ns = await createNamespace('webhook-gate');
  await admin.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sentry-webhook-secret', namespace: ns.name },
    stringData: { WEBHOOK_SECRET: SECRET },
  } as never);
  const spawner: TaskSpawner = {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name: 'one-at-a-time', namespace: ns.name },
    spec: {
      when: { webhook: { source: 'sentry', fieldMapping: { id: '$.data.event.event_id', title: '$.data.event.title' } } },
      taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, promptTemplate: 'Fix {{.Title}}' },
      maxConcurrency: 1,
    },
  };
  await createSpawner(admin, spawner);
  const options = {
    namespace: ns.name,
    generic: { sentry: { secretName: 'sentry-webhook-secret', auth: { type: 'hmac' as const, header: 'X-Hub-Signature-256' } } },
  };
  server = await startWebhookServer(
    await webhookServerClient(admin, options),
    { namespace: ns.name, generic: new Map(Object.entries(options.generic)) },
    'webhook-gate',
  );
  controller = await startController(ns.name);
});

afterAll(async () => {
  await server?.close();
  await controller?.stop();
  await ns?.cleanup();
});

const tasks = async () => (await admin.list<Task>(resourcePath(Resources.tasks, { namespace: ns.name }))).items;

describe('maxConcurrency of a webhook spawner', () => {
  it('makes every delivery a Task at once and runs them one at a time', async () => {
    const names: string[] = [];
    for (const id of ['first', 'second', 'third']) {
      const answer = await send(server, genericDelivery('sentry', sentryPayload({ eventId: id, title: id })));
      expect(answer.status).toBe(200);
      names.push(answer.body.tasks![0]!.name);
    }
    expect((await tasks()).map((t) => t.metadata.name).sort()).toEqual([...names].sort());

    const waiting = await waitFor('the later Tasks waiting for the slot', async () => {
      const all = await tasks();
      const held = all.filter((t) => t.status?.phase === 'Waiting' && t.status.conditions?.some((c) => c.reason === 'WaitingForConcurrency'));
      return held.length === 2 ? all : undefined;
    });
    expect(waiting.filter((t) => t.status?.jobName)).toHaveLength(1);

    const done = await waitFor(
      'all three Tasks Succeeded',
      async () => {
        const all = await tasks();
        return all.length === 3 && all.every((t) => t.status?.phase === 'Succeeded') ? all : undefined;
      },
      120_000,
    );
    // One at a time: each run starts once the previous one has finished.
    const runs = done.map((t) => t.status!).sort((x, y) => Date.parse(x.startTime!) - Date.parse(y.startTime!));
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i]!.startTime!)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.completionTime!));
  });
});
