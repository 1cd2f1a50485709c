// The golden path, end to end on the real node: a pipeline written with the
// constructs (test/e2e/golden-path.pipeline.ts) is rendered by `kelos synth`
// and applied with kubectl; the controller and the spawner run from the kelos
// image as rendered. An issue labelled on the GitHub emulator becomes a Task,
// the Task a Job, and the real Claude Code CLI, driven by the scripted
// Anthropic emulator, edits the repository, pushes the Task's branch to the
// git server and opens a pull request with `gh pr create`; the Task's results
// carry the PR URL to a dependant Task through .Deps. Each hop's latency is
// printed (`[golden path]` lines).
//
// gh speaks HTTPS to a GitHub Enterprise host (https://<host>/api/v3 on port
// 443), so the emulator serves TLS on the gateway's port 443 with a
// certificate of a CA this file makes; the CA reaches the agent as a Workspace
// file, and SSL_CERT_FILE (podOverrides.env) names it. The spawner polls the
// same emulator over plain HTTP (githubApiBaseUrl).
//
// Skipped, with the reason, where the machine cannot run a real node;
// KELOS_TEST_REQUIRE_REAL_NODE=1 (CI) turns that into a failure.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KELOS_IMAGE } from '../../lib/render/images.js';
import { agentImage } from '../../scripts/images.js';
import type { ControlPlane } from '../cluster/launcher.js';
import { REAL_NODE_NAME } from '../cluster/node/real-node.js';
import { AnthropicEmulator } from '../emulators/anthropic.js';
import { type GitServer, startGitServer } from '../emulators/git-http.js';
import { GitHubEmulator } from '../emulators/github.js';
import { GITHUB_CA_FILE, tlsFor } from './_github-tls.js';
import { GROUP, type RealNodeCluster, skipRealNode, startRealNodeCluster, type TaskObject, VERSION, waitFor } from './_real-node.js';
import type { GoldenPathValues } from './golden-path.pipeline.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const AGENT_IMAGE = agentImage('claude-code');
const skip = skipRealNode(AGENT_IMAGE, 'golden path', 'the golden path on the real node');

const ns = 'team';
const API_KEY = `sk-ant-test-${randomBytes(8).toString('hex')}`;
const token = `ghp_${randomBytes(12).toString('hex')}`;
const REPO = 'acme/app';
// The spawner names a Task `<spawner>-<issue number>`; the pipeline's branch template is agent/issue-{{.Number}}.
const ISSUE = 1;
const TASK = `fixer-${ISSUE}`;
const BRANCH = `agent/issue-${ISSUE}`;
// claude-sonnet-4-5 at Claude Code's list price: $3 per million input tokens, $15 per million output.
const MODEL = 'claude-sonnet-4-5';
const PRICE = { input: 3e-6, output: 15e-6 };
const README = '/workspace/repo/README.md';
const EDIT = { before: '# app', after: '# app, fixed by the agent' };
const PR_TITLE = 'Fix the README title';
const COMMAND = 'git rev-parse --abbrev-ref HEAD > command-ran.txt';
// Only the agent's files: the CA the Workspace put in the clone stays out of the commit.
const PUSH = `git add README.md command-ran.txt && git -c user.name="kelos test agent" -c user.email=agent@kelos.test commit -q -m "${PR_TITLE}" && git push -q origin HEAD`;
const OPEN_PR = `gh pr create --title "${PR_TITLE}" --body "Fixes #${ISSUE}" --head ${BRANCH} --base main`;
const FIXER_TURNS = [
  {
    text: 'Checking the branch first.',
    calls: [{ name: 'Bash', input: { command: COMMAND, description: 'Print the branch' } }],
    usage: { input: 1000, output: 100 },
  },
  { calls: [{ name: 'Read', input: { file_path: README } }], usage: { input: 2000, output: 200 } },
  { calls: [{ name: 'Edit', input: { file_path: README, old_string: EDIT.before, new_string: EDIT.after } }], usage: { input: 3000, output: 300 } },
  { calls: [{ name: 'Bash', input: { command: PUSH, description: 'Commit and push' } }], usage: { input: 4000, output: 400 } },
  { calls: [{ name: 'Bash', input: { command: OPEN_PR, description: 'Open the pull request' } }], usage: { input: 5000, output: 500 } },
  { text: 'The README is fixed and the pull request is open.', usage: { input: 6000, output: 600 } },
];
const REVIEW_TURNS = [{ text: 'The pull request looks right.', usage: { input: 700, output: 70 } }];

