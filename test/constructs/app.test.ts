import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AgentType, Credentials, KelosApp, KelosController, Spawner, SynthError, Task, When, Workspace } from '../../constructs/index.js';
import { listFiles } from '../../lib/render/output.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kelos-app-'));
}

function smallApp(outdir: string, argocd = false): KelosApp {
  const app = new KelosApp({ outdir, ...(argocd ? { argocd: { repoURL: 'https://github.com/o/fleet.git' } } : {}) });
  new KelosController(app, 'kelos-system');
  const chart = new Chart(app, 'team', { namespace: 'team' });
  new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git' });
  new Task(chart, 'hello', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), prompt: 'hi' });
  return app;
}

describe('KelosApp', () => {
  it('writes one folder per chart and one file per object', () => {
    const out = tempDir();
    smallApp(out).synth();
    const files = listFiles(out);
    expect(files).toContain('team/Workspace.repo.yaml');
    expect(files).toContain('team/Task.hello.yaml');
    expect(files).toContain('kelos-system/CustomResourceDefinition.tasks.kelos.dev.yaml');
    expect(files).toContain('kelos-system/Deployment.kelos-controller.yaml');
    expect(files.every((f) => /^(team|kelos-system)\/[A-Za-z]+\.[a-z0-9.-]+\.yaml$/.test(f))).toBe(true);
  });

  it('renders byte-identical output on re-synth', () => {
    const a = tempDir();
    const b = tempDir();
    smallApp(a).synth();
    smallApp(b).synth();
    for (const f of listFiles(a)) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
    expect(listFiles(b)).toEqual(listFiles(a));
  });

  it('removes files it generated and no longer produces, and keeps files it did not write', () => {
    const out = tempDir();
    const before = smallApp(out);
    new Task(Chart.of(before.node.findChild('team')), 'gone', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), prompt: 'x' });
    before.synth();
    expect(existsSync(join(out, 'team/Task.gone.yaml'))).toBe(true);
    writeFileSync(join(out, 'stray.yaml'), 'x');
    smallApp(out).synth();
    expect(existsSync(join(out, 'team/Task.gone.yaml'))).toBe(false);
    expect(readFileSync(join(out, 'stray.yaml'), 'utf8')).toBe('x');
  });

  it('writes nothing when synthesis fails, and reports every problem with its construct path', () => {
    const out = tempDir();
    mkdirSync(join(out, 'team'), { recursive: true });
    writeFileSync(join(out, 'team/Task.previous.yaml'), 'previous\n');
    const app = smallApp(out);
    const chart = Chart.of(app.node.findChild('team'));
    // Raw objects bypass the constructs' eager checks; the app's validation still catches them.
    new ApiObject(chart, 'raw-task', {
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'raw' },
      spec: { type: 'claude-code', prompt: 'x', credentials: { type: 'api-key' } },
    } as any);
    new ApiObject(chart, 'raw-spawner', {
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'TaskSpawner',
      metadata: { name: 'raw-spawner' },
      spec: { when: { cron: { schedule: 'not a cron' } }, taskTemplate: { type: 'codex', credentials: { type: 'none' }, promptTemplate: '{{.Title}' } },
    } as any);
    new ApiObject(chart, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak' }, stringData: { TOKEN: 'x' } } as any);
    chart.node.addValidation({ validate: () => ['needs a reviewer'] });
    let err: unknown;
    try {
      app.synth();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SynthError);
    const problems = (err as SynthError).problems;
    expect(problems).toContain('team: needs a reviewer');
    expect(problems).toContain('team/raw-task: spec.credentials: Invalid value: secretRef is required for api-key and oauth credential types');
    expect(problems).toContain(
      'team/raw-spawner: spec.when.cron.schedule: invalid cron schedule "not a cron": expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 3 fields',
    );
    expect(problems).toContain(
      "team/raw-spawner: spec.taskTemplate.promptTemplate: is not a valid Go template: template: promptTemplate:1: bad character U+007D '}'",
    );
    expect(problems).toContain('team/leak: Secret "leak" holds values; reference Secrets by name instead of rendering them');
    expect(listFiles(out)).toEqual(['team/Task.previous.yaml']);
    expect(readFileSync(join(out, 'team/Task.previous.yaml'), 'utf8')).toBe('previous\n');
  });

  it('rejects two objects that would share a file', () => {
    const app = new KelosApp({ outdir: tempDir() });
    const chart = new Chart(app, 'c');
    new Workspace(chart, 'a', { name: 'same', repo: 'https://x.io/r.git' });
    new Workspace(chart, 'b', { name: 'same', repo: 'https://x.io/r.git' });
    expect(() => app.render()).toThrow(/c\/b\/Resource: another object in chart "c" is also Workspace "same"/);
  });

  it('keeps cluster-scoped objects out of the chart namespace', () => {
    const files = smallApp(tempDir()).render();
    const byPath = Object.fromEntries(files.map((f) => [f.path, parse(f.content)]));
    expect(byPath['kelos-system/ClusterRole.kelos-controller.yaml'].metadata.namespace).toBeUndefined();
    expect(byPath['kelos-system/CustomResourceDefinition.tasks.kelos.dev.yaml'].metadata.namespace).toBeUndefined();
    expect(byPath['kelos-system/Deployment.kelos-controller.yaml'].metadata.namespace).toBe('kelos-system');
  });

  it('renders the Namespace of a pipeline chart first, kept by ArgoCD when pruning or deleting the Application', () => {
    const files = smallApp(tempDir()).render();
    const byPath = Object.fromEntries(files.map((f) => [f.path, parse(f.content)]));
    expect(byPath['team/Namespace.team.yaml']).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team',
        annotations: { 'argocd.argoproj.io/sync-wave': '-1', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' },
      },
    });
    // The controller chart declares its own Namespace; it is not rendered twice.
    expect(files.filter((f) => f.path.startsWith('kelos-system/Namespace.')).map((f) => f.path)).toEqual(['kelos-system/Namespace.kelos-system.yaml']);
  });

  it('renders no Namespace when told not to, or when the chart declares it', () => {
    const off = new KelosApp({ outdir: tempDir(), namespaces: false });
    new Workspace(new Chart(off, 'team', { namespace: 'team' }), 'repo', { repo: 'https://github.com/o/r.git' });
    expect(off.render().map((f) => f.path)).toEqual(['team/Workspace.repo.yaml']);

    const own = new KelosApp({ outdir: tempDir() });
    const chart = new Chart(own, 'team', { namespace: 'team' });
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { owner: 'platform' } } });
    new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git' });
    const files = own.render();
    expect(files.map((f) => f.path)).toEqual(['team/Namespace.team.yaml', 'team/Workspace.repo.yaml']);
    expect(parse(files[0].content).metadata.labels).toEqual({ owner: 'platform' });
  });

  it('puts every object of a chart without a namespace in "default", where its spawner looks for them', () => {
    const app = new KelosApp({ outdir: tempDir() });
    const chart = new Chart(app, 'plain');
    const repo = new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git' });
    new Spawner(chart, 'nightly', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), workspace: repo, when: When.cron('0 3 * * *') });
    const files = app.render();
    const objs = files.map((f) => parse(f.content));
    expect(files.map((f) => f.path)).not.toContain('plain/Namespace.default.yaml');
    expect(objs.map((o) => `${o.kind}/${o.metadata.namespace}`).sort()).toEqual([
      'CronJob/default',
      'Role/default',
      'RoleBinding/default',
      'ServiceAccount/default',
      'TaskSpawner/default',
      'Workspace/default',
    ]);
    const cron = objs.find((o) => o.kind === 'CronJob');
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args).toContain('--taskspawner=default/nightly');
    expect(files.every((f) => !f.path.includes('.default.'))).toBe(true);
  });

  it('renders an ArgoCD Application per chart, the CRD chart first', () => {
    const files = smallApp(tempDir(), true).render();
    const apps = files.filter((f) => f.path.startsWith('argocd/')).map((f) => parse(f.content));
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(['kelos-system', 'team']);
    const system = apps.find((a) => a.metadata.name === 'kelos-system');
    const team = apps.find((a) => a.metadata.name === 'team');
    expect(system.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(team.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    expect(team.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://github.com/o/fleet.git', targetRevision: 'HEAD', path: 'dist/team' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'team' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
  });
});
