import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Task, TaskSpawner } from '../../lib/api/index.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { objectPath, Resources, resourcePath } from '../../lib/kube/resource-path.js';
import type { WebhookServerInstallOptions } from '../../lib/render/webhook-server.js';
import type { WebhookServerOptions } from '../../lib/webhook/server.js';
import { createNamespace, type TestNamespace, waitFor } from '../cluster/harness.js';
import { clusterClient } from '../controller/_cluster.js';
import { GitHubEmulator } from '../emulators/github.js';
import { commentPayload, fixtureSpawner, githubDelivery, pullRequestPayload, SECRET } from './_deliveries.js';
import { createSpawner, type RunningServer, send, startWebhookServer, webhookServerClient } from './_servers.js';

// The webhook server reports the Tasks of a githubWebhook spawner with
// reporting to the GitHub emulator, as the ServiceAccount of the rendered
// Role, against the real apiserver: a comment made when the Task runs and
// edited when it ends, a Check Run for a pull request event, a failed call
// tried again after its backoff without a second comment.

// An installation token: only Apps create check runs.
const TOKEN = 'ghs_webhook_reporting';
const WRITES = [
  'POST /repos/{owner}/{repo}/issues/{number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
];
const BACKOFF_MS = 3_600_000;

let admin: KubeClient;
let ns: TestNamespace;
let gh: GitHubEmulator;
let a: RunningServer;
let b: RunningServer;
let options: WebhookServerInstallOptions;
let config: Omit<WebhookServerOptions, 'client'>;
let client: KubeClient;
// The servers' clock runs ahead by this much when a test moves past a backoff.
let skew = 0;

const writes = () => WRITES.reduce((n, r) => n + (gh.stats().routes[r]?.requests ?? 0), 0);
const taskPath = (name: string) => resourcePath(Resources.tasks, { namespace: ns.name, name });
const task = async (name: string) => (await admin.get<Task>(taskPath(name)))!;

/** Moves a Task to a phase as the controller would. */
async function phase(name: string, p: 'Running' | 'Succeeded' | 'Failed', results?: Record<string, string>): Promise<void> {
  const t = await task(name);
  const done = p !== 'Running';
  await admin.mergePatch(objectPath(t, 'status'), {
    status: { phase: p, ...(done ? { completionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}), ...(results ? { results } : {}) },
  });
}

const reporter = (): TaskSpawner => {
  const s = fixtureSpawner('examples/10-taskspawner-github-webhook/taskspawner.yaml', 'x');
  return {
    ...s,
    metadata: { name: 'reporter', namespace: '' },
    spec: {
      ...s.spec,
      when: { githubWebhook: { ...s.spec.when.githubWebhook!, repository: 'acme/app', reporting: { enabled: true, checks: {} } } },
      taskTemplate: { ...s.spec.taskTemplate, workspaceRef: { name: 'app' }, branch: undefined, promptTemplate: 'Look at #{{.Number}}: {{.Title}}' },
    },
  } as TaskSpawner;
};

// A spawner of another repository whose Workspace holds GitHub App keys; Check Runs only, under their own name.
const appReporter = (namespace: string): TaskSpawner => {
  const s = reporter();
  return {
    ...s,
    metadata: { name: 'app-reporter', namespace },
    spec: {
      ...s.spec,
      when: { githubWebhook: { events: ['pull_request'], repository: 'acme/apprepo', reporting: { checks: { name: 'Agents review' } } } },
      taskTemplate: { ...s.spec.taskTemplate, workspaceRef: { name: 'apprepo' } },
    },
  };
};

beforeAll(async () => {
  admin = await clusterClient();
  ns = await createNamespace('webhook-report');
  gh = await GitHubEmulator.start({ requireAuth: true });
  gh.addToken(TOKEN, 'kelos-app[bot]');
  gh.repo('acme/app');
  const secret = (name: string, data: Record<string, string>) =>
    admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns.name }, stringData: data } as never);
  await secret('github-webhook-secret', { WEBHOOK_SECRET: SECRET });
  await secret('github-token', { GITHUB_TOKEN: TOKEN });
  // A Secret of the namespace the Role does not name: never read.
  await secret('other-token', { GITHUB_TOKEN: 'not-this-one' });
  await admin.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'app', namespace: ns.name },
    spec: { repo: `${gh.url}/acme/app.git`, ref: 'main', secretRef: { name: 'github-token' } },
  } as never);
  const s = reporter();
  await createSpawner(admin, { ...s, metadata: { ...s.metadata, namespace: ns.name } });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  gh.addApp(4242, publicKey.export({ type: 'spki', format: 'pem' }).toString(), [77]);
  gh.repo('acme/apprepo');
  await secret('app-keys', { appID: '4242\n', installationID: '77\n', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() });
  await admin.create({
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name: 'apprepo', namespace: ns.name },
    spec: { repo: `${gh.url}/acme/apprepo.git`, ref: 'main', secretRef: { name: 'app-keys' } },
  } as never);
  await createSpawner(admin, appReporter(ns.name));
  options = {
    namespace: ns.name,
    github: { secretName: 'github-webhook-secret' },
    reporting: { workspaces: ['app', 'apprepo'], secrets: ['app-keys', 'github-token'] },
  };
  client = await webhookServerClient(admin, options);
  config = {
    namespace: ns.name,
    github: options.github,
    now: () => Date.now() + skew,
    reporting: { githubApiBaseUrl: gh.url, github: { retries: 0 }, backoff: { baseMs: BACKOFF_MS }, intervalMs: 200 },
  };
  a = await startWebhookServer(client, config, 'report-a');
  b = await startWebhookServer(client, config, 'report-b');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await gh?.close();
  await ns?.cleanup();
});

