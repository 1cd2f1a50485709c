// The operator commands on the test control plane, with the controller
// running in this process: run (config file, Secrets, Workspace, --watch),
// get, logs, suspend/resume, delete, diff and completion, and their errors.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { customResourceDefinitions } from '../../lib/api/crd.js';
import { formatOutputs } from '../../lib/api/outputs.js';
import type { Task } from '../../lib/api/task.js';
import type { TaskSpawner } from '../../lib/api/task-spawner.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { Controller } from '../../lib/controller/controller-manager.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeconfigPath, OUTCOME_LABEL, type TestNamespace, waitFor, writeJobLog } from '../cluster/harness.js';
import { kelos, kelosProcess, root } from './_kelos.js';

let ns: TestNamespace;
let n: string;
let client: KubeClient;
let controller: Controller;
const dir = mkdtempSync(join(tmpdir(), 'kelos-cli-cluster-'));
const cfg = join(dir, 'config.yaml');
const tokenFile = join(dir, 'oauth-token');
const REPO = 'https://github.com/acme/widgets.git';

/** `kelos` against the test cluster, in the test namespace, with the test config file. */
const k = (...args: string[]) => kelos(['--kubeconfig', kubeconfigPath(), '-n', n, '--config', cfg, ...args]);
const kp = (args: string[], input?: string) => kelosProcess(['--kubeconfig', kubeconfigPath(), '-n', n, '--config', cfg, ...args], { input });

const getTask = (name: string) => client.get<Task>(resourcePath(Resources.tasks, { namespace: n, name }));
const secretData = async (name: string) => {
  const s = await client.get<{ data: Record<string, string> }>(resourcePath(Resources.secrets, { namespace: n, name }));
  return s && Object.fromEntries(Object.entries(s.data).map(([key, v]) => [key, Buffer.from(v, 'base64').toString()]));
};
const phase = (name: string, phases: string[]) =>
  waitFor(
    `task ${name} in ${phases}`,
    async () => {
      const t = await getTask(name);
      return t && phases.includes(t.status?.phase ?? '') ? t : undefined;
    },
    90_000,
  );
const agentLog = (text: string, outputs: Array<[string, string]>) =>
  [
    JSON.stringify({ type: 'system', subtype: 'init', model: 'claude-opus-4' }),
    JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text }] } }),
    JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'npm test' } }] } }),
    JSON.stringify({ type: 'result', subtype: 'success', is_error: false, num_turns: 2, total_cost_usd: 0.5 }),
  ].join('\n') +
  '\n' +
  formatOutputs(outputs);

beforeAll(async () => {
  client = await KubeClient.fromKubeconfig(kubeconfigPath());
  for (const crd of customResourceDefinitions()) await client.apply(crd);
  for (const crd of customResourceDefinitions()) {
    await waitFor(`CRD ${crd.metadata.name}`, async () => {
      const got = await client.get<any>(resourcePath(Resources.customResourceDefinitions, { name: crd.metadata.name }));
      return got?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True');
    });
  }
  ns = await createNamespace('cli');
  n = ns.name;
  writeFileSync(tokenFile, 'oauth-one\n');
  writeFileSync(
    cfg,
    `oauthToken: "@${tokenFile}"
model: opus
workspace:
  repo: ${REPO}
  ref: main
  token: ghp_workspace
env:
  GIT_AUTHOR_NAME: kelos-bot
`,
  );
  mkdirSync(join(dir, 'logs'), { recursive: true });
  controller = await Controller.start({
    client,
    namespace: n,
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    workers: 4,
    logger: pino({ base: undefined }, createWriteStream(join(dir, 'logs', 'controller.log'))),
  });
});

afterAll(async () => {
  await controller?.stop();
  await ns?.cleanup();
  client?.close();
});

