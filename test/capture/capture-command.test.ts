import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTPUTS_START, parseOutputs } from '../../lib/api/outputs.js';
import { kelosBin, makeWorkspace, ORIGIN_PR, runProcess, STREAMS, TASK_BRANCH, type TestWorkspace, UPSTREAM_PR } from './_workspace.js';

const workspaces: TestWorkspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

function workspace(): TestWorkspace {
  const ws = makeWorkspace();
  workspaces.push(ws);
  return ws;
}

/** Pids of the process group `pgid` that are not zombies, polled for up to 5 s until none is left. */
async function liveGroupMembersAfterReaping(pgid: number): Promise<number[]> {
  const live = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((pid) => {
        let stat: string;
        try {
          stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        } catch {
          return [];
        }
        // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after its closing parenthesis.
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === pgid && state !== 'Z' ? [Number(pid)] : [];
      });
  for (let i = 0; i < 50; i++) {
    const pids = live();
    if (pids.length === 0) return pids;
    await new Promise((r) => setTimeout(r, 100));
  }
  return live();
}

function capture(ws: TestWorkspace, input: Buffer, env: Record<string, string> = {}, cwd = ws.repo) {
  return runProcess(kelosBin(ws), ['capture'], { cwd, env: ws.env(env), input });
}

/** The bytes after the forwarded input, parsed as the controller would. */
function outputsAfter(stdout: Buffer, input: Buffer) {
  expect(stdout.subarray(0, input.length).equals(input)).toBe(true);
  const rest = stdout.subarray(input.length).toString('utf8');
  expect(rest.startsWith(OUTPUTS_START) || rest.startsWith('\n' + OUTPUTS_START)).toBe(true);
  return parseOutputs(rest)?.results;
}

