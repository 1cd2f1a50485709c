// install and uninstall on a control plane of their own (uninstall deletes
// the CRDs every other cluster test uses): every command before kelos is
// installed, install (CRDs Established, controller Deployment available, run
// twice), then uninstall (resources first, finalizers, controller, CRDs).
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart } from 'cdk8s';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { AgentType, Credentials, KelosApp, Spawner, When } from '../../constructs/index.js';
import { Controller } from '../../lib/controller/controller-manager.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { type ControlPlane, startControlPlane } from '../cluster/launcher.js';
import { kelos, kelosProcess } from './_kelos.js';

let cp: ControlPlane;
let client: KubeClient;
const dir = mkdtempSync(join(tmpdir(), 'kelos-lifecycle-'));
const cfg = join(dir, 'config.yaml');
writeFileSync(cfg, '{}\n');
const k = (...args: string[]) => kelos(['--kubeconfig', cp.kubeconfig, '--config', cfg, ...args]);
const NOT_INSTALLED = 'not installed in this cluster: run `kelos install` first';

beforeAll(async () => {
  cp = await startControlPlane({ runsRoot: join(dir, 'runs') });
  client = await KubeClient.fromKubeconfig(cp.kubeconfig);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
}, 300_000);

afterAll(async () => {
  client?.close();
  await cp?.stop();
});

