import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Informer } from '../../lib/kube/informer.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { isAlreadyExists, isInvalid, KubeError } from '../../lib/kube/kube-error.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeconfigPath, type TestNamespace, waitFor } from '../cluster/harness.js';

let ns: TestNamespace;
let client: KubeClient;

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels: Record<string, string> = { app: 'test' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns.name, labels },
  data,
});

beforeAll(async () => {
  client = await KubeClient.fromKubeconfig(kubeconfigPath());
  ns = await createNamespace('kube-client');
});

afterAll(async () => {
  await ns?.cleanup();
  client?.close();
});

describe('KubeClient', () => {
  it('creates, applies under the field manager, reads and deletes', async () => {
    await client.create(cm('one'));
    await expect(client.create(cm('one'))).rejects.toSatisfy(isAlreadyExists);
    const applied = await client.apply<V1ConfigMap>(cm('one', { a: '2', b: '3' }));
    expect(applied.data).toEqual({ a: '2', b: '3' });
    const managers = (applied.metadata as { managedFields?: Array<{ manager: string; operation: string }> }).managedFields!;
    expect(managers).toContainEqual(expect.objectContaining({ manager: 'kelos', operation: 'Apply' }));
    const path = resourcePath(Resources.configMaps, { namespace: ns.name, name: 'one' });
    expect((await client.get<V1ConfigMap>(path))?.data?.b).toBe('3');
    expect(await client.delete(path)).toBe(true);
    expect(await client.delete(path)).toBe(false);
    expect(await client.get(path)).toBeUndefined();
  });

  it('reports the Status reason and message of a rejected request', async () => {
    const err = await client.create(cm('Not_A_Name')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(isInvalid(err)).toBe(true);
    expect((err as KubeError).message).toMatch(/Not_A_Name/);
  });
});

describe('Informer', () => {
  it('lists in pages, then follows adds, updates and deletes', async () => {
    for (let i = 0; i < 12; i++) await client.create(cm(`pre-${i}`));
    await client.create(cm('other', {}, { app: 'other' }));
    const seen: string[] = [];
    const inf = new Informer<V1ConfigMap>(client, {
      path: resourcePath(Resources.configMaps, { namespace: ns.name }),
      labelSelector: 'app=test',
      pageSize: 5,
    });
    inf.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
    inf.on('update', (o, old) => seen.push(`update ${o.metadata!.name} ${old?.data?.a}->${o.data?.a}`));
    inf.on('delete', (o) => seen.push(`delete ${o.metadata!.name}`));
    inf.start();
    await inf.synced();
    expect(inf.size).toBe(12);
    expect(inf.get(ns.name, 'other')).toBeUndefined();
    expect((inf.get(ns.name, 'pre-3') as { metadata: { managedFields?: unknown } }).metadata.managedFields).toBeUndefined();

    await client.create(cm('late'));
    await client.apply(cm('pre-0', { a: '9' }));
    await client.delete(resourcePath(Resources.configMaps, { namespace: ns.name, name: 'pre-1' }));
    await waitFor('the watch events', async () => seen.includes('delete pre-1') && seen.includes('add late') && seen.some((s) => s.startsWith('update pre-0')));
    expect(seen).toContain('update pre-0 1->9');
    expect(inf.get(ns.name, 'pre-1')).toBeUndefined();
    expect(inf.namespace(ns.name).size).toBe(12);
    inf.stop();
  });

  it('keeps its indexes in step with the store, before handlers run', async () => {
    const byGroup = (o: V1ConfigMap) => (o.metadata?.labels?.group ? [o.metadata.labels.group] : []);
    await client.create(cm('ix-a', {}, { app: 'ix', group: 'g1' }));
    await client.create(cm('ix-b', {}, { app: 'ix', group: 'g1' }));
    await client.create(cm('ix-c', {}, { app: 'ix' }));
    const inf = new Informer<V1ConfigMap>(client, {
      path: resourcePath(Resources.configMaps, { namespace: ns.name }),
      labelSelector: 'app=ix',
      indexes: { group: byGroup },
    });
    const names = (key: string) =>
      inf
        .byIndex('group', key)
        .map((o) => o.metadata!.name!)
        .sort();
    const seenInHandler: string[][] = [];
    inf.on('update', () => seenInHandler.push(names('g2')));
    inf.start();
    await inf.synced();
    expect(names('g1')).toEqual(['ix-a', 'ix-b']);
    expect(names('g2')).toEqual([]);
    expect(() => inf.byIndex('nope', 'g1')).toThrow('no index "nope"');

    await client.apply(cm('ix-b', {}, { app: 'ix', group: 'g2' }));
    await client.delete(resourcePath(Resources.configMaps, { namespace: ns.name, name: 'ix-a' }));
    await client.apply(cm('ix-c', {}, { app: 'ix', group: 'g2' }));
    await waitFor('the index to follow', async () => names('g2').length === 2 && names('g1').length === 0);
    expect(seenInHandler[0]).toEqual(['ix-b']);
    inf.stop();
  });

  it('resumes a watch that stays silent past its idle timeout, from where it was', async () => {
    await client.create(cm('quiet-a', {}, { app: 'quiet' }));
    const seen: string[] = [];
    const inf = new Informer<V1ConfigMap>(client, {
      path: resourcePath(Resources.configMaps, { namespace: ns.name }),
      labelSelector: 'app=quiet',
      // No bookmark comes within 400 ms: every watch is taken for dead and resumed.
      watchIdleTimeoutMs: 400,
    });
    inf.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
    inf.start();
    await inf.synced();
    await waitFor('three watches', async () => inf.stats().watches >= 3);
    expect(inf.stats().relists).toBe(1);
    await client.create(cm('quiet-b', {}, { app: 'quiet' }));
    await waitFor('the add after resumed watches', async () => seen.includes('add quiet-b'));
    expect(seen).toEqual(['add quiet-a', 'add quiet-b']);
    expect(inf.stats().relists).toBe(1);
    inf.stop();
  });

  it('lists again periodically and delivers what a watch dropped', async () => {
    // A loopback proxy in front of the real apiserver whose watch streams drop
    // every event of one object, as a watch cache that lost events would.
    const proxy = createServer((req, res) => {
      const url = new URL(req.url!, 'http://proxy');
      const query = Object.fromEntries(url.searchParams);
      if (query.watch !== 'true') {
        client.request('GET', url.pathname, { query }).then(
          (body) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body),
          (err: KubeError) => res.writeHead(err.statusCode ?? 500).end(),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const { watch: _, allowWatchBookmarks: __, ...rest } = query;
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      client
        .watch<V1ConfigMap>(
          url.pathname,
          rest,
          (e) => {
            if (e.object.metadata?.name !== 'dropped') res.write(`${JSON.stringify(e)}\n`);
          },
          abort.signal,
        )
        .finally(() => res.end());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const viaProxy = await KubeClient.fromConnection({ server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    const seen: string[] = [];
    const inf = new Informer<V1ConfigMap>(viaProxy, {
      path: resourcePath(Resources.configMaps, { namespace: ns.name }),
      labelSelector: 'app=lossy',
      relistIntervalMs: 1000,
    });
    inf.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
    inf.on('update', (o) => seen.push(`update ${o.metadata!.name} ${o.data?.a}`));
    try {
      inf.start();
      await inf.synced();
      await client.create(cm('dropped', { a: '1' }, { app: 'lossy' }));
      // Delivered: the watch is then past the version of the event it dropped.
      await client.create(cm('kept', { a: '1' }, { app: 'lossy' }));
      await waitFor('the dropped object, from a periodic list', async () => !!inf.get(ns.name, 'dropped'));
      await client.apply(cm('dropped', { a: '2' }, { app: 'lossy' }));
      await client.apply(cm('kept', { a: '2' }, { app: 'lossy' }));
      await waitFor('its update, from a later list', async () => inf.get(ns.name, 'dropped')?.data?.a === '2');
      expect(seen.filter((e) => e.includes('dropped'))).toEqual(['add dropped', 'update dropped 2']);
      expect(seen.filter((e) => e.includes('kept'))).toEqual(['add kept', 'update kept 2']);
      // A list that ran between the two writes of a step counts that step as a race, not a miss.
      expect(inf.stats().missedByWatch).toBeGreaterThanOrEqual(1);
    } finally {
      inf.stop();
      viaProxy.close();
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('keeps watching past an event it cannot file, and logs it', async () => {
    const errors: string[] = [];
    const logger = { debug: () => {}, warn: () => {}, error: (o: { type: string }, msg: string) => errors.push(`${msg}: ${o.type}`) };
    const inf = new Informer<V1ConfigMap>(client, {
      path: resourcePath(Resources.configMaps, { namespace: ns.name }),
      labelSelector: 'app=poison',
      // An index function that throws on one object (a bug) must not stall the informer on it.
      indexes: { bad: (o) => (o.metadata?.name === 'poison-1' ? (null as unknown as string[]) : []) },
      logger: logger as never,
    });
    inf.start();
    await inf.synced();
    await client.create(cm('poison-1', {}, { app: 'poison' }));
    await client.create(cm('poison-2', {}, { app: 'poison' }));
    await waitFor('the event after the bad one', async () => !!inf.get(ns.name, 'poison-2'));
    expect(errors).toEqual(['Could not apply a watch event: ADDED']);
    expect(inf.stats().relists).toBe(1);
    inf.stop();
  });
});
