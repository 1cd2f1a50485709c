// gh speaks HTTPS to a GitHub Enterprise host (https://<host>/api/v3 on port
// 443): the real-node tests serve the GitHub emulator with a certificate of a
// CA of their own, which reaches the agent as a Workspace file that
// SSL_CERT_FILE names.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the CA lands in the clone (a Workspace `files` entry). */
export const GITHUB_CA_FILE = '.github-ca.pem';
/** SSL_CERT_FILE for the agent container: the CA in the clone, where Go (gh) reads its trusted CAs. */
export const GITHUB_CA_PATH = `/workspace/repo/${GITHUB_CA_FILE}`;

/** A CA and a serving certificate for `ip` (ECDSA P-256, by the openssl CLI as the control plane's PKI is made). */
export async function tlsFor(ip: string): Promise<{ ca: string; key: string; cert: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kelos-github-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
  const f = (n: string) => join(dir, n);
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-subj',
    '/CN=kelos-test-github-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('srv.key'),
    '-out',
    f('srv.crt'),
    '-subj',
    '/CN=github-emulator',
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    'extendedKeyUsage=serverAuth',
    '-addext',
    `subjectAltName=IP:${ip}`,
  ]);
  const read = (n: string) => readFileSync(f(n), 'utf8');
  return { ca: read('ca.crt'), key: read('srv.key'), cert: read('srv.crt') };
}
