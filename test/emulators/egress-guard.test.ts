import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackServer } from './_http.js';
import { EgressGuard } from './egress-guard.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A plain proxied GET: the absolute URL as the request target. */
function proxiedGet(proxy: string, url: string): Promise<{ status: number; body: string }> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = request({ host: p.hostname, port: p.port, path: url, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status line a CONNECT gets. */
function connectStatus(proxy: string, target: string): Promise<string> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(p.port), p.hostname, () => socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`));
    socket.once('data', (d) => {
      resolve(d.toString('utf8').split('\r\n')[0]!);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('egress guard', () => {
  it('forwards loopback destinations and refuses and records any other', async () => {
    const upstream = await LoopbackServer.listen((_req, res) => {
      res.writeHead(200).end('from loopback');
    });
    cleanups.push(() => upstream.close());
    const guard = await EgressGuard.start();
    cleanups.push(() => guard.close());
    const port = new URL(upstream.url).port;

    expect(await proxiedGet(guard.url, `${upstream.url}/x`)).toEqual({ status: 200, body: 'from loopback' });
    expect(await connectStatus(guard.url, `127.0.0.1:${port}`)).toBe('HTTP/1.1 200 Connection Established');
    expect((await proxiedGet(guard.url, 'http://example.com/')).status).toBe(403);
    expect(await connectStatus(guard.url, 'api.openai.com:443')).toBe('HTTP/1.1 403 Forbidden');

    expect(guard.refused).toEqual([
      { method: 'GET', target: 'example.com:80' },
      { method: 'CONNECT', target: 'api.openai.com:443' },
    ]);
    expect(guard.forwarded).toEqual([
      { method: 'GET', target: `127.0.0.1:${port}` },
      { method: 'CONNECT', target: `127.0.0.1:${port}` },
    ]);
    expect(guard.env()).toMatchObject({ HTTPS_PROXY: guard.url, https_proxy: guard.url, NO_PROXY: '' });
  });
});
