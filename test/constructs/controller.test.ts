import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KelosApp, KelosController } from '../../constructs/index.js';
import { CONTROLLER_RULES } from '../../lib/render/controller-rbac.js';

function objects(app: KelosApp): Record<string, any> {
  return Object.fromEntries(
    app.render().map((f) => {
      const o = parse(f.content);
      return [`${o.kind}/${o.metadata.name}`, o];
    }),
  );
}

describe('KelosController', () => {
  it('installs the CRDs first, then a hardened, leader-elected controller', () => {
    const app = new KelosApp({ outdir: '/never' });
    new KelosController(app, 'kelos-system');
    const out = objects(app);
    for (const plural of ['agentconfigs', 'tasks', 'taskspawners', 'workspaces']) {
      expect(out[`CustomResourceDefinition/${plural}.kelos.dev`].metadata.annotations).toEqual({
        'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false',
        'argocd.argoproj.io/sync-wave': '-2',
      });
    }
    const dep = out['Deployment/kelos-controller'];
    expect(dep.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    expect(c.args.slice(0, 3)).toEqual(['controller', '--leader-elect', '--leader-election-namespace=kelos-system']);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(out['Service/kelos-controller-metrics'].spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(out['ClusterRole/kelos-controller'].rules).toEqual(CONTROLLER_RULES);
    expect(out['Role/kelos-controller-leader-election'].rules[0]).toMatchObject({ apiGroups: ['coordination.k8s.io'], resources: ['leases'] });
    expect(out['Namespace/kelos-system'].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('takes the image, replicas and agent images from props', () => {
    const app = new KelosApp({ outdir: '/never' });
    new KelosController(app, 'sys', { image: 'reg.example.com/kelos:v9', replicas: 1, agentImages: { codex: 'reg.example.com/codex:1' }, crds: false });
    const out = objects(app);
    const c = out['Deployment/kelos-controller'].spec.template.spec.containers[0];
    expect(c.image).toBe('reg.example.com/kelos:v9');
    expect(c.args).toContain('--codex-image=reg.example.com/codex:1');
    expect(c.args).toContain('--spawner-image=reg.example.com/kelos:v9');
    expect(out['Deployment/kelos-controller'].spec.replicas).toBe(1);
    expect(Object.keys(out).some((k) => k.startsWith('CustomResourceDefinition/'))).toBe(false);
  });

  it('fails when replicas is negative', () => {
    const app = new KelosApp({ outdir: '/never' });
    expect(() => new KelosController(app, 'sys', { replicas: -1 })).toThrow(`sys: 'replicas' must be an integer >= 0, got -1`);
  });
});
