// Tasks that run for real: a control plane of this file's own with a real
// node (containerd, runc, kubelet; test/cluster/node/), the controller and a
// spawner from dist/ running from the kelos image, and agent Jobs whose every
// init container runs in the images built by scripts/images.ts. The agent
// image is the real claude-code image with only its `claude` CLI replaced by a
// stand-in (test/images/fake-agent/), which records what it found, commits and
// pushes to a git server on the pod network (git http-backend, token checked).
//
// Skipped, with the reason, where the machine cannot run a real node (not
// root, packages or images missing); KELOS_TEST_REQUIRE_REAL_NODE=1 (CI) turns
// that into a failure.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_CLI_AGENT_IMAGE } from '../../scripts/images.js';
import type { ControlPlane } from '../cluster/launcher.js';
import { REAL_NODE_NAME } from '../cluster/node/real-node.js';
import { type GitServer, startGitServer } from '../emulators/git-http.js';
import { GROUP, type RealNodeCluster, skipRealNode, startRealNodeCluster, VERSION, waitFor } from './_real-node.js';

const root = join(import.meta.dirname, '../..');
const skip = skipRealNode(FAKE_CLI_AGENT_IMAGE, 'real node', 'the real-node tests');

let c: RealNodeCluster;
let cp: ControlPlane;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let git: GitServer;
let gateway: string;
const token = `ghp_${randomBytes(12).toString('hex')}`;
const ns = 'team';
const RESTRICTED_NS = 'restricted-team';
let repoUrl: string;
let mirrorUrl: string;
let failed = false;

const kubectl = (args: string[]) => c.kubectl(args);
const createNamespace = (name: string, labels?: Record<string, string>) => c.createNamespace(name, labels);

const kelosObject = (kind: string, namespace: string, name: string, spec: object) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind,
  metadata: { name, namespace },
  spec,
});

interface TaskStatus {
  phase?: string;
  message?: string;
  podName?: string;
  results?: Record<string, string>;
  outputs?: string[];
}
interface TaskObject {
  metadata: { creationTimestamp?: string | Date };
  status?: TaskStatus;
}

async function createTask(namespace: string, name: string, spec: object): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'tasks',
    body: kelosObject('Task', namespace, name, {
      type: 'claude-code',
      credentials: { type: 'api-key', secretRef: { name: 'anthropic' } },
      image: FAKE_CLI_AGENT_IMAGE,
      ...spec,
    }),
  });
}

async function getTask(namespace: string, name: string): Promise<TaskObject> {
  return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'tasks', name })) as TaskObject;
}

function finished(namespace: string, name: string, timeoutMs = 240_000): Promise<TaskObject> {
  return c.finishedTask<TaskObject>(namespace, name, timeoutMs);
}

async function podOf(namespace: string, task: string): Promise<k8s.V1Pod> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `kelos.dev/task=${task}` });
  const pod = pods.items.sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)))[0];
  if (!pod) throw new Error(`no pod of Task ${namespace}/${task}`);
  return pod;
}

