// The committed dist/: valid, and free of secret values (Secrets are only referenced).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isKelosObject, validateObject } from '../lib/api/index.js';
import { listFiles } from '../lib/render/output.js';

const dist = join(import.meta.dirname, '../dist');
const objects = listFiles(dist).flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => ({ file: f, obj: d.toJS() as any })));

const TOKEN_SHAPES = [
  /ghp_[A-Za-z0-9]{20,}/,
  /github_pat_[A-Za-z0-9_]{20,}/,
  /sk-ant-[A-Za-z0-9-]{10,}/,
  /sk-[A-Za-z0-9]{32,}/,
  /xox[abp]-[A-Za-z0-9-]{10,}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;

/** Every env var with a literal value, anywhere in an object. */
function literalEnv(v: unknown, out: Array<{ name: string; value: string }> = []): Array<{ name: string; value: string }> {
  if (Array.isArray(v)) v.forEach((x) => literalEnv(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.env)) for (const e of o.env as any[]) if (typeof e?.value === 'string') out.push({ name: e.name, value: e.value });
    Object.values(o).forEach((x) => literalEnv(x, out));
  }
  return out;
}

describe('dist/', () => {
  it('holds the system chart, both pipelines and the ArgoCD Applications', () => {
    const folders = new Set(objects.map((o) => o.file.split('/')[0]));
    expect([...folders].sort()).toEqual(['argocd', 'examples', 'kelos-system', 'self-development']);
  });

  it('contains no Secret objects', () => {
    expect(objects.filter((o) => o.obj.kind === 'Secret').map((o) => o.file)).toEqual([]);
  });

  it('contains no token-shaped strings', () => {
    const leaks = objects.filter((o) => TOKEN_SHAPES.some((re) => re.test(JSON.stringify(o.obj)))).map((o) => o.file);
    expect(leaks).toEqual([]);
  });

  it('sets no secret-named environment variable to a literal value', () => {
    const literal = objects.flatMap((o) =>
      literalEnv(o.obj)
        .filter((e) => SECRET_NAME.test(e.name))
        .map((e) => `${o.file}: ${e.name}`),
    );
    expect(literal).toEqual([]);
  });

  it('references credentials only through secretRef', () => {
    const specs = objects.filter((o) => isKelosObject(o.obj) && (o.obj.kind === 'Task' || o.obj.kind === 'TaskSpawner'));
    expect(specs.length).toBeGreaterThan(10);
    for (const { obj } of specs) {
      const c = obj.kind === 'Task' ? obj.spec.credentials : obj.spec.taskTemplate.credentials;
      expect(Object.keys(c).sort()).toEqual(c.type === 'none' ? ['type'] : ['secretRef', 'type']);
    }
  });

  it('validates against the CRD schemas and CEL rules', () => {
    const issues = objects.filter((o) => isKelosObject(o.obj)).flatMap((o) => validateObject(o.obj).map((i) => `${o.file}: ${i.path}: ${i.message}`));
    expect(issues).toEqual([]);
  });
});
