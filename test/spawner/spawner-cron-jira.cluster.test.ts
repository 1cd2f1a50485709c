// Cron (through the real `kelos spawner --one-shot` command) and Jira on the control plane.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubeConfig, kubeconfigPath, type TestNamespace } from '../cluster/harness.js';
import { repoRoot } from '../cluster/paths.js';
import { JiraEmulator } from '../emulators/jira.js';
import { ClusterFixture, ensureCrds } from './_cluster.js';

const run = promisify(execFile);
let ns: TestNamespace;
let fx: ClusterFixture;

beforeAll(async () => {
  const kc = kubeConfig();
  await ensureCrds(kc);
  ns = await createNamespace('spawner-cron');
  fx = new ClusterFixture(kc, ns.name);
});
afterAll(async () => {
  await ns?.cleanup();
});

/** Runs the real CLI, as the CronJob does. */
async function kelosSpawner(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bin', 'kelos.mjs'), 'spawner', ...args, '--kubeconfig', kubeconfigPath()], {
      env: { ...process.env, KELOS_FROM_SOURCE: '1' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `YYYYMMDD-HHMM` of every multiple of `everyMinutes` in (from, to], computed independently of cron-parser. */
function expectedTicks(from: Date, to: Date, everyMinutes: number): string[] {
  const ids: string[] = [];
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (; t <= to; t.setTime(t.getTime() + 60_000)) {
    if (t.getUTCMinutes() % everyMinutes !== 0) continue;
    const p = (n: number) => String(n).padStart(2, '0');
    ids.push(`${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}`);
  }
  return ids;
}

describe('cron with --one-shot', () => {
  it('creates one Task per tick missed since lastDiscoveryTime, then none until the next tick', async () => {
    await fx.taskSpawner('nightly', {
      when: { cron: { schedule: '*/5 * * * *' } },
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'api-key', secretRef: { name: 'anthropic' } },
        promptTemplate: 'Run the {{.Schedule}} job for {{.Time}} ({{.ID}})',
      },
    });
    const since = new Date(Date.now() - 23 * 60_000);
    await fx.setSpawnerStatus('nightly', { lastDiscoveryTime: since.toISOString().replace(/\.\d{3}Z$/, 'Z') });

    const first = await kelosSpawner('--taskspawner', `${ns.name}/nightly`, '--one-shot');
    const ranAt = new Date();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/"msg":"Created Task"/);
    const names = await fx.taskNames('nightly');
    const missed = expectedTicks(since, ranAt, 5).map((id) => `nightly-${id}`);
    // A tick can fall between the command's clock reading and ours.
    expect(missed.length).toBeGreaterThanOrEqual(4);
    expect(names.length === missed.length || names.length === missed.length - 1).toBe(true);
    expect(missed.slice(0, names.length)).toEqual(names);
    const task = (await fx.tasks('nightly'))[0]!;
    const id = names[0]!.slice('nightly-'.length);
    expect(task.spec.prompt).toMatch(new RegExp(`^Run the \\*/5 \\* \\* \\* \\* job for \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:00Z \\(${id}\\)$`));
    const status = (await fx.getSpawner('nightly')).status!;
    expect(status).toMatchObject({ phase: 'Running', totalTasksCreated: names.length, totalDiscovered: names.length });
    expect(Date.parse(status.lastDiscoveryTime!)).toBeGreaterThan(since.getTime());

    const second = await kelosSpawner('--taskspawner', `${ns.name}/nightly`, '--one-shot');
    expect(second.code).toBe(0);
    const after = await fx.taskNames('nightly');
    // Only a tick that came due in between may add one.
    expect(after.slice(0, names.length)).toEqual(names);
    expect(after.length - names.length).toBeLessThanOrEqual(1);
  });

  it('exits non-zero with the reason in status when the schedule is invalid', async () => {
    await fx.taskSpawner('broken', { when: { cron: { schedule: '0 0 9 * * 1' } }, taskTemplate: { type: 'codex', credentials: { type: 'none' } } });
    const res = await kelosSpawner('--taskspawner', `${ns.name}/broken`, '--one-shot');
    expect(res.code).toBe(1);
    const status = (await fx.getSpawner('broken')).status!;
    expect(status.phase).toBe('Failed');
    expect(status.message).toMatch(/invalid cron schedule "0 0 9 \* \* 1": expected 5 fields/);
  });
});

describe('Jira on the control plane', () => {
  let jira: JiraEmulator;
  afterAll(async () => jira?.close());

  it('pages through a JQL search with Basic auth from the Secret and creates a Task per issue', async () => {
    jira = await JiraEmulator.start({ basic: { user: 'bot@acme.io', token: 'jira-api-token' }, maxPageSize: 3 });
    for (let i = 1; i <= 8; i++)
      jira.addIssue({
        project: 'OPS',
        summary: `Ops task ${i}`,
        description: `Details ${i}`,
        labels: i % 4 === 0 ? ['manual'] : ['agent'],
        issuetype: i === 2 ? 'Bug' : 'Task',
      });
    jira.addIssue({ project: 'DEV', summary: 'Other project', labels: ['agent'] });
    await fx.secret('jira', { JIRA_TOKEN: 'jira-api-token', JIRA_USER: 'bot@acme.io' });
    await fx.taskSpawner('ops', {
      when: { jira: { baseUrl: jira.url, project: 'OPS', jql: 'labels = agent ORDER BY key ASC', secretRef: { name: 'jira' } } },
      taskTemplate: { type: 'codex', credentials: { type: 'none' }, promptTemplate: '{{.Kind}} {{.ID}} (#{{.Number}}): {{.Title}}\n{{.Body}}\n{{.URL}}' },
    });
    const report = await fx.spawner('ops', { jira: { pageSize: 3, retryBaseMs: 20 } }).runCycle();
    expect(report).toMatchObject({ ok: true, discovered: 6, failures: [] });
    expect(await fx.taskNames('ops')).toEqual(['ops-ops-1', 'ops-ops-2', 'ops-ops-3', 'ops-ops-5', 'ops-ops-6', 'ops-ops-7']);
    expect(jira.requests.filter((r) => r.status === 200)).toHaveLength(2);
    const bug = (await fx.tasks('ops')).find((t) => t.metadata.name === 'ops-ops-2')!;
    expect(bug.spec.prompt).toBe(`Bug OPS-2 (#2): Ops task 2\nDetails 2\n${jira.url}/browse/OPS-2`);
    expect(bug.metadata.annotations).toBeUndefined();
  });
});
