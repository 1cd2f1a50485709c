// A streamed GET (pod logs with follow) with the kubeconfig's credentials,
// delivered line by line.
import * as http from 'node:http';
import * as https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { KubeError } from '../../lib/kube/kube-error.js';

export async function streamLines(
  kc: k8s.KubeConfig,
  path: string,
  query: Record<string, string | number | boolean>,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const opts: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const mod = url.protocol === 'http:' ? http : https;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers,
        signal,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw KubeError.from(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), 'GET', path);
  }
  let rest = '';
  res.setEncoding('utf8');
  try {
    for await (const chunk of res) {
      rest += chunk as string;
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, i).replace(/\r$/, ''));
        rest = rest.slice(i + 1);
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    res.destroy();
  }
  if (rest !== '') onLine(rest);
}