describe('kelos run', () => {
  it('creates Secret kelos-credentials and Workspace kelos-workspace from the config file, then the Task', async () => {
    const r = await k('run', '-p', 'Add tests for the parser', '--name', 'first', '--branch', 'tests');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'secret/kelos-credentials created\nsecret/kelos-workspace-credentials created\nworkspace/kelos-workspace created\ntask/first created\n',
    );
    expect(await secretData('kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-one' });
    expect(await secretData('kelos-workspace-credentials')).toEqual({ GITHUB_TOKEN: 'ghp_workspace' });
    const ws = await client.get<Workspace>(resourcePath(Resources.workspaces, { namespace: n, name: 'kelos-workspace' }));
    expect(ws?.spec).toEqual({ repo: REPO, ref: 'main', secretRef: { name: 'kelos-workspace-credentials' } });
    const task = await getTask('first');
    expect(task?.spec).toEqual({
      type: 'claude-code',
      prompt: 'Add tests for the parser',
      credentials: { type: 'oauth', secretRef: { name: 'kelos-credentials' } },
      model: 'opus',
      workspaceRef: { name: 'kelos-workspace' },
      branch: 'tests',
      podOverrides: { env: [{ name: 'GIT_AUTHOR_NAME', value: 'kelos-bot' }] },
    });
    // Unchanged on the next run: nothing to say about them.
    const again = await k('run', '-p', 'Again', '--name', 'second');
    expect(again.stdout).toBe('task/second created\n');
  });

  it('--watch prints the phases until the Task succeeds, then its results', async () => {
    writeJobLog(
      n,
      'watched',
      agentLog('Added the tests.', [
        ['branch', 'kelos-task-7'],
        ['pr', 'https://github.com/acme/widgets/pull/7'],
      ]),
      { container: 'kelos-agent' },
    );
    writeJobLog(n, 'watched', "Cloning into 'repo'...\n", { container: 'git-clone' });
    const r = await k('run', '-p', 'Fix issue 7', '--name', 'watched', '-w');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('task/watched created');
    // Phases are printed once each as they change (which ones a poll sees depends on timing).
    const phases = lines.filter((l) => /^task\/watched (Pending|Waiting|Running|Succeeded|Failed)/.test(l)).map((l) => l.split(' ')[1]);
    expect(new Set(phases).size).toBe(phases.length);
    expect(lines.slice(-3)).toEqual(['task/watched Succeeded', '  branch: kelos-task-7', '  pr: https://github.com/acme/widgets/pull/7']);
  });

  it('--watch exits non-zero when the Task fails and points at kelos logs', async () => {
    await client.create({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'doomed', namespace: n },
      spec: { type: 'claude-code', prompt: 'fail', credentials: { type: 'none' }, podOverrides: { labels: { [OUTCOME_LABEL]: 'fail' } } },
    });
    await phase('doomed', ['Failed']);
    const r = await k('run', '-p', 'After it', '--name', 'after-doomed', '--depends-on', 'doomed', '-w');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('task/after-doomed created');
    expect(r.stdout).toContain('task/after-doomed Failed');
    expect(r.stderr).toMatch(/^Error: task\/after-doomed failed: .*doomed.*; run `kelos logs after-doomed` to see the agent's output\n$/);
  });

  it('asks before replacing the values of Secret kelos-credentials, and keeps them on no', async () => {
    writeFileSync(tokenFile, 'oauth-two\n');
    const no = await kp(['run', '-p', 'x', '--name', 'asked'], 'n\n');
    expect(no.code).toBe(1);
    expect(no.stderr).toBe(
      `Secret ${n}/kelos-credentials exists with other values; replace them? [y/N] Error: aborted: secret/kelos-credentials was not changed (pass -y to replace it)\n`,
    );
    expect(await secretData('kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-one' });
    expect(await getTask('asked')).toBeUndefined();

    const yes = await kp(['run', '-p', 'x', '--name', 'asked'], 'y\n');
    expect(yes.code).toBe(0);
    expect(yes.stdout).toBe('secret/kelos-credentials updated\ntask/asked created\n');
    expect(await secretData('kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-two' });

    writeFileSync(tokenFile, 'oauth-three\n');
    const y = await k('run', '-p', 'x', '--name', 'asked-y', '-y');
    expect(y.stdout).toBe('secret/kelos-credentials updated\ntask/asked-y created\n');
    expect(await secretData('kelos-credentials')).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: 'oauth-three' });
  });

  it('says when the Task name is taken', async () => {
    const r = await k('run', '-p', 'x', '--name', 'first');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: task "first" already exists in namespace "${n}": choose another --name, or delete it with \`kelos delete task first\`\n`);
  });
});

