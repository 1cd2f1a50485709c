// Least privilege on the real apiserver (RBAC, PodSecurity admission,
// ValidatingAdmissionPolicies): what each kelos ServiceAccount may do
// (`kubectl auth can-i`, against the table in the README), the confused-deputy
// attempts of a user who may only create Tasks, of the controller's token and
// of a spawner's, the admission of agent, spawner and controller pods in
// namespaces that enforce Pod Security "restricted", and a Job that cannot
// start its Pod failing its Task.
import { spawnSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../lib/controller/controller-manager.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { controllerInstall } from '../../lib/render/controller-install.js';
import { CONTROLLER_RULES } from '../../lib/render/controller-rbac.js';
import { spawnerWorkload } from '../../lib/render/spawner-workload.js';
import { WEBHOOK_SERVER_NAME, webhookServerRules } from '../../lib/render/webhook-server.js';
import { createNamespace, kubeConfig, kubeconfigPath, type TestNamespace, waitFor } from '../cluster/harness.js';
import { clusterClient, explainFailures, getJob, startController, taskObject, waitForPhase } from '../controller/_cluster.js';

let admin: KubeClient;
let ctl: TestNamespace;
let agents: TestNamespace;
let other: TestNamespace;
let quota: TestNamespace;
let controller: Controller | undefined;
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

function kubectl(args: string[], input?: string): { code: number | null; out: string; stdout: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** A client authenticated as a ServiceAccount by a token from the TokenRequest API. */
async function serviceAccountClient(namespace: string, name: string): Promise<KubeClient> {
  const token = await admin.json<{ status: { token: string } }>('POST', `${resourcePath(Resources.serviceAccounts, { namespace, name })}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const base = kubeConfig();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [base.getCurrentCluster()!],
    users: [{ name, token: token.status.token }],
    contexts: [{ name, cluster: base.getCurrentCluster()!.name, user: name }],
    currentContext: name,
  });
  return KubeClient.create(kc);
}

async function label(ns: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Promise<void> {
  await admin.mergePatch(resourcePath(Resources.namespaces, { name: ns }), { metadata: { labels, annotations } });
}

const workspace = (namespace: string) => ({
  apiVersion: 'kelos.dev/v1alpha1',
  kind: 'Workspace',
  metadata: { name: 'ws', namespace },
  spec: { repo: 'https://github.com/acme/app.git', ref: 'main', secretRef: { name: 'github-token' }, files: [{ path: 'NOTES.md', content: 'x' }] },
});

beforeAll(async () => {
  admin = await clusterClient();
  [ctl, agents, other, quota] = await Promise.all([
    createNamespace('lp-ctl'),
    createNamespace('lp-agents'),
    createNamespace('lp-other'),
    createNamespace('lp-quota'),
  ]);
  await label(agents.name, RESTRICTED);
  await label(quota.name, RESTRICTED);
  // The namespaced install, exactly as rendered, serving the agent and quota namespaces.
  const install = controllerInstall(CONTROLLER_RULES, { namespace: ctl.name, namespaces: [agents.name, quota.name] });
  for (const obj of [
    install.serviceAccount,
    install.clusterRole,
    install.secretsClusterRole,
    ...install.roleBindings,
    install.leaderElectionRole,
    install.leaderElectionRoleBinding,
    ...install.networkPolicies,
    ...install.admissionPolicies,
  ]) {
    await admin.apply(obj as never);
  }
  // A spawner of the agent namespace, as the compiler renders it.
  const spawner = spawnerWorkload(
    {
      metadata: { name: 'fix-bugs', namespace: agents.name },
      spec: { when: { githubIssues: {} }, taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } } } as never,
    },
    { secretNames: ['github-token'] },
  );
  for (const obj of [spawner.serviceAccount, spawner.role, spawner.roleBinding]) await admin.apply(obj as never);
  await admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'github-token', namespace: agents.name }, stringData: { GITHUB_TOKEN: 'ghp_x' } });
  await admin.create(workspace(agents.name));
  // Whoever may create Tasks, and nothing else.
  await admin.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'task-author', namespace: agents.name },
    rules: [{ apiGroups: ['kelos.dev'], resources: ['tasks'], verbs: ['create'] }],
  } as never);
  await admin.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'task-author', namespace: agents.name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'task-author' },
    subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
  } as never);
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await Promise.all([ctl, agents, other, quota].map((n) => n?.cleanup()));
  admin?.close();
});

explainFailures(() => controller);

// The README's table, row by row: [who, verb, resource, namespace, allowed].
type Who = 'controller' | 'spawner' | 'agent';
const ROWS = (): Array<[Who, string, string, string, boolean]> => {
  const A = agents.name;
  const O = other.name;
  return [
    ['controller', 'watch', 'tasks.kelos.dev', A, true],
    ['controller', 'patch', 'tasks.kelos.dev/status', A, true],
    ['controller', 'delete', 'tasks.kelos.dev', A, true],
    ['controller', 'create', 'jobs.batch', A, true],
    ['controller', 'delete', 'jobs.batch', A, true],
    ['controller', 'list', 'pods', A, true],
    ['controller', 'get', 'pods/log', A, true],
    ['controller', 'watch', 'events', A, true],
    ['controller', 'create', 'configmaps', A, true],
    ['controller', 'get', 'namespaces/' + A, A, true],
    ['controller', 'create', 'roles.rbac.authorization.k8s.io', A, true],
    ['controller', 'get', 'secrets', A, false],
    ['controller', 'create', 'secrets', A, false],
    ['controller', 'list', 'secrets', A, false],
    ['controller', 'create', 'pods', A, false],
    ['controller', 'create', 'pods/exec', A, false],
    ['controller', 'create', 'serviceaccounts/token', A, false],
    ['controller', 'escalate', 'roles.rbac.authorization.k8s.io', A, false],
    ['controller', 'bind', 'clusterroles.rbac.authorization.k8s.io', A, false],
    ['controller', 'list', 'tasks.kelos.dev', O, false],
    ['controller', 'create', 'jobs.batch', O, false],
    ['controller', 'get', 'secrets', 'kube-system', false],
    ['controller', 'patch', 'configmaps', 'kube-system', false],
    ['controller', 'delete', 'deployments.apps', 'kube-system', false],
    ['controller', 'create', 'rolebindings.rbac.authorization.k8s.io', 'kube-system', false],
    ['controller', 'update', 'leases.coordination.k8s.io', ctl.name, true],
    ['controller', 'list', 'nodes', '', false],
    ['spawner', 'create', 'tasks.kelos.dev', A, true],
    ['spawner', 'delete', 'tasks.kelos.dev', A, true],
    ['spawner', 'patch', 'tasks.kelos.dev', A, false],
    ['spawner', 'get', 'taskspawners.kelos.dev/fix-bugs', A, true],
    ['spawner', 'get', 'taskspawners.kelos.dev/other', A, false],
    ['spawner', 'update', 'taskspawners.kelos.dev/fix-bugs', A, false],
    ['spawner', 'get', 'workspaces.kelos.dev/ws', A, true],
    ['spawner', 'get', 'secrets/github-token', A, false],
    ['spawner', 'list', 'secrets', A, false],
    ['spawner', 'create', 'pods', A, false],
    ['spawner', 'create', 'tasks.kelos.dev', O, false],
    ['agent', 'get', 'secrets', A, false],
    ['agent', 'get', 'tasks.kelos.dev', A, false],
    ['agent', 'create', 'tasks.kelos.dev', A, false],
    ['agent', 'list', 'pods', A, false],
    ['agent', 'get', 'configmaps', A, false],
  ];
};

describe('kubectl auth can-i, as each kelos ServiceAccount', () => {
  it('matches the documented table (at least 30 triples)', () => {
    const as: Record<Who, string> = {
      controller: `system:serviceaccount:${ctl.name}:kelos-controller`,
      spawner: `system:serviceaccount:${agents.name}:fix-bugs-spawner`,
      agent: `system:serviceaccount:${agents.name}:default`,
    };
    const rows = ROWS();
    expect(rows.length).toBeGreaterThanOrEqual(30);
    const answers = rows.map(([who, verb, resource, ns, allowed]) => {
      const [res, sub] =
        resource.includes('/') && !resource.startsWith('namespaces/') && !/\/(fix-bugs|other|ws|github-token)$/.test(resource)
          ? resource.split('/')
          : [resource];
      const args = ['auth', 'can-i', verb, res!, ...(sub ? [`--subresource=${sub}`] : []), ...(ns ? ['-n', ns] : []), `--as=${as[who]}`];
      const r = kubectl(args);
      return { who, verb, resource, ns, allowed, got: r.stdout.trim() === 'yes' };
    });
    expect(answers.filter((a) => a.got !== a.allowed).map((a) => `${a.who} ${a.verb} ${a.resource} -n ${a.ns}: expected ${a.allowed}`)).toEqual([]);
  });
});

describe('confused-deputy attempts, refused by the apiserver', () => {
  const createAsAlice = (spec: Record<string, unknown>) =>
    kubectl(
      ['create', '-f', '-', '--as=alice'],
      JSON.stringify({ ...taskObject(agents.name, `alice-${Math.random().toString(36).slice(2, 8)}`), spec: { ...taskObject('x', 'x').spec, ...spec } }),
    );

  it('lets a user who may only create Tasks create a plain one', () => {
    expect(createAsAlice({}).code).toBe(0);
  });

  it.each([
    ['a privileged pod', { containerSecurityContext: { privileged: true } }, 'privileged must not be true'],
    ['a pod running as root', { podSecurityContext: { runAsUser: 0 } }, 'runAsUser must not be 0 (root)'],
    ['hostPath /', { volumes: [{ name: 'host', hostPath: { path: '/' } }] }, 'hostPath volumes are not allowed'],
    ['an added capability', { containerSecurityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, 'capabilities.add may only contain NET_BIND_SERVICE'],
    ["the spawner's ServiceAccount", { serviceAccountName: 'fix-bugs-spawner' }, 'ServiceAccount "fix-bugs-spawner" is not allowed for agent pods'],
    ["the controller's ServiceAccount", { serviceAccountName: 'kelos-controller' }, 'is not allowed for agent pods'],
    [
      'an arbitrary Secret as environment',
      { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'github-token', key: 'GITHUB_TOKEN' } } }] },
      'Secrets "github-token" are not allowed',
    ],
    ['an arbitrary Secret as a volume', { volumes: [{ name: 's', secret: { secretName: 'github-token' } }] }, 'Secrets "github-token" are not allowed'],
  ])('refuses a Task asking for %s', (_what, podOverrides, message) => {
    const r = createAsAlice({ podOverrides });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(message);
  });

  it("refuses the controller's token a Role that reads Secrets for the agent's ServiceAccount", async () => {
    const client = await serviceAccountClient(ctl.name, 'kelos-controller');
    try {
      const role = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'steal', namespace: agents.name },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
      };
      await expect(client.create(role as never)).rejects.toMatchObject({
        statusCode: 403,
        message: expect.stringContaining('attempting to grant RBAC permissions not currently held'),
      });
      await expect(client.get(resourcePath(Resources.secrets, { namespace: agents.name, name: 'github-token' }))).rejects.toMatchObject({ statusCode: 403 });
      await expect(client.list(resourcePath(Resources.jobs, { namespace: 'kube-system' }))).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      client.close();
    }
  });

  it("refuses a spawner's token another spawner's Task, and every Secret", async () => {
    await admin.create({
      ...taskObject(agents.name, 'of-another'),
      metadata: { name: 'of-another', namespace: agents.name, labels: { 'kelos.dev/taskspawner': 'another' } },
    });
    await admin.create({
      ...taskObject(agents.name, 'fix-bugs-1'),
      metadata: { name: 'fix-bugs-1', namespace: agents.name, labels: { 'kelos.dev/taskspawner': 'fix-bugs' } },
    });
    const client = await serviceAccountClient(agents.name, 'fix-bugs-spawner');
    try {
      const path = (name: string) => resourcePath(Resources.tasks, { namespace: agents.name, name });
      await expect(client.delete(path('of-another'))).rejects.toMatchObject({
        statusCode: 403,
        message: expect.stringContaining('may only create and delete the Tasks labelled kelos.dev/taskspawner: fix-bugs'),
      });
      const forged = {
        ...taskObject(agents.name, 'forged'),
        metadata: { name: 'forged', namespace: agents.name, labels: { 'kelos.dev/taskspawner': 'another' } },
      };
      await expect(client.create(forged)).rejects.toMatchObject({ statusCode: 403 });
      expect(await client.delete(path('fix-bugs-1'))).toBe(true);
      await expect(client.get(resourcePath(Resources.secrets, { namespace: agents.name, name: 'github-token' }))).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      client.close();
    }
  });
});

describe('TaskSpawners with contextSources on the control plane', () => {
  it('refuses a context source header read from a Secret the namespace does not allow', async () => {
    const spawner = (secretName: string) => ({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'TaskSpawner',
      metadata: { name: `ctx-${secretName}`, namespace: agents.name },
      spec: {
        when: { githubIssues: {} },
        taskTemplate: {
          type: 'claude-code',
          credentials: { type: 'none' },
          workspaceRef: { name: 'ws' },
          contextSources: [{ name: 'ctx', http: { url: 'https://ctx.example.com/x', headersFrom: [{ header: 'Authorization', secretName, secretKey: 'k' }] } }],
        },
      },
    });
    await expect(admin.create(spawner('github-token') as never)).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining('taskTemplate.contextSources: Secrets "github-token" are not allowed for agent pods in namespace'),
    });
  });
});

describe('a reporting spawner on the control plane', () => {
  it("may patch the metadata of its own Tasks, never their spec, label, nor another spawner's Task", async () => {
    const reporter = spawnerWorkload(
      {
        metadata: { name: 'reporter', namespace: agents.name },
        spec: {
          when: { githubIssues: { reporting: { enabled: true } } },
          taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } },
        } as never,
      },
      { secretNames: ['github-token'] },
    );
    for (const obj of [reporter.serviceAccount, reporter.role, reporter.roleBinding]) await admin.apply(obj as never);
    await admin.create({
      ...taskObject(agents.name, 'reporter-1'),
      metadata: { name: 'reporter-1', namespace: agents.name, labels: { 'kelos.dev/taskspawner': 'reporter' } },
    });
    await admin.create({
      ...taskObject(agents.name, 'other-1'),
      metadata: { name: 'other-1', namespace: agents.name, labels: { 'kelos.dev/taskspawner': 'another' } },
    });
    const client = await serviceAccountClient(agents.name, 'reporter-spawner');
    try {
      const path = (name: string) => resourcePath(Resources.tasks, { namespace: agents.name, name });
      const patched = await client.mergePatch<{ metadata: { annotations?: Record<string, string> } }>(path('reporter-1'), {
        metadata: { annotations: { 'kelos.dev/reported': 'started' } },
      });
      expect(patched.metadata.annotations).toMatchObject({ 'kelos.dev/reported': 'started' });
      const refused = { statusCode: 403, message: expect.stringContaining('may change only the metadata of the Tasks of its own TaskSpawner') };
      // The spec of a Task is immutable for everyone (422) before the policy sees it (403).
      await expect(client.mergePatch(path('reporter-1'), { spec: { prompt: 'something else' } })).rejects.toMatchObject({
        statusCode: expect.toSatisfy((c: number) => c === 403 || c === 422),
      });
      await expect(client.mergePatch(path('other-1'), { metadata: { labels: { 'kelos.dev/taskspawner': 'reporter' } } })).rejects.toMatchObject(refused);
      await expect(client.mergePatch(path('other-1'), { metadata: { annotations: { 'kelos.dev/reported': 'started' } } })).rejects.toMatchObject({
        statusCode: 403,
      });
    } finally {
      client.close();
    }
  });
});

describe('the webhook server with reporting on the control plane', () => {
  it('may create and patch the metadata of spawned Tasks only, never an unlabelled Task nor the label', async () => {
    const n = agents.name;
    const meta = { namespace: n, labels: { 'kelos.dev/test': 'webhook-server' } };
    await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: WEBHOOK_SERVER_NAME, ...meta } } as never);
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: WEBHOOK_SERVER_NAME, ...meta },
      rules: webhookServerRules([], { workspaces: ['ws'], secrets: [] }),
    } as never);
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: WEBHOOK_SERVER_NAME, ...meta },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WEBHOOK_SERVER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WEBHOOK_SERVER_NAME, namespace: n }],
    } as never);
    await admin.create({ ...taskObject(n, 'hooked-1'), metadata: { name: 'hooked-1', namespace: n, labels: { 'kelos.dev/taskspawner': 'hooked' } } });
    await admin.create({ ...taskObject(n, 'by-hand'), metadata: { name: 'by-hand', namespace: n } });
    const client = await serviceAccountClient(n, WEBHOOK_SERVER_NAME);
    try {
      const path = (name: string) => resourcePath(Resources.tasks, { namespace: n, name });
      const patched = await client.mergePatch<{ metadata: { annotations?: Record<string, string> } }>(path('hooked-1'), {
        metadata: { annotations: { 'kelos.dev/reported': 'started' } },
      });
      expect(patched.metadata.annotations).toMatchObject({ 'kelos.dev/reported': 'started' });
      const refused = { statusCode: 403, message: expect.stringContaining('may change only the metadata of the Tasks of a TaskSpawner') };
      await expect(client.mergePatch(path('by-hand'), { metadata: { annotations: { 'kelos.dev/reported': 'started' } } })).rejects.toMatchObject({
        statusCode: 403,
      });
      await expect(client.mergePatch(path('by-hand'), { metadata: { finalizers: [] } })).rejects.toMatchObject({ statusCode: 403 });
      await expect(client.mergePatch(path('hooked-1'), { metadata: { labels: { 'kelos.dev/taskspawner': 'other' } } })).rejects.toMatchObject(refused);
      await expect(client.create({ ...taskObject(n, 'unlabelled'), metadata: { name: 'unlabelled', namespace: n } })).rejects.toMatchObject({
        statusCode: 403,
        message: expect.stringContaining('may only create Tasks labelled kelos.dev/taskspawner'),
      });
      const made = await client.create({
        ...taskObject(n, 'hooked-2'),
        metadata: { name: 'hooked-2', namespace: n, labels: { 'kelos.dev/taskspawner': 'hooked' } },
      });
      expect(made.metadata?.name).toBe('hooked-2');
    } finally {
      client.close();
    }
  });
});

describe('under Pod Security "restricted"', () => {
  it('admits the pod of every init container and the agent, built by the controller with only its own rights', async () => {
    const client = await serviceAccountClient(ctl.name, 'kelos-controller');
    controller = await startController(agents.name, { client, namespaces: [agents.name, quota.name], jobStartTimeoutMs: 3000 });
    await admin.create({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'AgentConfig',
      metadata: { name: 'ac', namespace: agents.name },
      spec: { plugins: [{ name: 'p', skills: [{ name: 's', content: 'x' }] }], skills: [{ source: 'acme/skills' }] },
    });
    await admin.create(taskObject(agents.name, 'full', { workspaceRef: { name: 'ws' }, agentConfigRef: { name: 'ac' }, branch: 'agent/full' }));
    const pod = await waitFor(
      'the agent pod',
      async () => (await admin.list<k8s.V1Pod>(resourcePath(Resources.pods, { namespace: agents.name }), { labelSelector: 'kelos.dev/task=full' })).items[0],
    );
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'branch-setup', 'workspace-files', 'plugin-setup', 'skills-install']);
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.volumes!.some((v) => v.projected)).toBe(false);
    await waitForPhase(admin, agents.name, 'full', ['Succeeded']);
  });

  it('admits spawner and controller pods', async () => {
    await label(ctl.name, RESTRICTED);
    const install = controllerInstall(CONTROLLER_RULES, { namespace: ctl.name, namespaces: [agents.name] });
    const spawner = spawnerWorkload(
      {
        metadata: { name: 'fix-bugs', namespace: agents.name },
        spec: { when: { githubIssues: {} }, taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, workspaceRef: { name: 'ws' } } } as never,
      },
      { secretNames: ['github-token'] },
    );
    await admin.apply(install.deployment as never);
    await admin.apply(spawner.deployment as never);
    for (const [ns, selector] of [
      [ctl.name, 'kelos.dev/component=controller'],
      [agents.name, 'kelos.dev/component=spawner'],
    ] as const) {
      const pods = await waitFor(`pods of ${selector}`, async () => {
        const list = await admin.list<k8s.V1Pod>(resourcePath(Resources.pods, { namespace: ns }), { labelSelector: selector });
        return list.items.length > 0 ? list.items : undefined;
      });
      expect(pods[0]!.spec!.securityContext!.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    }
  });
});

describe('a Job that cannot start its Pod', () => {
  it('fails its Task with the reason PodSecurity gave, and the Job is deleted', async () => {
    // An NFS volume is valid Kelos and not privileged, but not allowed under "restricted".
    await admin.create(taskObject(agents.name, 'nfs', { podOverrides: { volumes: [{ name: 'data', nfs: { server: 'nfs.example.com', path: '/data' } }] } }));
    const t = await waitForPhase(admin, agents.name, 'nfs', ['Failed']);
    expect(t.status?.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({ reason: 'JobStartTimeout' });
    expect(t.status?.message).toMatch(/^The Job's Pod did not start within 3s: Job "nfs" cannot create its Pod: .*violates PodSecurity "restricted:latest"/);
    await waitFor('the Job to be deleted', async () => !(await getJob(admin, agents.name, 'nfs')));
  });

  it('fails its Task with the reason a ResourceQuota gave', async () => {
    await admin.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods', namespace: quota.name }, spec: { hard: { pods: '0' } } });
    await waitFor(
      'the quota to be counted',
      async () => (await admin.get<k8s.V1ResourceQuota>(resourcePath(Resources.resourceQuotas, { namespace: quota.name, name: 'no-pods' })))?.status?.hard,
    );
    await admin.create(taskObject(quota.name, 'quota'));
    const t = await waitForPhase(admin, quota.name, 'quota', ['Failed']);
    expect(t.status?.message).toMatch(/cannot create its Pod: .*exceeded quota: no-pods/);
    const events = await admin.list<k8s.CoreV1Event>(resourcePath(Resources.events, { namespace: quota.name }), {
      fieldSelector: 'involvedObject.kind=Task,involvedObject.name=quota',
    });
    expect(events.items.map((e) => e.reason)).toContain('JobStartTimeout');
  });
});