beforeEach(({ onTestFailed }) => {
  gh.clearFaults();
  onTestFailed(() => {
    for (const s of [a, b]) {
      if (!s) continue;
      const lines = readFileSync(s.logFile, 'utf8').trimEnd().split('\n').slice(-15);
      console.error(`${s.logFile}:\n${lines.map((l) => `  ${l.slice(0, 400)}`).join('\n')}`);
    }
  });
});

describe('the webhook server with reporting', () => {
  it('has the rights it needs and no more: its Role lists and patches Tasks, reads its Workspace and token Secret by name', async () => {
    expect(await client.get(resourcePath(Resources.secrets, { namespace: ns.name, name: 'github-token' }))).toBeDefined();
    await expect(client.get(resourcePath(Resources.secrets, { namespace: ns.name, name: 'other-token' }))).rejects.toThrow(/forbidden/i);
    await expect(client.list(resourcePath(Resources.workspaces, { namespace: ns.name }))).rejects.toThrow(/forbidden/i);
  });

  it('comments on the issue when the Task runs and edits the comment when it succeeds; the comment carries no payload text', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'Crash', user: 'stranger' });
    const payload = commentPayload({ body: '/agent fix @everyone <!-- {{.Body}} -->', number: n, author: 'stranger' });
    const answer = await send(a, githubDelivery('issue_comment', payload));
    expect(answer.status).toBe(200);
    const name = answer.body.tasks![0]!.name;
    expect((await task(name)).metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'issue', 'kelos.dev/reported': 'pending' });

    await phase(name, 'Running');
    await a.server.reporting!.syncOnce();
    let t = await task(name);
    expect(t.metadata.annotations!['kelos.dev/reported']).toBe('started');
    const [comment] = repo.comments(n);
    expect(repo.comments(n)).toHaveLength(1);
    expect(comment!.body).toBe(`<!-- kelos.dev/task ${t.metadata.uid} -->\nKelos Task \`${name}\` started.`);
    expect(t.metadata.annotations!['kelos.dev/report-comment-id']).toBe(String(comment!.id));
    // An issue has no head: no check run.
    expect(repo.checkRuns()).toEqual([]);

    await phase(name, 'Succeeded', { 'cost-usd': '0.25', branch: 'evil @everyone' });
    await b.server.reporting!.syncOnce();
    t = await task(name);
    expect(t.metadata.annotations!['kelos.dev/reported']).toBe('succeeded');
    expect(repo.comments(n).map((c) => [c.id, c.body])).toEqual([
      [
        comment!.id,
        [`<!-- kelos.dev/task ${t.metadata.uid} -->`, `Kelos Task \`${name}\` succeeded.`, '', '| | |', '|---|---|', '| Cost | $0.25 |'].join('\n'),
      ],
    ]);

    // Reported: later passes, at either replica, say nothing again.
    gh.resetStats();
    await a.server.reporting!.syncOnce();
    await b.server.reporting!.syncOnce();
    expect(writes()).toBe(0);
  });

  it('keeps a Check Run on the head of a pull request event, completed as the Task failed', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createPull({ title: 'Retry' });
    const sha = repo.headSha(n);
    const answer = await send(a, githubDelivery('pull_request', pullRequestPayload({ number: n, sha, title: 'Retry {{.Payload}} @everyone' })));
    expect(answer.status).toBe(200);
    const name = answer.body.tasks![0]!.name;
    expect((await task(name)).metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'pull-request', 'kelos.dev/source-sha': sha });
    expect((await task(name)).spec.prompt).toBe(`Look at #${n}: Retry {{.Payload}} @everyone`);

    await phase(name, 'Running');
    await a.server.reporting!.syncOnce();
    const uid = (await task(name)).metadata.uid;
    const runs = () => repo.checkRuns().filter((r) => r.externalId === uid);
    expect(runs()).toEqual([expect.objectContaining({ name: 'Kelos: reporter', headSha: sha, status: 'in_progress' })]);
    expect(repo.comments(n)).toHaveLength(1);

    await phase(name, 'Failed');
    await a.server.reporting!.syncOnce();
    expect(runs()).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'failure' })]);
    expect(repo.comments(n).map((c) => c.body)).toEqual([expect.stringContaining(`Kelos Task \`${name}\` failed.`)]);
    for (const c of repo.comments(n)) expect(c.body).not.toContain('@everyone');
  });

  it("reports with the GitHub App keys of another spawner's Workspace: a Check Run of its own name, no comment", async () => {
    const repo = gh.repo('acme/apprepo');
    const n = repo.createPull({ title: 'App' });
    const sha = repo.headSha(n);
    const payload = { ...pullRequestPayload({ number: n, sha }), repository: { full_name: 'acme/apprepo', name: 'apprepo', owner: { login: 'acme' } } };
    const answer = await send(a, githubDelivery('pull_request', payload));
    expect(answer.body.tasks).toEqual([{ name: expect.stringMatching(/^app-reporter-pull-request-/), created: true }]);
    const name = answer.body.tasks![0]!.name;
    await a.server.reporting!.syncOnce();
    expect(repo.checkRuns()).toEqual([expect.objectContaining({ name: 'Agents review', headSha: sha, status: 'in_progress' })]);
    await phase(name, 'Succeeded');
    await a.server.reporting!.syncOnce();
    expect(repo.checkRuns()).toEqual([expect.objectContaining({ name: 'Agents review', status: 'completed', conclusion: 'success' })]);
    expect(repo.comments(n)).toEqual([]);
    expect((await task(name)).metadata.annotations!['kelos.dev/reported']).toBe('succeeded');
  });

  it('tries a failed report again only after its backoff, and never comments twice', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'Flaky' });
    const answer = await send(a, githubDelivery('issue_comment', commentPayload({ body: '/agent go', number: n, id: 5005 })));
    const name = answer.body.tasks![0]!.name;
    await phase(name, 'Running');

    gh.setFaults({ rate: 1, kinds: ['server-error'], match: /\/issues\/\d+\/comments$/ });
    await a.server.reporting!.syncOnce();
    gh.clearFaults();
    expect(repo.comments(n)).toEqual([]);
    expect((await task(name)).metadata.annotations!['kelos.dev/reported']).toBe('pending');
    // Within the backoff: nothing is tried.
    gh.resetStats();
    await a.server.reporting!.syncOnce();
    expect(writes()).toBe(0);
    expect(a.server.reporting!.nextRetryAt()).toBeGreaterThan(Date.now());

    skew += BACKOFF_MS + 1000;
    await a.server.reporting!.syncOnce();
    expect(repo.comments(n)).toHaveLength(1);
    expect((await task(name)).metadata.annotations!['kelos.dev/reported']).toBe('started');

    // The edit at the end fails once too: the comment is edited after the backoff, still one.
    await phase(name, 'Succeeded');
    gh.setFaults({ rate: 1, kinds: ['server-error'], match: /\/issues\/comments\/\d+$/ });
    await a.server.reporting!.syncOnce();
    gh.clearFaults();
    expect((await task(name)).metadata.annotations!['kelos.dev/reported']).toBe('started');
    skew += 2 * BACKOFF_MS + 1000;
    await a.server.reporting!.syncOnce();
    expect((await task(name)).metadata.annotations!['kelos.dev/reported']).toBe('succeeded');
    expect(repo.comments(n).map((c) => c.body)).toEqual([expect.stringContaining(`Kelos Task \`${name}\` succeeded.`)]);
  });

  it('reports from one replica at a time: both running, the Task gets one comment', async () => {
    const repo = gh.repo('acme/app');
    const n = repo.createIssue({ title: 'Both' });
    const answer = await send(b, githubDelivery('issue_comment', commentPayload({ body: '/agent both', number: n, id: 6006 })));
    const name = answer.body.tasks![0]!.name;
    await phase(name, 'Running');
    const stop = new AbortController();
    const runs = [a.server.reporting!.run(stop.signal, 'replica-a'), b.server.reporting!.run(stop.signal, 'replica-b')];
    try {
      await waitFor('the started report', async () => (await task(name)).metadata.annotations!['kelos.dev/reported'] === 'started');
      await phase(name, 'Succeeded');
      await waitFor('the succeeded report', async () => (await task(name)).metadata.annotations!['kelos.dev/reported'] === 'succeeded');
    } finally {
      stop.abort();
      await Promise.all(runs);
    }
    expect(repo.comments(n)).toHaveLength(1);
    const lease = await admin.get<{ spec: { holderIdentity?: string } }>(
      resourcePath(Resources.leases, { namespace: ns.name, name: 'kelos-webhook-server-reporting' }),
    );
    // Released on stop, so a standby takes over at once.
    expect(lease?.spec.holderIdentity ?? '').toBe('');
  });
});