describe('before kelos is installed', () => {
  it.each([
    [['get', 'tasks'], 'Task CRD is'],
    [['get', 'agentconfig'], 'AgentConfig CRD is'],
    [['logs', 'some-task'], 'Task CRD is'],
    [['delete', 'task', 'x'], 'Task CRD is'],
    [['suspend', 'taskspawner', 'x'], 'TaskSpawner CRD is'],
    [['run', '-p', 'hi', '--secret', 's'], 'Task CRD is'],
  ])('kelos %j says to run kelos install', async (args, what) => {
    const r = await k('-n', 'team', ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: the ${what} ${NOT_INSTALLED}\n`);
  });

  it('kelos diff reports the kinds the cluster does not serve', async () => {
    const out = join(dir, 'dist');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(out, 'team'), { recursive: true });
    writeFileSync(
      join(out, 'team', 'Workspace.app.yaml'),
      'apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: app\n  namespace: team\nspec:\n  repo: https://github.com/acme/app.git\n',
    );
    const r = await k('diff', '-o', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('+kind: Workspace');
    expect(r.stderr).toContain(
      `Error: Workspace team/app (${out}/team/Workspace.app.yaml): the cluster does not serve kelos.dev/v1alpha1 Workspace; install its CRD first (kelos install for kelos.dev)\n`,
    );
  });
});

describe('kelos install', () => {
  it('--dry-run prints the CRDs and the controller install, CRDs first', async () => {
    const r = await kelos(['install', '--dry-run', '--image', 'registry.example.com/kelos:dev', '--kubeconfig', join(dir, 'none')]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'CustomResourceDefinition/agentconfigs.kelos.dev',
      'CustomResourceDefinition/tasks.kelos.dev',
      'CustomResourceDefinition/taskspawners.kelos.dev',
      'CustomResourceDefinition/workspaces.kelos.dev',
      'Namespace/kelos-system',
      'ServiceAccount/kelos-controller',
      'ClusterRole/kelos-controller-secrets',
      'ClusterRole/kelos-controller',
      'ClusterRoleBinding/kelos-controller',
      'Role/kelos-controller-leader-election',
      'RoleBinding/kelos-controller-leader-election',
      'Service/kelos-controller-metrics',
      'Deployment/kelos-controller',
      'NetworkPolicy/kelos-controller',
      'ValidatingAdmissionPolicy/kelos-agent-pod-policy',
      'ValidatingAdmissionPolicy/kelos-spawner-tasks',
      'ValidatingAdmissionPolicyBinding/kelos-agent-pod-policy',
      'ValidatingAdmissionPolicyBinding/kelos-spawner-tasks',
    ]);
    const deployment = docs.find((d) => d.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/kelos:dev');
    expect(deployment.spec.template.spec.containers[0].args).toContain('--spawner-image=registry.example.com/kelos:dev');
    const version = await kelos(['install', '--dry-run', '--version', '0.2.0']);
    expect(version.stdout).toContain('image: ghcr.io/kelos-ts/kelos:v0.2.0\n');
  });

  it('applies everything, waits for the CRDs and the controller, and prints its progress', async () => {
    const r = await kelosProcess(['install', '--kubeconfig', cp.kubeconfig, '--timeout', '3m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      'Applied CustomResourceDefinition agentconfigs.kelos.dev',
      'Applied CustomResourceDefinition tasks.kelos.dev',
      'Applied CustomResourceDefinition taskspawners.kelos.dev',
      'Applied CustomResourceDefinition workspaces.kelos.dev',
      'Waiting for the CRDs to be established',
      'Applied Namespace kelos-system',
      'Applied ServiceAccount kelos-system/kelos-controller',
      'Applied ClusterRole kelos-controller-secrets',
      'Applied ClusterRole kelos-controller',
      'Applied ClusterRoleBinding kelos-controller',
      'Applied Role kelos-system/kelos-controller-leader-election',
      'Applied RoleBinding kelos-system/kelos-controller-leader-election',
      'Applied Service kelos-system/kelos-controller-metrics',
      'Applied Deployment kelos-system/kelos-controller',
      'Applied NetworkPolicy kelos-system/kelos-controller',
      'Applied ValidatingAdmissionPolicy kelos-agent-pod-policy',
      'Applied ValidatingAdmissionPolicy kelos-spawner-tasks',
      'Applied ValidatingAdmissionPolicyBinding kelos-agent-pod-policy',
      'Applied ValidatingAdmissionPolicyBinding kelos-spawner-tasks',
      'Waiting for Deployment kelos-system/kelos-controller to be available',
      'Installed kelos: controller ghcr.io/kelos-ts/kelos:v0.1.0 in namespace kelos-system',
    ]);
    for (const plural of ['tasks', 'taskspawners', 'workspaces', 'agentconfigs']) {
      const crd = await client.get<any>(resourcePath(Resources.customResourceDefinitions, { name: `${plural}.kelos.dev` }));
      expect(crd.status.conditions.find((c: any) => c.type === 'Established').status).toBe('True');
    }
    const d = await client.get<any>(resourcePath(Resources.deployments, { namespace: 'kelos-system', name: 'kelos-controller' }));
    expect(d.status.availableReplicas).toBe(2);
    expect(d.metadata.managedFields.map((f: any) => f.manager)).toContain('kelos');
  });

  it('can run again, changing nothing but what was asked', async () => {
    const r = await k('install', '--image', 'registry.example.com/kelos:dev');
    expect(r.code).toBe(0);
    const d = await client.get<any>(resourcePath(Resources.deployments, { namespace: 'kelos-system', name: 'kelos-controller' }));
    expect(d.spec.template.spec.containers[0].image).toBe('registry.example.com/kelos:dev');
    expect((await k('get', 'tasks', '-n', 'team')).stderr).toBe('No tasks found in namespace "team".\n');
  });
});

describe('kelos uninstall', () => {
  let controller: Controller | undefined;
  beforeAll(async () => {
    const kelosObject = (kind: string, name: string, spec: object) => ({ apiVersion: 'kelos.dev/v1alpha1', kind, metadata: { name, namespace: 'team' }, spec });
    await client.create(kelosObject('Workspace', 'app', { repo: 'https://github.com/acme/app.git' }));
    await client.create(kelosObject('AgentConfig', 'helper', { agentsMD: 'Be brief.' }));
    await client.create(
      kelosObject('TaskSpawner', 'nightly', {
        when: { cron: { schedule: '0 3 * * *' } },
        taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'app' } },
      }),
    );
    // A spawner workload applied from dist/: owned by nothing, so it outlives its TaskSpawner.
    const app = new KelosApp({ outdir: '/never-written' });
    new Spawner(new Chart(app, 'team', { namespace: 'team' }), 'compiled-bot', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.none(),
      when: When.cron('0 4 * * *'),
    });
    for (const f of app.render()) {
      const obj = parse(f.content);
      if (['CronJob', 'ServiceAccount', 'Role', 'RoleBinding'].includes(obj.kind)) await client.apply(obj);
    }
    // A finalizer no controller removes: uninstall must not wait forever for it.
    await client.create({
      ...kelosObject('Task', 'held', { type: 'claude-code', prompt: 'x', credentials: { type: 'none' } }),
      metadata: { name: 'held', namespace: 'team', finalizers: ['example.com/hold'] },
    });
    controller = await Controller.start({
      client,
      namespace: 'team',
      metricsAddr: '127.0.0.1:0',
      healthAddr: '127.0.0.1:0',
      workers: 2,
      logger: pino({ base: undefined }, createWriteStream(join(dir, 'controller.log'))),
    });
  });
  afterAll(async () => {
    await controller?.stop();
  });

  it('asks first, and deletes nothing without an answer', async () => {
    const r = await kelosProcess(['uninstall', '--kubeconfig', cp.kubeconfig], { input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Delete 1 TaskSpawner, 1 Task, 1 Workspace, 1 AgentConfig in all namespaces, the controller and the CRDs? [y/N] \nError: uninstall aborted, nothing was deleted (pass -y to skip this question)\n',
    );
    expect(await client.get(resourcePath(Resources.workspaces, { namespace: 'team', name: 'app' }))).toBeDefined();
  });

  it('stops at a finalizer nobody removes, naming the object and the way out', async () => {
    const r = await k('uninstall', '-y', '--timeout', '3s');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'Deleted 1 TaskSpawner\nDeleted 1 Task\nDeleted 1 Workspace\nDeleted 1 AgentConfig\nWaiting for kelos resources to be finalized\n',
    );
    expect(r.stderr).toMatch(
      /^Error: \d+ kelos resources? still exists? after 3s \(.*tasks\/team\/held.*\): their finalizers wait for the controller; start it, or run `kelos uninstall --force` to remove the finalizers\n$/,
    );
    // The CRDs and the controller are still there.
    expect(await client.get(resourcePath(Resources.customResourceDefinitions, { name: 'tasks.kelos.dev' }))).toBeDefined();
  });

  it('with --force removes the finalizers, then the controller and the CRDs', async () => {
    const r = await k('uninstall', '-y', '--force', '--timeout', '2m');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Deleted Deployment kelos-system/kelos-controller\n');
    expect(r.stdout).toContain('Deleted Namespace kelos-system\n');
    expect(r.stdout).toContain('Deleted CustomResourceDefinition tasks.kelos.dev\n');
    expect(r.stdout).toContain(
      [
        'Kept 4 spawner workload objects applied from dist/ (a TaskSpawner does not own them):',
        '  CronJob team/compiled-bot-spawner',
        '  RoleBinding team/compiled-bot-spawner',
        '  Role team/compiled-bot-spawner',
        '  ServiceAccount team/compiled-bot-spawner',
        'Delete them with `kelos uninstall --workloads`, or where they are declared (a sync of dist/ re-creates them)',
        'Uninstalled kelos',
        '',
      ].join('\n'),
    );
    expect(await client.get(resourcePath(Resources.cronJobs, { namespace: 'team', name: 'compiled-bot-spawner' }))).toBeDefined();
    for (const plural of ['tasks', 'taskspawners', 'workspaces', 'agentconfigs']) {
      expect(await client.get(resourcePath(Resources.customResourceDefinitions, { name: `${plural}.kelos.dev` }))).toBeUndefined();
    }
    expect(await client.get(resourcePath(Resources.namespaces, { name: 'kelos-system' }))).toBeUndefined();
    expect(await client.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/kelos-controller')).toBeUndefined();
    expect((await k('get', 'tasks', '-n', 'team')).stderr).toBe(`Error: the Task CRD is ${NOT_INSTALLED}\n`);
  });

  it('deletes the spawner workloads applied from dist/ with --workloads', async () => {
    const r = await k('uninstall', '-y', '--workloads');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'Deleted CronJob team/compiled-bot-spawner',
        'Deleted RoleBinding team/compiled-bot-spawner',
        'Deleted Role team/compiled-bot-spawner',
        'Deleted ServiceAccount team/compiled-bot-spawner',
        'Uninstalled kelos',
        '',
      ].join('\n'),
    );
    expect(await client.get(resourcePath(Resources.cronJobs, { namespace: 'team', name: 'compiled-bot-spawner' }))).toBeUndefined();
    expect(await client.get(resourcePath(Resources.serviceAccounts, { namespace: 'team', name: 'compiled-bot-spawner' }))).toBeUndefined();
  });

  it('says when there is nothing left to delete', async () => {
    const r = await k('uninstall', '-y');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('kelos was not installed: nothing to delete\n');
  });
});
