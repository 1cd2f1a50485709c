import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inClusterConnection, staticConnection, staticConnectionFromFile } from '../../lib/kube/static-kubeconfig.js';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kelos-kc-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  const file = join(dir, 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'dev',
      contexts: [
        { name: 'other', context: { cluster: 'x', user: 'y' } },
        { name: 'dev', context: { cluster: 'c', user: 'u' } },
      ],
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'ca.crt', ...cluster } }],
      users: [{ name: 'u', user }],
    }),
  );
  return file;
}

describe('static kubeconfig loading', () => {
  it('reads client certificates of the current context, files relative to the kubeconfig', () => {
    const conn = staticConnectionFromFile(
      kubeconfig({ 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }),
    );
    expect(conn).toEqual({ server: 'https://127.0.0.1:6443', ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  });

  it('reads a token and TLS options', () => {
    const conn = staticConnectionFromFile(kubeconfig({ token: 't0k' }, { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kube' }));
    expect(conn).toMatchObject({ token: 't0k', insecureSkipTLSVerify: true, tlsServerName: 'kube' });
  });

  it.each([
    [{ exec: { command: 'aws' } }, {}],
    [{ 'auth-provider': { name: 'oidc' } }, {}],
    [{ username: 'a', password: 'b' }, {}],
    [{ as: 'someone' }, {}],
    [{ token: 't' }, { 'proxy-url': 'http://proxy' }],
  ])('leaves plugins and anything else to the full loader (%#)', (user, cluster) => {
    expect(staticConnectionFromFile(kubeconfig(user, cluster))).toBeUndefined();
  });

  it('uses a single $KUBECONFIG file and defers a list of several', () => {
    const file = kubeconfig({ token: 'a' });
    expect(staticConnection(undefined, { KUBECONFIG: file })).toMatchObject({ token: 'a' });
    expect(staticConnection(undefined, { KUBECONFIG: `${file}:${file}` })).toBeUndefined();
  });

  it('connects in a pod with the mounted service account, re-reading the token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-sa-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'sa-token');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    expect(inClusterConnection(dir, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' })).toEqual({
      server: 'https://10.96.0.1:443',
      ca: Buffer.from('CA'),
      tokenFile: join(dir, 'token'),
    });
    expect(inClusterConnection(dir, {})).toBeUndefined();
    expect(inClusterConnection(dir, { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' })?.server).toBe('https://[fd00::1]:443');
  });
});
