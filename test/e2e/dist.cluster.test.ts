// dist/ on a real kube-apiserver: the CRDs become Established, every object
// passes a strict server-side dry-run and applies (twice, the second time
// changing nothing), valid Kelos-style manifests are accepted and bad ones are
// rejected with the CEL messages the CLI reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { listFiles } from '../../lib/render/output.js';
import { createNamespace, kubeConfig, kubeconfigPath, type TestNamespace, waitFor } from '../cluster/harness.js';
import { BAD_CASES } from '../fixtures/bad-cases.js';

const root = join(import.meta.dirname, '../..');
const dist = join(root, 'dist');
// ArgoCD's Application CRD is not part of kelos; those objects are ArgoCD's to validate.
const distFiles = listFiles(dist)
  .filter((f) => !f.startsWith('argocd/'))
  .map((f) => join(dist, f));
const crdFiles = distFiles.filter((f) => f.includes('/CustomResourceDefinition.'));

function kubectl(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fileArgs(files: string[]): string[] {
  return files.flatMap((f) => ['-f', f]);
}

function objectsOf(files: string[]): any[] {
  return files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS()));
}

describe('dist/ on a real apiserver', () => {
  beforeAll(() => {
    const crds = kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kelos-test', ...fileArgs(crdFiles)]);
    expect(crds.stderr).toBe('');
    for (const ns of new Set(
      objectsOf(distFiles)
        .map((o) => o.metadata?.namespace)
        .filter(Boolean),
    )) {
      kubectl(['create', 'namespace', ns]);
    }
  });

  it('makes every CRD Established', async () => {
    expect(crdFiles.length).toBe(4);
    for (const crd of objectsOf(crdFiles)) {
      await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
        const r = kubectl(['get', 'crd', crd.metadata.name, '-o', 'json']);
        const conditions = JSON.parse(r.stdout).status?.conditions ?? [];
        return conditions.some((c: any) => c.type === 'Established' && c.status === 'True');
      });
    }
  });

  it('passes a strict server-side dry-run for every object', () => {
    const r = kubectl(['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=kelos', ...fileArgs(distFiles)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(distFiles.length);
  });

  it('applies for real, and a second apply changes nothing', () => {
    const first = kubectl(['apply', '--server-side', '--validate=strict', '--field-manager=kelos', ...fileArgs(distFiles)]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // One read of every object (kubectl get -f), keyed by kind and name.
    const versions = () => {
      const r = kubectl(['get', ...fileArgs(distFiles), '-o', 'json']);
      expect(r.stderr).toBe('');
      const items = (JSON.parse(r.stdout) as { items: Array<{ kind: string; metadata: { name: string; namespace?: string; resourceVersion: string } }> }).items;
      expect(items).toHaveLength(objectsOf(distFiles).length);
      const out: Record<string, string> = {};
      for (const o of items) out[`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = o.metadata.resourceVersion;
      return out;
    };
    // Other test files apply the CRDs too (with another field manager): compare the rest by resourceVersion.
    const before = versions();
    expect(Object.values(before).every((v) => /^\d+$/.test(v))).toBe(true);
    const nothingToApply = kubectl(['diff', '--server-side', '--field-manager=kelos', ...fileArgs(distFiles)]);
    expect(nothingToApply.stdout).toBe('');
    expect(nothingToApply.code).toBe(0);
    const second = kubectl(['apply', '--server-side', '--validate=strict', '--field-manager=kelos', ...fileArgs(distFiles)]);
    expect(second.code).toBe(0);
    const after = versions();
    // The apiserver writes a ValidatingAdmissionPolicy's status (type checking) on its own, after it is applied.
    for (const key of Object.keys(before).filter((k) => k.startsWith('CustomResourceDefinition/') || k.startsWith('ValidatingAdmissionPolicy/'))) {
      delete before[key];
      delete after[key];
    }
    expect(after).toEqual(before);
  });
});

describe('kelos.dev manifests on a real apiserver', () => {
  let ns: TestNamespace;
  let api: k8s.CustomObjectsApi;

  beforeAll(async () => {
    kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=kelos-test', ...fileArgs(crdFiles)]);
    for (const crd of objectsOf(crdFiles)) {
      execFileSync('kubectl', ['--kubeconfig', kubeconfigPath(), 'wait', '--for=condition=Established', '--timeout=60s', `crd/${crd.metadata.name}`]);
    }
    ns = await createNamespace('manifests');
    api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  });
  afterAll(() => ns?.cleanup());

  it('accepts every Kelos-style fixture (strict dry-run)', () => {
    const fixtures = listFiles(join(root, 'test/fixtures/manifests')).map((f) => join(root, 'test/fixtures/manifests', f));
    const named = fixtures.filter((f) => !readFileSync(f, 'utf8').includes('generateName'));
    // Some fixtures hand agents Secrets through podOverrides: the namespace's operator allows them (kelos-agent-pod-policy).
    expect(kubectl(['annotate', 'namespace', ns.name, 'kelos.dev/agent-secrets=*', 'kelos.dev/agent-service-accounts=*']).code).toBe(0);
    const r = kubectl(['apply', '-n', ns.name, '--server-side', '--dry-run=server', '--validate=strict', ...fileArgs(named)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const generated = fixtures.filter((f) => !named.includes(f));
    const c = kubectl(['create', '-n', ns.name, '--dry-run=server', '--validate=strict', ...fileArgs(generated)]);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
  });

  async function create(obj: Record<string, any>): Promise<unknown> {
    const plural = `${obj.kind.toLowerCase()}s`;
    return api.createNamespacedCustomObject({
      group: 'kelos.dev',
      version: 'v1alpha1',
      namespace: ns.name,
      plural,
      body: JSON.parse(JSON.stringify(obj)),
      fieldValidation: 'Strict',
    });
  }

  /** The apiserver's Status message of a rejected request. */
  async function rejection(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      const body = (err as { body?: unknown }).body;
      const status = typeof body === 'string' ? JSON.parse(body) : body;
      return String((status as { message?: string })?.message ?? err);
    }
    return 'accepted';
  }

  it.each(BAD_CASES)('rejects $name', async (c) => {
    const plural = `${c.object.kind.toLowerCase()}s`;
    if (c.old) {
      await create(c.old);
      const stored: any = await api.getNamespacedCustomObject({
        group: 'kelos.dev',
        version: 'v1alpha1',
        namespace: ns.name,
        plural,
        name: c.old.metadata.name,
      });
      const update = { ...JSON.parse(JSON.stringify(c.object)), metadata: stored.metadata };
      const message = await rejection(
        api.replaceNamespacedCustomObject({ group: 'kelos.dev', version: 'v1alpha1', namespace: ns.name, plural, name: c.old.metadata.name, body: update }),
      );
      expect(message).toContain(`${c.path}: Invalid value`);
      expect(message).toContain(c.message);
      return;
    }
    const message = await rejection(create(c.object));
    expect(message).toContain(c.message);
    expect(message).toContain(c.path);
  });
});
