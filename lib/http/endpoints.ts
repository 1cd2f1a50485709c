import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A listen address: `:8080` (all interfaces), `127.0.0.1:0` (an ephemeral port on loopback). */
export interface ListenAddress {
  readonly host?: string;
  readonly port: number;
}

/** Parses `[host]:port`; `addr` undefined means `fallback`; "" or "0" means off (undefined). */
export function parseListenAddress(addr: string | undefined, fallback: string): ListenAddress | undefined {
  const a = addr ?? fallback;
  if (a === '' || a === '0') return undefined;
  const i = a.lastIndexOf(':');
  const host = i > 0 ? a.slice(0, i) : undefined;
  const digits = a.slice(i + 1);
  const port = Number(digits);
  if (i < 0 || !/^\d+$/.test(digits) || port > 65535) throw new Error(`invalid address "${a}": expected [host]:port`);
  return { ...(host ? { host } : {}), port };
}

/** Starts `server` on `addr`; resolves with the bound address (the port resolved). */
export async function listen(server: http.Server, addr: ListenAddress): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** A server answering `GET /metrics` with the registry's Prometheus text; 404 elsewhere. */
export function metricsServer(registry: Registry): http.Server {
  return http.createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err) => res.writeHead(500).end(String(err)),
    );
  });
}

/** Closes servers, ending their open connections too. */
export async function closeServers(servers: readonly http.Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections?.();
        }),
    ),
  );
}
