import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, listen, metricsServer, parseListenAddress } from '../../lib/http/endpoints.js';

describe('parseListenAddress', () => {
  it.each([
    [':8080', { port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '[::1]', port: 9090 }],
  ])('reads %s', (addr, want) => {
    expect(parseListenAddress(addr, ':1')).toEqual(want);
  });

  it('takes the fallback when no address is given, and "" or "0" as off', () => {
    expect(parseListenAddress(undefined, ':8081')).toEqual({ port: 8081 });
    expect(parseListenAddress('', ':8081')).toBeUndefined();
    expect(parseListenAddress('0', ':8081')).toBeUndefined();
  });

  it.each(['8080x', 'host:', 'host:70000', ':-1'])('refuses %s, saying what is expected', (addr) => {
    expect(() => parseListenAddress(addr, ':1')).toThrow(`invalid address "${addr}": expected [host]:port`);
  });
});

describe('metricsServer', () => {
  const servers: Server[] = [];
  afterEach(() => closeServers(servers.splice(0)));

  it('serves the registry on /metrics and nothing elsewhere', async () => {
    const registry = new Registry();
    new Counter({ name: 'kelos_example_total', help: 'an example', registers: [registry] }).inc(2);
    const server = metricsServer(registry);
    servers.push(server);
    const { port } = (await listen(server, { host: '127.0.0.1', port: 0 })) as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('kelos_example_total 2');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });

  it('fails to listen on a port in use, with the reason', async () => {
    const a = metricsServer(new Registry());
    servers.push(a);
    const { port } = await listen(a, { host: '127.0.0.1', port: 0 });
    const b = metricsServer(new Registry());
    await expect(listen(b, { host: '127.0.0.1', port })).rejects.toThrow(/EADDRINUSE/);
  });
});
