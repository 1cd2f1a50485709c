// Per-run PKI for the test control plane: a CA, serving and client
// certificates (ECDSA P-256, made with the openssl CLI, since node:crypto cannot
// issue X.509 certificates) and the service-account signing key pair.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  apiserver: CertPair;
  /** client cert the apiserver presents to kwok's kubelet endpoint */
  apiserverKubeletClient: CertPair;
  /** client cert of the aggregation layer (requestheader authentication) */
  frontProxyClient: CertPair;
  kwokServing: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  /** the real node's kubelet: its client identity and its serving certificate (for the node's IP) */
  kubeletClient?: CertPair;
  kubeletServing?: CertPair;
  saKey: string;
  saPub: string;
}

interface LeafSpec {
  name: string;
  subject: string;
  usage: 'server' | 'client' | 'both';
  sans?: string[];
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr || e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The real node the PKI issues kubelet certificates for. */
export interface PkiNode {
  name: string;
  ip: string;
}

export async function createPki(dir: string, serviceIp: string, node?: PkiNode): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (n: string): CertPair => ({ cert: join(dir, `${n}.crt`), key: join(dir, `${n}.key`) });
  const ca = p('ca');
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
    '-days',
    '365',
    '-subj',
    '/CN=kelos-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const leaves: LeafSpec[] = [
    {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      usage: 'server',
      sans: [
        'IP:127.0.0.1',
        `IP:${serviceIp}`,
        'DNS:localhost',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
      ],
    },
    { name: 'apiserver-kubelet-client', subject: '/O=system:masters/CN=kube-apiserver-kubelet-client', usage: 'client' },
    { name: 'front-proxy-client', subject: '/CN=front-proxy-client', usage: 'client' },
    { name: 'kwok-serving', subject: '/CN=kwok-node', usage: 'server', sans: ['IP:127.0.0.1', 'DNS:localhost'] },
    { name: 'admin', subject: '/O=system:masters/CN=kelos-test-admin', usage: 'client' },
    { name: 'controller-manager', subject: '/CN=system:kube-controller-manager', usage: 'client' },
    { name: 'scheduler', subject: '/CN=system:kube-scheduler', usage: 'client' },
  ];
  if (node) {
    // The Node authorizer knows a kubelet by this subject; the apiserver checks the serving
    // certificate against the node's InternalIP when it proxies logs and exec.
    leaves.push(
      { name: 'kubelet-client', subject: `/O=system:nodes/CN=system:node:${node.name}`, usage: 'client' },
      { name: 'kubelet-serving', subject: `/CN=${node.name}`, usage: 'server', sans: [`IP:${node.ip}`, `DNS:${node.name}`] },
    );
  }
  await Promise.all(
    leaves.map((l) => {
      const out = p(l.name);
      const eku = l.usage === 'server' ? 'serverAuth' : l.usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
      const args = [
        'req',
        '-x509',
        ...EC,
        '-keyout',
        out.key,
        '-out',
        out.cert,
        '-days',
        '365',
        '-subj',
        l.subject,
        '-CA',
        ca.cert,
        '-CAkey',
        ca.key,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        '-addext',
        `extendedKeyUsage=${eku}`,
      ];
      if (l.sans) args.push('-addext', `subjectAltName=${l.sans.join(',')}`);
      return openssl(args);
    }),
  );
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  writeFileSync(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    dir,
    ca,
    apiserver: p('apiserver'),
    apiserverKubeletClient: p('apiserver-kubelet-client'),
    frontProxyClient: p('front-proxy-client'),
    kwokServing: p('kwok-serving'),
    admin: p('admin'),
    controllerManager: p('controller-manager'),
    scheduler: p('scheduler'),
    ...(node ? { kubeletClient: p('kubelet-client'), kubeletServing: p('kubelet-serving') } : {}),
    saKey,
    saPub,
  };
}

/** A self-contained kubeconfig (certificates embedded) for one client identity. */
export function writeKubeconfig(path: string, server: string, ca: string, client: CertPair, user: string): void {
  const b64 = (f: string): string => readFileSync(f).toString('base64');
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kelos-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(client.cert)}`,
    `    client-key-data: ${b64(client.key)}`,
    'contexts:',
    '- name: kelos-test',
    '  context:',
    '    cluster: kelos-test',
    `    user: ${user}`,
    'current-context: kelos-test',
    '',
  ].join('\n');
  writeFileSync(path, text, { mode: 0o600 });
}