describe('kelos capture', () => {
  it('passes a multi-MB binary stream without a trailing newline through byte for byte', async () => {
    const ws = workspace();
    const input = Buffer.concat([
      readFileSync(join(STREAMS, 'codex.jsonl')),
      randomBytes(6 * 1024 * 1024),
      Buffer.from([0xc3, 0x28, 0xff]), // invalid UTF-8, and no newline at the end
    ]);
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'codex' });
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBeGreaterThan(input.length);
    // The block starts on a line of its own, after exactly one added newline.
    expect(res.stdout[input.length]).toBe(0x0a);
    const results = outputsAfter(res.stdout, input);
    expect(results).toMatchObject({ 'input-tokens': '25763', 'output-tokens': '200', branch: TASK_BRANCH });
  });

  it('adds nothing between a stream that ends with a newline and the block', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'gemini.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'gemini' });
    expect(res.code).toBe(0);
    expect(res.stdout.subarray(input.length, input.length + OUTPUTS_START.length).toString()).toBe(OUTPUTS_START);
  });

  it('reports branch, commit, base branch from origin HEAD, PR and claude-code cost', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'claude-code.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'claude-code' });
    expect(res.code).toBe(0);
    const text = res.stdout.subarray(input.length).toString();
    expect(text).toBe(
      [
        '---KELOS_OUTPUTS_START---',
        `branch: ${TASK_BRANCH}`,
        `commit: ${ws.commit}`,
        'base-branch: main',
        `pr: ${ORIGIN_PR}`,
        'cost-usd: 0.4217',
        'input-tokens: 1523',
        'output-tokens: 2847',
        '---KELOS_OUTPUTS_END---',
        '',
      ].join('\n'),
    );
    expect(ws.ghCalls()).toEqual([['pr', 'list', '--head', TASK_BRANCH, '--json', 'url']]);
  });

  it('takes KELOS_BASE_BRANCH over origin and also asks KELOS_UPSTREAM_REPO for a PR', async () => {
    const ws = workspace();
    const res = await capture(ws, Buffer.from(''), {
      KELOS_BASE_BRANCH: 'release-1.2',
      KELOS_UPSTREAM_REPO: 'upstream-org/widgets',
    });
    expect(res.code).toBe(0);
    const parsed = parseOutputs(res.stdout.toString());
    expect(parsed?.lines).toEqual([`branch: ${TASK_BRANCH}`, `commit: ${ws.commit}`, 'base-branch: release-1.2', `pr: ${ORIGIN_PR}`, `pr: ${UPSTREAM_PR}`]);
    // A reader that keeps the last value gets the upstream PR of a fork workflow.
    expect(parsed?.results.pr).toBe(UPSTREAM_PR);
    expect(ws.ghCalls()).toContainEqual(['pr', 'list', '--head', TASK_BRANCH, '--json', 'url', '--repo', 'upstream-org/widgets']);
  });

  it("asks the remote for origin's HEAD branch when the clone did not record it", async () => {
    const ws = workspace();
    execFileSync('git', ['remote', 'set-head', 'origin', '--delete'], { cwd: ws.repo, env: ws.env() });
    const res = await capture(ws, Buffer.from(''));
    expect(parseOutputs(res.stdout.toString())?.results['base-branch']).toBe('main');
  });

  it('bounds every gh call: a gh that never answers costs one timeout, not a hang', async () => {
    const ws = workspace();
    const res = await capture(ws, Buffer.from('{"type":"turn.started"}\n'), {
      FAKE_GH_SLEEP: '1',
      KELOS_CAPTURE_TIMEOUT_MS: '3000',
      KELOS_UPSTREAM_REPO: 'upstream-org/widgets',
    });
    // A hang would outlast runProcess's own deadline (the fake gh sleeps 600 s).
    expect(res.code).toBe(0);
    const results = parseOutputs(res.stdout.toString())?.results;
    expect(results).toMatchObject({ branch: TASK_BRANCH, commit: ws.commit, 'base-branch': 'main' });
    expect(results?.pr).toBeUndefined();
    // The fake gh and the `sleep` it started were killed as a group. Killed
    // processes may linger a moment as zombies until they are reaped; those
    // do not count.
    const pgid = Number(readFileSync(join(ws.root, 'gh.pid'), 'utf8'));
    expect(await liveGroupMembersAfterReaping(pgid)).toEqual([]);
  });

  it('exits non-zero after a claude-code stream without a final result, still printing the block', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'claude-code-truncated.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'claude-code' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/claude-code stream ended without a final result event/);
    expect(outputsAfter(res.stdout, input)).toMatchObject({ branch: TASK_BRANCH });
  });

  it('exits non-zero after a claude-code result that is not a success', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'claude-code-error.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'claude-code' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/subtype error_max_turns/);
    expect(outputsAfter(res.stdout, input)).toMatchObject({ 'cost-usd': '1.0312' });
  });

  it("writes why a run failed to the container's termination message file, and creates none where there is none", async () => {
    const ws = workspace();
    const log = join(ws.root, 'termination-log');
    writeFileSync(log, 'an older and longer message');
    const input = readFileSync(join(STREAMS, 'claude-code-error.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'claude-code', KELOS_TERMINATION_LOG: log });
    expect(res.code).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe(/^kelos capture: (.*)$/m.exec(res.stderr)?.[1]);
    expect(readFileSync(log, 'utf8')).toMatch(/subtype error_max_turns/);

    const missing = join(ws.root, 'no-termination-log');
    expect((await capture(ws, input, { KELOS_AGENT_TYPE: 'claude-code', KELOS_TERMINATION_LOG: missing })).code).toBe(1);
    expect(existsSync(missing)).toBe(false);
  });

  it('outside a repository prints only the base branch it was given', async () => {
    const ws = workspace();
    const dir = join(ws.root, 'not-a-repo');
    mkdirSync(dir);
    const res = await capture(ws, Buffer.from('hello'), { KELOS_BASE_BRANCH: 'main', GIT_CEILING_DIRECTORIES: ws.root }, dir);
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe('hello\n---KELOS_OUTPUTS_START---\nbase-branch: main\n---KELOS_OUTPUTS_END---\n');
    expect(ws.ghCalls()).toEqual([]);
  });

  it('passes through and leaves usage out for an unknown agent type', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'claude-code.jsonl'));
    const res = await capture(ws, input, { KELOS_AGENT_TYPE: 'aider' });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/unknown agent type "aider"/);
    expect(outputsAfter(res.stdout, input)).not.toHaveProperty('input-tokens');
  });

  it('takes --agent-type over KELOS_AGENT_TYPE', async () => {
    const ws = workspace();
    const input = readFileSync(join(STREAMS, 'opencode.jsonl'));
    const res = await runProcess(kelosBin(ws), ['capture', '--agent-type', 'opencode'], {
      cwd: ws.repo,
      env: ws.env({ KELOS_AGENT_TYPE: 'claude-code' }),
      input,
    });
    expect(res.code).toBe(0);
    expect(outputsAfter(res.stdout, input)).toMatchObject({ 'input-tokens': '2000', 'output-tokens': '450' });
  });

  it('fails when --timeout is not a Go duration', async () => {
    const ws = workspace();
    const res = await runProcess(kelosBin(ws), ['capture', '--timeout', 'soon'], { cwd: ws.repo, env: ws.env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/'--timeout' must be a Go duration like 10s or 1m, got "soon"/);
  });

  it('kelos agent-config fails on an unknown agent type', async () => {
    const ws = workspace();
    const res = await runProcess(kelosBin(ws), ['agent-config', 'aider'], { cwd: ws.repo, env: ws.env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown agent type "aider": use claude-code, codex, gemini, opencode or cursor/);
  });
});