/** Milliseconds from the Task's creation to its agent container starting on the node. */
function agentStartLatency(task: TaskObject, pod: k8s.V1Pod): number | undefined {
  const s = pod.status?.containerStatuses?.find((c) => c.name === 'kelos-agent')?.state;
  const started = s?.running?.startedAt ?? s?.terminated?.startedAt;
  if (!started || !task.metadata.creationTimestamp) return undefined;
  return new Date(started).getTime() - new Date(task.metadata.creationTimestamp).getTime();
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(skip)(`Tasks on the real node ${REAL_NODE_NAME}`, { timeout: 300_000 }, () => {
  beforeAll(async () => {
    c = await startRealNodeCluster('real node');
    ({ cp, core, custom } = c);
    gateway = cp.realNode!.gateway;

    // The controller as kelos synth renders it (CRDs, RBAC, its Deployment in
    // kelos-system, restricted Pod Security), installed for the test's
    // namespaces, which are made first so their pods go to the real node.
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
    for (const n of ['kelos-system', ns, 'kelos-examples']) await createNamespace(n);
    await createNamespace(RESTRICTED_NS, restricted);
    await c.installController([ns, 'kelos-examples', RESTRICTED_NS], [ns]);

    git = await startGitServer({ host: gateway, token });
    repoUrl = git.createRepo('acme/app', { 'README.md': '# app\n', 'src/index.js': 'console.log("app");\n' });
    mirrorUrl = git.createRepo('acme/app-mirror', { 'README.md': '# mirror\n' });

    const secret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    await secret('anthropic', { ANTHROPIC_API_KEY: 'sk-ant-test-not-a-key' });
    await secret('github-token', { GITHUB_TOKEN: token });
    await secret('wrong-token', { GITHUB_TOKEN: 'ghp_not-the-token' });
    await secret('mcp-auth', { Authorization: 'Bearer mcp-test' });
    const create = (kind: string, name: string, spec: object) =>
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: `${kind.toLowerCase()}s`,
        body: kelosObject(kind, ns, name, spec),
      });
    await create('Workspace', 'app', {
      repo: repoUrl,
      ref: 'main',
      secretRef: { name: 'github-token' },
      remotes: [{ name: 'mirror', url: mirrorUrl }],
      files: [{ path: 'notes/task.md', content: 'Keep the public API stable.\n' }],
    });
    await create('Workspace', 'app-wrong-token', { repo: repoUrl, ref: 'main', secretRef: { name: 'wrong-token' } });
    await create('AgentConfig', 'conventions', {
      agentsMD: '# Conventions\nRun the tests before you push.\n',
      plugins: [{ name: 'team', skills: [{ name: 'review', content: 'Review the diff for API changes.\n' }] }],
      mcpServers: [{ name: 'docs', type: 'http', url: `http://${gateway}:9/mcp`, headersFrom: { secretRef: { name: 'mcp-auth' } } }],
    });
  }, 900_000);

  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(() => {
      if (!task.fails) failed = true;
    });
  });

  afterAll(async () => {
    await git?.close();
    const r = await cp?.stop({ failed });
    if (r?.keptRunDir) console.error(`[real node] logs kept in ${r.keptRunDir}/logs`);
  }, 120_000);

  it('runs the controller from its image, on the real node, as kelos synth renders it', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'kelos-system', labelSelector: 'kelos.dev/component=controller' });
    const running = pods.items.filter((p) => p.status?.phase === 'Running');
    expect(running.length).toBeGreaterThanOrEqual(1);
    for (const p of running) {
      expect(p.spec?.nodeName).toBe(REAL_NODE_NAME);
      expect(p.status?.containerStatuses?.[0]?.imageID).toMatch(/sha256:/);
    }
    // kubectl logs, through the apiserver and the kubelet's serving certificate
    const logs = await kubectl(['logs', '-n', 'kelos-system', running[0]!.metadata!.name!]);
    expect(logs).toMatch(/"msg":"[A-Z]/);
  });

  it('runs a Task through every init container and reports branch, commit and base-branch', async () => {
    await createTask(ns, 'first', {
      prompt: 'Add a health check endpoint',
      workspaceRef: { name: 'app' },
      agentConfigRef: { name: 'conventions' },
      branch: 'agent/health-check',
    });
    const task = await finished(ns, 'first');
    const pod = await podOf(ns, 'first');
    expect(task.status?.phase, task.status?.message).toBe('Succeeded');
    expect(pod.spec?.nodeName).toBe(REAL_NODE_NAME);
    // every init container ran, in order, and exited 0
    expect(pod.status?.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode])).toEqual([
      ['git-clone', 0],
      ['remote-setup', 0],
      ['branch-setup', 0],
      ['workspace-files', 0],
      ['plugin-setup', 0],
    ]);

    const head = git.revParse('acme/app', 'agent/health-check');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(task.status?.results).toMatchObject({ branch: 'agent/health-check', commit: head, 'base-branch': 'main', 'cost-usd': '0.0125' });

    const report = JSON.parse(git.show('acme/app', 'agent/health-check', 'kelos-agent-report.json'));
    expect(report).toMatchObject({
      prompt: 'Add a health check endpoint',
      uid: 61100,
      cwd: '/workspace/repo',
      branch: 'agent/health-check',
      head: git.revParse('acme/app', 'main'),
      claudeMd: expect.stringContaining('Run the tests before you push.'),
      untracked: { 'notes/task.md': 'Keep the public API stable.\n' },
      env: { KELOS_AGENT_TYPE: 'claude-code', KELOS_BRANCH: 'agent/health-check', KELOS_BASE_BRANCH: 'main' },
      githubTokenSet: true,
    });
    expect(report.remotes).toEqual([
      { name: 'mirror', url: mirrorUrl },
      { name: 'origin', url: repoUrl },
    ]);
    expect(report.plugins).toEqual([{ dir: '/kelos/plugin/team', files: { 'skills/review/SKILL.md': 'Review the diff for API changes.\n' } }]);
    expect(report.mcpServers.docs).toMatchObject({ type: 'http', url: `http://${gateway}:9/mcp`, headers: { Authorization: 'Bearer mcp-test' } });
    // the token never reached git's configuration or the pushed files
    expect(JSON.stringify(report)).not.toContain(token);
    // the clone asked for credentials, and got them from the mounted Secret through the helper
    expect(git.requests.some((r) => r.path === '/acme/app.git/info/refs' && r.auth === 'missing')).toBe(true);
    expect(git.requests.some((r) => r.path === '/acme/app.git/git-receive-pack' && r.auth === 'ok')).toBe(true);

    // the agent's log through the apiserver: the stream and the outputs block
    const log = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: ns, container: 'kelos-agent' });
    expect(log).toContain('---KELOS_OUTPUTS_START---\nbranch: agent/health-check\n');
    console.error(`[real node] Task creation to agent container start: ${agentStartLatency(task, pod)} ms`);
  });

  it('hands the results to a dependant Task through .Deps, which continues on the branch', async () => {
    await finished(ns, 'first');
    const first = git.revParse('acme/app', 'agent/health-check');
    await createTask(ns, 'second', {
      prompt: 'Continue from {{.Deps.first.Results.commit}} on {{.Deps.first.Results.branch}}',
      workspaceRef: { name: 'app' },
      branch: 'agent/health-check',
      dependsOn: ['first'],
    });
    const task = await finished(ns, 'second');
    expect(task.status?.phase).toBe('Succeeded');
    const report = JSON.parse(git.show('acme/app', 'agent/health-check', 'kelos-agent-report.json'));
    expect(report.prompt).toBe(`Continue from ${first} on agent/health-check`);
    // branch-setup checked out the pushed branch, so the agent started from the first Task's commit
    expect(report.head).toBe(first);
    expect(task.status?.results?.commit).toBe(git.revParse('acme/app', 'agent/health-check'));
    expect(task.status?.results?.commit).not.toBe(first);
  });

  it('fails a Task whose agent exits 1, saying so', async () => {
    await createTask(ns, 'agent-fails', { prompt: 'KELOS-TEST exit=1', workspaceRef: { name: 'app' } });
    const task = await finished(ns, 'agent-fails');
    expect(task.status?.phase).toBe('Failed');
    const pod = await podOf(ns, 'agent-fails');
    expect(pod.status?.containerStatuses?.find((c) => c.name === 'kelos-agent')?.state?.terminated?.exitCode).toBe(1);
    // the Job's reason; which container failed, and how, is only on the pod
    expect(task.status?.message).toMatch(/^Job failed: BackoffLimitExceeded\b/);
  });

  it('fails a Task whose git-clone is refused for a bad token', async () => {
    const before = git.requests.filter((r) => r.auth === 'wrong').length;
    await createTask(ns, 'bad-token', { prompt: 'never runs', workspaceRef: { name: 'app-wrong-token' } });
    const task = await finished(ns, 'bad-token');
    expect(task.status?.phase).toBe('Failed');
    const pod = await podOf(ns, 'bad-token');
    const clone = pod.status?.initContainerStatuses?.find((c) => c.name === 'git-clone');
    expect(clone?.state?.terminated?.exitCode).not.toBe(0);
    expect(pod.status?.containerStatuses?.find((c) => c.name === 'kelos-agent')?.state?.terminated).toBeUndefined();
    expect(git.requests.filter((r) => r.auth === 'wrong').length).toBeGreaterThan(before);
    const log = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: ns, container: 'git-clone' });
    expect(log).toContain('Authentication failed');
    expect(task.status?.message).toMatch(/^Job failed: BackoffLimitExceeded\b/);
  });

  it('fails a Task killed by activeDeadlineSeconds, saying so', async () => {
    await createTask(ns, 'too-slow', { prompt: 'KELOS-TEST sleep', workspaceRef: { name: 'app' }, podOverrides: { activeDeadlineSeconds: 20 } });
    const task = await finished(ns, 'too-slow');
    expect(task.status?.phase).toBe('Failed');
    expect(task.status?.message).toMatch(/^Job failed: DeadlineExceeded: Job was active longer than specified deadline/);
  });

  it('runs a spawner Deployment from dist/ that reads its TaskSpawner through the in-cluster apiserver', async () => {
    const n = 'kelos-examples';
    const files = ['ServiceAccount', 'Role', 'RoleBinding', 'TaskSpawner', 'Deployment'].map((k) =>
      join(root, 'dist/examples', `${k}.${k === 'TaskSpawner' ? 'fix-bugs' : 'fix-bugs-spawner'}.yaml`),
    );
    await kubectl([
      'apply',
      '--server-side',
      '--field-manager=kelos',
      ...files.flatMap((f) => ['-f', f]),
      '-f',
      join(root, 'dist/examples/Workspace.my-workspace.yaml'),
    ]);
    const pod = await waitFor(
      'the fix-bugs spawner pod running on the real node',
      async () => {
        const pods = await core.listNamespacedPod({ namespace: n, labelSelector: 'kelos.dev/taskspawner=fix-bugs' });
        return pods.items.find((p) => p.status?.phase === 'Running' && p.status.podIP);
      },
      180_000,
    );
    expect(pod.spec?.nodeName).toBe(REAL_NODE_NAME);
    // A cycle ran (GitHub itself is out of reach from the pod network): the spawner read its TaskSpawner and Workspace.
    const metrics = await waitFor(
      'a spawner cycle on /metrics',
      async () => {
        const m = await httpGet(`http://${pod.status!.podIP}:8080/metrics`);
        return /^kelos_spawner_cycles_total\{[^}]*\} [1-9]/m.test(m) ? m : undefined;
      },
      120_000,
    );
    expect(metrics).toMatch(/kelos_spawner_cycles_total\{[^}]*taskspawner="fix-bugs"[^}]*\} [1-9]/);
  });

  // Agent pods declare what the restricted Pod Security Standard asks for
  // (seccomp RuntimeDefault, no privilege escalation, every capability dropped).
  it('runs an agent pod in a namespace that enforces the restricted Pod Security Standard', async () => {
    const n = RESTRICTED_NS;
    await core.createNamespacedSecret({ namespace: n, body: { metadata: { name: 'anthropic' }, stringData: { ANTHROPIC_API_KEY: 'sk-ant-test-not-a-key' } } });
    await createTask(n, 'restricted', { prompt: 'KELOS-TEST exit=0' });
    const outcome = await waitFor(
      'the restricted Task to finish, or its pod to be refused',
      async () => {
        const refused = (await core.listNamespacedEvent({ namespace: n })).items.find((e) => e.reason === 'FailedCreate');
        if (refused) return `the Job's pod was refused: ${refused.message}`;
        const t = await getTask(n, 'restricted');
        if (t.status?.phase === 'Failed') return `the Task failed: ${t.status.message}`;
        return t.status?.phase === 'Succeeded' ? 'Succeeded' : undefined;
      },
      180_000,
    );
    if (outcome !== 'Succeeded') console.error(`[real node] restricted namespace: ${outcome}`);
    expect(outcome).toBe('Succeeded');
  });
});