describe('kelos get', () => {
  it("lists Tasks with Kelos's columns", async () => {
    const r = await k('get', 'tasks');
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{3,}/)).toEqual(['NAME', 'TYPE', 'PHASE', 'BRANCH', 'WORKSPACE', 'AGENT CONFIG', 'DURATION', 'AGE']);
    const watched = rows.find((l) => l.startsWith('watched '))!.split(/\s{3,}/);
    expect(watched.slice(0, 6)).toEqual(['watched', 'claude-code', 'Succeeded', '-', 'kelos-workspace', '-']);
    expect(rows.find((l) => l.startsWith('first '))).toContain('tests');
  });

  it('filters by phase, across namespaces, and prints YAML or JSON', async () => {
    const failed = await k('get', 'task', '--phase', 'failed');
    expect(
      failed.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['after-doomed', 'doomed']);
    const all = await k('get', 'task', 'watched', '-A');
    expect(
      all.stdout
        .split('\n')[1]!
        .split(/\s{3,}/)
        .slice(0, 2),
    ).toEqual([n, 'watched']);
    const json = JSON.parse((await k('get', 'task', 'watched', '-o', 'json')).stdout);
    expect(json.status.phase).toBe('Succeeded');
    expect(json.status.results).toEqual({ branch: 'kelos-task-7', pr: 'https://github.com/acme/widgets/pull/7' });
    expect(json.metadata.managedFields).toBeUndefined();
    const list = parse((await k('get', 'workspaces', '-o', 'yaml')).stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((w: Workspace) => w.spec.repo)).toEqual([REPO]);
    const detail = await k('get', 'task', 'watched', '-d');
    expect(detail.stdout).toContain('Results:            branch=kelos-task-7\n');
  });

  it('prints more columns with -o wide, and kubectl names with -o name', async () => {
    const wide = await k('get', 'tasks', '-o', 'wide');
    const [header, ...rows] = wide.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{3,}/).slice(8)).toEqual(['MODEL', 'SPAWNER', 'POD', 'MESSAGE']);
    const watched = rows.find((l) => l.startsWith('watched '))!.split(/\s{3,}/);
    expect(watched[8]).toBe('opus');
    expect(watched[9]).toBe('-');
    expect(watched[10]).toMatch(/^watched-/);
    const names = await k('get', 'tasks', '--phase', 'failed', '-o', 'name');
    expect(names.stdout).toBe('task.kelos.dev/after-doomed\ntask.kelos.dev/doomed\n');
  });

  it('selects by label with -l, and the Tasks of a spawner with --spawner', async () => {
    const labelled = (name: string, labels: Record<string, string>) =>
      client.create({
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Task',
        metadata: { name, namespace: n, labels },
        spec: { type: 'claude-code', prompt: 'x', credentials: { type: 'none' } },
      });
    await labelled('from-bot', { 'kelos.dev/taskspawner': 'issue-bot', team: 'web' });
    await labelled('by-hand', { team: 'api' });
    expect((await k('get', 'tasks', '-l', 'team=web', '-o', 'name')).stdout).toBe('task.kelos.dev/from-bot\n');
    expect((await k('get', 'tasks', '-l', 'team', '-o', 'name')).stdout).toBe('task.kelos.dev/by-hand\ntask.kelos.dev/from-bot\n');
    expect((await k('get', 'tasks', '--spawner', 'issue-bot', '-o', 'name')).stdout).toBe('task.kelos.dev/from-bot\n');
    const none = await k('get', 'tasks', '--spawner', 'nobody');
    expect(none.code).toBe(0);
    expect(none.stderr).toBe(`No tasks matching kelos.dev/taskspawner=nobody found in namespace "${n}".\n`);
    const bad = await k('get', 'tasks', '-l', 'team in (');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Error: the label selector "team in \(" \(-l, --spawner\) is not valid: /);
    const withNames = await k('get', 'tasks', 'by-hand', '-l', 'team');
    expect(withNames.code).toBe(2);
    expect(withNames.stderr).toBe("Error: '--selector' and '--spawner' cannot be used with names: pass one or the other\n");
  });

  it('-w lists, then prints a row each time a Task changes, until interrupted', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/kelos.mjs'), '--kubeconfig', kubeconfigPath(), '-n', n, '--config', cfg, 'get', 'tasks', '-w', '-l', 'watch=me'],
      {
        env: { ...process.env, KELOS_FROM_SOURCE: '1' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      await waitFor('the empty listing', async () => err.includes('No tasks matching watch=me found'), 60_000);
      await client.create({
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Task',
        metadata: { name: 'live', namespace: n, labels: { watch: 'me' } },
        spec: { type: 'codex', prompt: 'x', credentials: { type: 'none' } },
      });
      await waitFor('the Task to succeed on the watch', async () => /^live\s.*\sSucceeded\s/m.test(out), 90_000);
    } finally {
      child.kill();
    }
    const lines = out.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{3,}/)).toEqual(['NAME', 'TYPE', 'PHASE', 'BRANCH', 'WORKSPACE', 'AGENT CONFIG', 'DURATION', 'AGE']);
    const rows = lines.slice(1);
    expect(rows.every((l) => l.startsWith('live '))).toBe(true);
    // A row is printed when it changes, never twice in a row.
    expect(rows.every((l, i) => i === 0 || l !== rows[i - 1])).toBe(true);
    expect(
      rows
        .at(-1)!
        .split(/\s{3,}/)
        .slice(0, 3),
    ).toEqual(['live', 'codex', 'Succeeded']);
  });

  it('-w ends after --timeout, and --timeout needs -w', async () => {
    const r = await k('get', 'tasks', '-w', '--timeout', '1s', '-l', 'watch=nothing', '-o', 'name');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const alone = await k('get', 'tasks', '--timeout', '1s');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe("Error: '--timeout' applies to --watch: how long to watch\n");
    const bad = await k('get', 'tasks', '-w', '--timeout', '5 minutes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`Error: '--timeout' must be a Go duration like 90s, 5m or 1h30m (0: no limit), got "5 minutes"\n`);
  });

  it('says when there is nothing, and names the object that does not exist', async () => {
    const none = await k('get', 'agentconfigs');
    expect(none.code).toBe(0);
    expect(none.stderr).toBe(`No agentconfigs found in namespace "${n}".\n`);
    const missing = await k('get', 'task', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`Error: task "nope" not found in namespace "${n}": list them with \`kelos get task -n ${n}\`\n`);
  });
});

