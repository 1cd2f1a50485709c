import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../lib/kube/kube-client.js';

// Deadlines of KubeClient against a loopback HTTP server that misbehaves on
// purpose: answers that never come, bodies that never end.

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<KubeClient> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return KubeClient.fromConnection({ server: `http://127.0.0.1:${port}` });
}

describe('KubeClient deadlines', () => {
  it('gives up on an answer that never comes', async () => {
    const client = await serve(() => {});
    await expect(client.request('GET', '/api/v1/namespaces', { timeoutMs: 200 })).rejects.toThrow('GET /api/v1/namespaces timed out after 200 ms');
    client.close();
  });

  it('gives up on a body that keeps trickling past the deadline', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const t = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(t));
    });
    await expect(client.request('GET', '/api/v1/pods', { timeoutMs: 300 })).rejects.toThrow('GET /api/v1/pods timed out after 300 ms');
    client.close();
  });

  it("lets the caller abort, with the caller's reason rather than a timeout", async () => {
    const client = await serve(() => {});
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const err = await client.request('GET', '/api/v1/nodes', { signal: abort.signal, timeoutMs: 10_000 }).catch((e: Error) => e);
    expect((err as Error).name).toBe('AbortError');
    client.close();
  });

  it('answers normally within the deadline', async () => {
    const client = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"NamespaceList","items":[]}'));
    expect(await client.json('GET', '/api/v1/namespaces', { timeoutMs: 5000 })).toEqual({ kind: 'NamespaceList', items: [] });
    client.close();
  });
});