let c: RealNodeCluster;
let cp: ControlPlane;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let git: GitServer;
let github: GitHubEmulator;
let fixerApi: AnthropicEmulator;
let reviewApi: AnthropicEmulator;
let failed = false;

const getTask = async (name: string): Promise<TaskObject | undefined> =>
  (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'tasks', name }).catch(() => undefined)) as
    | TaskObject
    | undefined;

const agentPod = (task: string) => c.agentPod(ns, task);
const agentLog = (task: string) => c.agentLog(ns, task);

describe.skipIf(skip)(`the golden path on the real node ${REAL_NODE_NAME}`, { timeout: 420_000 }, () => {
  beforeAll(async () => {
    c = await startRealNodeCluster('golden path');
    ({ cp, core, custom } = c);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    const node = cp.realNode!;
    const gateway = node.gateway;

    const tls = await tlsFor(gateway);
    git = await startGitServer({ host: gateway, token });
    github = await GitHubEmulator.start({ requireAuth: true, listen: { host: gateway, port: 443, tls: { key: tls.key, cert: tls.cert } } });
    const githubPlain = await github.listenAlso({ host: gateway });
    github.addToken(token);
    github.repo(REPO).createIssue({ title: 'The README title is wrong', body: 'It should say what the app does.', user: 'octocat' });
    fixerApi = await AnthropicEmulator.start({ apiKey: API_KEY, turns: FIXER_TURNS, listen: { host: gateway } });
    reviewApi = await AnthropicEmulator.start({ apiKey: API_KEY, turns: REVIEW_TURNS, listen: { host: gateway } });

    for (const n of ['kelos-system', ns]) await c.createNamespace(n);
    const secret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    await secret('anthropic', { ANTHROPIC_API_KEY: API_KEY });
    await secret('github-token', { GITHUB_TOKEN: token });

    // kelos synth, as `npm run synth` runs it, of the pipeline with the test network's values.
    const values: GoldenPathValues = {
      namespace: ns,
      repo: git.createRepo(REPO, { 'README.md': `${EDIT.before}\n`, 'src/index.js': 'console.log("app");\n' }),
      githubApiBaseUrl: `${githubPlain}/api/v3`,
      githubCa: tls.ca,
      fixerModelUrl: fixerApi.url,
      reviewModelUrl: reviewApi.url,
      model: MODEL,
      image: AGENT_IMAGE,
    };
    const out = mkdtempSync(join(tmpdir(), 'kelos-golden-dist-'));
    await run(process.execPath, [join(root, 'bin/kelos.mjs'), 'synth', '--app', 'npx tsx test/e2e/golden-path.pipeline.ts', '-o', out], {
      cwd: root,
      env: { ...process.env, KELOS_FROM_SOURCE: '1', GOLDEN_PATH: JSON.stringify(values) },
      timeout: 120_000,
    });
    const apply = (dir: string) => c.kubectl(['apply', '--server-side', '--field-manager=kelos', '-f', join(out, dir)]);
    await apply('kelos-system');
    await waitFor(
      'the kelos controller Deployment available on the real node',
      async () => ((await c.apps.readNamespacedDeployment({ name: 'kelos-controller', namespace: 'kelos-system' })).status?.availableReplicas ?? 0) >= 1,
      180_000,
    );
    await apply('team');
    // The spawner is up and has polled the issues once (the issue has no label yet).
    await waitFor(
      'the fixer spawner running on the real node and polling',
      async () => {
        const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'kelos.dev/taskspawner=fixer' });
        const running = pods.items.find((p) => p.status?.phase === 'Running');
        return running && (github.stats().routes['GET /repos/{owner}/{repo}/issues']?.requests ?? 0) > 0 ? running : undefined;
      },
      180_000,
    );
  }, 900_000);

  afterAll(async () => {
    await Promise.all([fixerApi?.close(), reviewApi?.close(), github?.close(), git?.close()]);
    const r = await cp?.stop({ failed });
    if (r?.keptRunDir) console.error(`[golden path] logs kept in ${r.keptRunDir}/logs`);
  }, 120_000);

  it('turns a labelled issue into a pushed branch, a pull request and a dependant Task that reads its URL', async ({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
    const dropsBefore = await c.droppedPackets();
    expect(await getTask(TASK)).toBeUndefined();

    // Milestones as first seen by polling every 250 ms (the PR's time is the emulator's own record).
    const labelled = Date.now();
    github.repo(REPO).addLabels(ISSUE, 'agent');
    const seen: Record<string, number> = {};
    const mark = (what: string, yes: unknown) => {
      if (yes && seen[what] === undefined) seen[what] = Date.now();
    };
    const started = (pod: k8s.V1Pod | undefined) => {
      const s = pod?.status?.containerStatuses?.find((x) => x.name === 'kelos-agent')?.state;
      return !!(s?.running || s?.terminated);
    };
    const jobOf = async (task: string) => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `kelos.dev/task=${task}` })).items[0];
    const done = (t: TaskObject | undefined) => t?.status?.phase === 'Succeeded' || t?.status?.phase === 'Failed';
    const [fixer, review] = await waitFor(
      'the spawned Task and the dependant Task to finish',
      async () => {
        const [f, r] = await Promise.all([getTask(TASK), getTask('review')]);
        mark('Task created', f);
        if (f) {
          const [job, pod] = await Promise.all([jobOf(TASK), agentPod(TASK)]);
          mark('Job created', job);
          mark('agent container started', started(pod));
        }
        const pr = github.repo(REPO).pulls()[0];
        if (pr && seen['PR opened'] === undefined) seen['PR opened'] = pr.createdAt;
        mark('Task Succeeded', f?.status?.phase === 'Succeeded');
        if (done(f) && f?.status?.phase !== 'Succeeded') return [f, r] as const;
        if (seen['Task Succeeded'] !== undefined) {
          const [job, pod] = await Promise.all([jobOf('review'), agentPod('review')]);
          mark('dependant Job created', job);
          mark('dependant agent started', started(pod));
        }
        mark('dependant Task Succeeded', r?.status?.phase === 'Succeeded');
        return done(r) ? ([f, r] as const) : undefined;
      },
      360_000,
    );
    if (fixer?.status?.phase !== 'Succeeded') console.error(`[golden path] the agent's log:\n${await agentLog(TASK)}`);
    expect(fixer?.status?.phase, fixer?.status?.message).toBe('Succeeded');
    if (review?.status?.phase !== 'Succeeded') console.error(`[golden path] the dependant agent's log:\n${await agentLog('review')}`);
    expect(review?.status?.phase, review?.status?.message).toBe('Succeeded');

    let last = labelled;
    console.error(`[golden path] issue #${ISSUE} labelled 'agent' at ${new Date(labelled).toISOString()}; the spawner polls every 2 s`);
    for (const what of [
      'Task created',
      'Job created',
      'agent container started',
      'PR opened',
      'Task Succeeded',
      'dependant Job created',
      'dependant agent started',
      'dependant Task Succeeded',
    ]) {
      const at = seen[what];
      console.error(`[golden path] ${what}: +${at === undefined ? '?' : at - labelled} ms (hop ${at === undefined ? '?' : at - last} ms)`);
      if (at !== undefined) last = at;
    }

    // The spawner and the controller ran from the kelos image, the agents from theirs, on the real node.
    for (const selector of ['kelos.dev/taskspawner=fixer', 'kelos.dev/component=controller']) {
      const namespace = selector.startsWith('kelos.dev/component') ? 'kelos-system' : ns;
      const pod = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.find((p) => p.status?.phase === 'Running');
      expect(pod?.spec?.nodeName, selector).toBe(REAL_NODE_NAME);
      expect(pod?.spec?.containers[0]?.image, selector).toBe(DEFAULT_KELOS_IMAGE);
    }
    const pod = await agentPod(TASK);
    console.error(`[golden path] the agent pod's init containers: ${pod?.status?.initContainerStatuses?.map((x) => x.name).join(', ')}`);
    expect(pod?.spec?.nodeName).toBe(REAL_NODE_NAME);
    expect(pod?.spec?.containers.find((x) => x.name === 'kelos-agent')?.image).toBe(AGENT_IMAGE);

    // The model saw every scripted turn of both runs, and every tool call worked.
    expect(fixerApi.remaining).toBe(0);
    expect(fixerApi.requests.map((r) => [r.path, (r.body as { model?: string }).model, r.answer])).toEqual(
      FIXER_TURNS.map((_, i) => ['/v1/messages', MODEL, i]),
    );
    const tools = fixerApi.toolExchanges();
    expect(tools.map((t) => [t.name, t.isError])).toEqual([
      ['Bash', false],
      ['Read', false],
      ['Edit', false],
      ['Bash', false],
      ['Bash', false],
    ]);

    // The branch on the git server holds the command's mark and the edit, and nothing else of the agent's.
    const head = git.revParse(REPO, BRANCH);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(head).not.toBe(git.revParse(REPO, 'main'));
    expect(git.show(REPO, BRANCH, 'command-ran.txt')).toBe(BRANCH);
    expect(git.show(REPO, BRANCH, 'README.md')).toBe(EDIT.after);
    expect(git.show(REPO, 'main', 'README.md')).toBe(EDIT.before);
    expect(() => git.show(REPO, BRANCH, GITHUB_CA_FILE)).toThrow();

    // gh opened exactly one pull request, from the Task's branch onto the Workspace's ref, as the token's user.
    const pulls = github.repo(REPO).pulls();
    expect(pulls.map((p) => ({ head: p.head, base: p.base, title: p.title, body: p.body, user: p.user, state: p.state }))).toEqual([
      { head: BRANCH, base: 'main', title: PR_TITLE, body: `Fixes #${ISSUE}`, user: 'kelos-bot', state: 'open' },
    ]);
    const prUrl = `${github.url}/${REPO}/pull/${pulls[0]!.number}`;
    expect(tools[4]?.result).toContain(prUrl);

    // The Task's results: the branch, its commit, the base, the PR kelos capture found with gh, tokens and cost.
    const input = FIXER_TURNS.reduce((s, t) => s + t.usage.input, 0);
    const output = FIXER_TURNS.reduce((s, t) => s + t.usage.output, 0);
    const results = fixer?.status?.results ?? {};
    expect(results).toMatchObject({
      branch: BRANCH,
      commit: head,
      'base-branch': 'main',
      pr: prUrl,
      'input-tokens': String(input),
      'output-tokens': String(output),
    });
    expect(Number(results['cost-usd'])).toBeCloseTo(input * PRICE.input + output * PRICE.output, 12);

    // The dependant Task's prompt, rendered by the controller with .Deps, reached its model with the PR URL.
    expect(reviewApi.remaining).toBe(0);
    expect(reviewApi.requests).toHaveLength(1);
    const messages = (reviewApi.requests[0]!.body as { messages?: Array<{ role: string; content: unknown }> }).messages ?? [];
    expect(JSON.stringify(messages[0]?.content)).toContain(`Review the pull request ${prUrl} (branch ${BRANCH}).`);
    expect(review?.status?.results?.['input-tokens']).toBe(String(REVIEW_TURNS[0]!.usage.input));

    // Nothing left the pod network: the bridge dropped no packet on its way elsewhere.
    expect(await c.droppedPackets()).toBe(dropsBefore);
  });
});