describe('kelos logs', () => {
  it('prints the init containers on stderr, then the agent pretty-printed', async () => {
    const r = await k('logs', 'watched');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Added the tests.\n${formatOutputs([
        ['branch', 'kelos-task-7'],
        ['pr', 'https://github.com/acme/widgets/pull/7'],
      ])}`,
    );
    expect(r.stderr).toContain("==> init container git-clone <==\nCloning into 'repo'...\n");
    expect(r.stderr).toContain('==> kelos-agent <==\n[init] model=claude-opus-4\n[tool] Bash: npm test\n[result] completed (2 turns, $0.5000)\n');
    const raw = await k('logs', 'watched', '--raw', '--agent-only');
    expect(raw.stdout.split('\n')[0]).toBe(JSON.stringify({ type: 'system', subtype: 'init', model: 'claude-opus-4' }));
    expect(raw.stderr).toBe('');
  });

  it('-f waits for the pod of a Task that is waiting, then follows it to the end', async () => {
    writeJobLog(n, 'late', agentLog('Done after the gate.', [['branch', 'late']]), { container: 'kelos-agent' });
    expect((await k('run', '-p', 'After the gate', '--name', 'late', '--depends-on', 'gate')).code).toBe(0);
    await phase('late', ['Waiting']);
    const following = k('logs', 'late', '-f', '--agent-only');
    await new Promise((r) => setTimeout(r, 1500));
    await client.create({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'gate', namespace: n },
      spec: { type: 'claude-code', prompt: 'open the gate', credentials: { type: 'none' } },
    });
    const r = await following;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Waiting for the pod of task\/late \(Waiting/);
    expect(r.stdout).toBe(`Done after the gate.\n${formatOutputs([['branch', 'late']])}`);
  });

  it('names an unknown Task', async () => {
    const r = await k('logs', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: task "nope" not found in namespace "${n}": list them with \`kelos get task -n ${n}\`\n`);
  });
});

