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
    expect(out['ClusterRoleBinding/kelos-controller'].roleRef.name).toBe('kelos-controller');
    expect(out['ClusterRole/kelos-controller-secrets'].rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'patch'] }]);
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

  it('renders a namespaced install: RoleBindings and NetworkPolicies in each namespace, no ClusterRoleBinding', () => {
    const app = new KelosApp({ outdir: '/never' });
    new KelosController(app, 'sys', { namespaces: ['team-b', 'team-a'], secretNamespaces: ['team-a'], crds: false });
    const files = app.render().map((f) => parse(f.content));
    const of = (kind: string) =>
      files
        .filter((o) => o.kind === kind)
        .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`)
        .sort();
    expect(of('ClusterRoleBinding')).toEqual([]);
    expect(of('ClusterRole')).toEqual(['/kelos-controller', '/kelos-controller-secrets']);
    expect(of('RoleBinding')).toEqual([
      'kelos-system/kelos-controller-leader-election',
      'team-a/kelos-controller',
      'team-a/kelos-controller-secrets',
      'team-b/kelos-controller',
    ]);
    expect(of('NetworkPolicy')).toEqual([
      'kelos-system/kelos-controller',
      'team-a/kelos-agent',
      'team-a/kelos-spawner',
      'team-b/kelos-agent',
      'team-b/kelos-spawner',
    ]);
    expect(of('ValidatingAdmissionPolicy')).toEqual(['/kelos-agent-pod-policy', '/kelos-spawner-tasks']);
    const dep = files.find((o) => o.kind === 'Deployment');
    expect(dep.spec.template.spec.containers[0].args).toContain('--namespaces=team-a,team-b');
    const agent = files.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'kelos-agent');
    expect(agent.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(agent.spec.ingress).toBeUndefined();
    expect(agent.spec.egress[1].to[0].ipBlock.except).toContain('10.0.0.0/8');
  });

  it('fails when a namespace is not a namespace name, or Secrets are granted outside the namespaces served', () => {
    expect(() => new KelosController(new KelosApp({ outdir: '/never' }), 'sys', { namespaces: ['Team'] })).toThrow(
      `sys: 'namespaces' must hold namespace names`,
    );
    expect(() => new KelosController(new KelosApp({ outdir: '/never' }), 'sys', { namespaces: ['a'], secretNamespaces: ['b'] })).toThrow(
      `sys: 'secretNamespaces' must be among 'namespaces' of a namespaced install, got "b"`,
    );
    expect(() => new KelosController(new KelosApp({ outdir: '/never' }), 'sys', { agentEgressExcept: ['api.example.com'] })).toThrow(
      `'agentEgressExcept' must hold CIDRs`,
    );
  });

  it('fails when replicas is negative', () => {
    const app = new KelosApp({ outdir: '/never' });
    expect(() => new KelosController(app, 'sys', { replicas: -1 })).toThrow(`sys: 'replicas' must be an integer >= 0, got -1`);
  });
});