describe('kelos suspend and resume', () => {
  beforeAll(async () => {
    await client.create({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'TaskSpawner',
      metadata: { name: 'nightly', namespace: n },
      spec: {
        when: { cron: { schedule: '0 3 * * *' } },
        taskTemplate: { type: 'claude-code', credentials: { type: 'none' }, promptTemplate: 'Nightly {{.Time}}' },
      },
    });
  });
  const suspended = async () => (await client.get<TaskSpawner>(resourcePath(Resources.taskSpawners, { namespace: n, name: 'nightly' })))?.spec.suspend;

  it('set spec.suspend, and say when there is nothing to change', async () => {
    expect((await k('suspend', 'taskspawner', 'nightly')).stdout).toBe('taskspawner/nightly suspended\n');
    expect(await suspended()).toBe(true);
    expect((await k('suspend', 'ts', 'nightly')).stdout).toBe('taskspawner/nightly is already suspended\n');
    expect((await k('resume', 'taskspawner', 'nightly')).stdout).toBe('taskspawner/nightly resumed\n');
    expect(await suspended()).toBe(false);
    expect((await k('get', 'taskspawner', 'nightly')).stdout).toContain('cron: 0 3 * * *');
  });

  it('name an unknown spawner', async () => {
    const r = await k('suspend', 'taskspawner', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: taskspawner "nope" not found in namespace "${n}": list them with \`kelos get taskspawner -n ${n}\`\n`);
  });
});

describe('kelos delete', () => {
  it('deletes nothing when one of the names does not exist', async () => {
    const r = await k('delete', 'task', 'second', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: task "nope" not found in namespace "${n}": list them with \`kelos get task -n ${n}\`\n`);
    expect(await getTask('second')).toBeDefined();
  });

  it('deletes by name, waiting for the controller to finalize', async () => {
    const r = await k('delete', 'task', 'second', '--wait');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('task/second deleted\n');
    expect(await getTask('second')).toBeUndefined();
  });

  it('deletes every object of a kind with --all', async () => {
    const r = await k('delete', 'taskspawner', '--all');
    expect(r.stdout).toBe('taskspawner/nightly deleted\n');
    const none = await k('delete', 'taskspawner', '--all');
    expect(none.stderr).toBe(`No taskspawners found in namespace "${n}".\n`);
  });
});

describe('kelos diff', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(dir, 'dist-'));
    mkdirSync(join(out, 'team'));
    writeFileSync(
      join(out, 'team', 'Workspace.app.yaml'),
      `apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: app\n  namespace: ${n}\nspec:\n  ref: main\n  repo: ${REPO}\n`,
    );
    writeFileSync(
      join(out, 'team', 'AgentConfig.helper.yaml'),
      `apiVersion: kelos.dev/v1alpha1\nkind: AgentConfig\nmetadata:\n  name: helper\n  namespace: ${n}\nspec:\n  agentsMD: Be brief.\n`,
    );
  });

  it('shows objects the cluster does not have yet, and exits 1', async () => {
    const r = await k('diff', '-o', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+kind: Workspace');
    expect(r.stdout).toContain('+  agentsMD: Be brief.');
    expect(r.stderr).toBe('2 of 2 objects differ from the cluster (2 not there yet)\n');
  });

  it('exits 0 once they are applied, and shows a change made in the cluster', async () => {
    const mine = await KubeClient.fromKubeconfig(kubeconfigPath()); // field manager "kelos", as kelos install and ArgoCD-style applies
    for (const f of ['Workspace.app.yaml', 'AgentConfig.helper.yaml']) await mine.apply(parse(readFileSync(join(out, 'team', f), 'utf8')));
    mine.close();
    const same = await k('diff', '-o', out);
    expect(same.stdout).toBe('');
    expect(same.stderr).toBe(`${out}/ matches the cluster (2 objects)\n`);
    expect(same.code).toBe(0);

    await client.mergePatch(resourcePath(Resources.workspaces, { namespace: n, name: 'app' }), { spec: { ref: 'develop' } });
    const changed = await k('diff', '-o', out);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-  ref: develop$/m);
    expect(changed.stdout).toMatch(/^\+  ref: main$/m);
    expect(changed.stderr).toBe('1 of 2 objects differ from the cluster\n');
  });

  it('renders the app first with --app', async () => {
    mkdirSync(join(root, '.kelos-test'), { recursive: true });
    const proj = mkdtempSync(join(root, '.kelos-test', 'diff-'));
    mkdirSync(join(proj, 'pipelines'));
    writeFileSync(join(proj, 'cdk8s.yaml'), 'app: npx tsx pipelines/main.ts\noutput: dist\n');
    writeFileSync(
      join(proj, 'pipelines', 'main.ts'),
      `import { Chart } from 'cdk8s';
import { Agent, KelosApp, Workspace } from '${join(root, 'constructs/index.js')}';
const app = new KelosApp();
const chart = new Chart(app, 'team', { namespace: '${n}' });
new Workspace(chart, 'app', { repo: '${REPO}', ref: 'develop' });
new Agent(chart, 'helper', { agentsMd: 'Be brief.' });
app.synth();
`,
    );
    const r = await kelos(['--kubeconfig', kubeconfigPath(), 'diff', '--app'], { cwd: proj });
    // The app renders ref "develop", which the cluster has since the previous test,
    // plus the ArgoCD annotations the compiler adds, and its Namespace (with annotations too).
    expect(r.stderr).toBe('3 of 3 objects differ from the cluster\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\+    argocd\.argoproj\.io\/sync-wave: "0"$/m);
    expect(r.stdout).not.toMatch(/^[-+]  ref:/m);
    expect(existsSync(join(proj, 'dist'))).toBe(false);
  });

  it('says when a namespace does not exist, and whether the output creates it', async () => {
    const absent = `${n}-absent`;
    const out2 = mkdtempSync(join(dir, 'dist-'));
    mkdirSync(join(out2, 'team'));
    writeFileSync(
      join(out2, 'team', 'Workspace.app.yaml'),
      `apiVersion: kelos.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: app\n  namespace: ${absent}\nspec:\n  repo: ${REPO}\n`,
    );
    const without = await k('diff', '-o', out2);
    expect(without.code).toBe(2);
    expect(without.stdout).toContain('+kind: Workspace');
    expect(without.stderr).toContain(
      `Error: namespace "${absent}" does not exist in the cluster (1 object of ${out2}/ in it is shown as rendered, without the apiserver's defaults), ` +
        `and ${out2}/ does not create it: applying would fail; create it (kubectl create namespace ${absent}) or let the chart render it\n`,
    );
    writeFileSync(join(out2, 'team', `Namespace.${absent}.yaml`), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${absent}\n`);
    const withIt = await k('diff', '-o', out2);
    expect(withIt.code).toBe(1);
    expect(withIt.stderr).toBe(
      `Note: namespace "${absent}" does not exist in the cluster (1 object of ${out2}/ in it is shown as rendered, without the apiserver's defaults); ${out2}/ creates it\n` +
        '2 of 2 objects differ from the cluster (2 not there yet)\n',
    );
  });

  it('says when there is nothing rendered', async () => {
    const r = await k('diff', '-o', join(dir, 'missing'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: ${join(dir, 'missing')}/ does not exist: run \`kelos synth\` first, or pass --app to render the app\n`);
  });
});

describe('completion from the cluster', () => {
  it('lists the Tasks of the namespace on the command line', async () => {
    const r = await kelos(['__complete'], { env: { KELOS_COMP_LINE: `kelos --kubeconfig ${kubeconfigPath()} -n ${n} logs wat` } });
    expect(r.stdout).toBe('watched\n');
  });
});
