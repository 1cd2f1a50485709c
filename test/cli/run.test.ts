// kelos run: the Task, Secret and Workspace it builds from flags and the
// config file, and its errors for bad input. (Creating and watching them on a
// cluster is in commands.cluster.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KelosConfig, parseConfig } from '../../cli/ops/config.js';
import { plan } from '../../cli/ops/run.js';
import { kelos, kelosProcess } from './_kelos.js';

const config = (doc: object): KelosConfig => parseConfig(doc, '/home/me/.kelos/config.yaml');
const dir = mkdtempSync(join(tmpdir(), 'kelos-run-'));
const empty = join(dir, 'empty.yaml');
writeFileSync(empty, '{}\n');

describe('kelos run builds', () => {
  it('a Task with the Secret kelos-credentials keyed by the agent type', () => {
    const p = plan({ name: 't1' }, 'Fix it', config({ oauthToken: 'tok' }), 'team');
    expect(p.secrets).toEqual(new Map([['kelos-credentials', { CLAUDE_CODE_OAUTH_TOKEN: 'tok' }]]));
    expect(p.task).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 't1', namespace: 'team' },
      spec: { type: 'claude-code', prompt: 'Fix it', credentials: { type: 'oauth', secretRef: { name: 'kelos-credentials' } } },
    });
    expect(plan({ type: 'codex' }, 'x', config({ oauthToken: 'tok' }), 'n').secrets.get('kelos-credentials')).toEqual({ CODEX_AUTH_JSON: 'tok' });
    expect(plan({ type: 'gemini' }, 'x', config({ apiKey: 'k' }), 'n').secrets.get('kelos-credentials')).toEqual({ GEMINI_API_KEY: 'k' });
    expect(plan({}, 'x', config({ apiKey: 'k' }), 'n').task.spec.credentials).toEqual({ type: 'api-key', secretRef: { name: 'kelos-credentials' } });
  });

  it('Workspace kelos-workspace, with its token Secret, from an inline workspace', () => {
    const p = plan({}, 'x', config({ apiKey: 'k', workspace: { repo: 'https://github.com/acme/app.git', ref: 'main', token: 'ghp_1' } }), 'team');
    expect(p.workspace?.spec).toEqual({ repo: 'https://github.com/acme/app.git', ref: 'main', secretRef: { name: 'kelos-workspace-credentials' } });
    expect(p.secrets.get('kelos-workspace-credentials')).toEqual({ GITHUB_TOKEN: 'ghp_1' });
    expect(p.task.spec.workspaceRef).toEqual({ name: 'kelos-workspace' });
    // A named workspace (config or flag) is used as it is.
    expect(plan({}, 'x', config({ apiKey: 'k', workspace: { name: 'repo' } }), 'n').workspace).toBeUndefined();
    expect(plan({ workspace: 'other' }, 'x', config({ apiKey: 'k', workspace: { repo: 'https://x/y.git' } }), 'n').task.spec.workspaceRef).toEqual({
      name: 'other',
    });
  });

  it('every flag into the Task, flags winning over the config file', () => {
    const p = plan(
      {
        name: 'full',
        type: 'codex',
        model: 'gpt-5',
        effort: 'high',
        image: 'ghcr.io/acme/agent:1',
        agentConfig: ['a', 'b'],
        dependsOn: ['first'],
        branch: 'fix-1',
        activeDeadline: '1h30m',
        env: ['B=flag', 'C=x=y'],
        secret: 'mine',
        credentialType: 'oauth',
      },
      'Do it',
      config({ apiKey: 'ignored', model: 'o3', env: { A: '1', B: 'config' }, agentConfig: 'c' }),
      'n',
    );
    expect(p.secrets.size).toBe(0);
    expect(p.task.spec).toEqual({
      type: 'codex',
      prompt: 'Do it',
      credentials: { type: 'oauth', secretRef: { name: 'mine' } },
      model: 'gpt-5',
      effort: 'high',
      image: 'ghcr.io/acme/agent:1',
      agentConfigRefs: [{ name: 'a' }, { name: 'b' }],
      dependsOn: ['first'],
      branch: 'fix-1',
      podOverrides: {
        activeDeadlineSeconds: 5400,
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: 'flag' },
          { name: 'C', value: 'x=y' },
        ],
      },
    });
    expect(plan({}, 'x', config({ apiKey: 'k', agentConfig: 'c', type: 'gemini' }), 'n').task.spec).toMatchObject({
      type: 'gemini',
      agentConfigRef: { name: 'c' },
    });
  });

  it('a Task without credentials for --credential-type none', () => {
    expect(plan({ credentialType: 'none' }, 'x', config({ apiKey: 'k' }), 'n')).toMatchObject({
      secrets: new Map(),
      task: { spec: { credentials: { type: 'none' } } },
    });
  });
});

describe('kelos run rejects', () => {
  it.each([
    [{}, {}, 'no credentials: set oauthToken or apiKey in /home/me/.kelos/config.yaml, or pass --secret <name> [--credential-type oauth]'],
    [{}, { oauthToken: 'a', apiKey: 'b' }, 'config file /home/me/.kelos/config.yaml sets both oauthToken and apiKey: keep one'],
    [{ type: 'claude' }, { apiKey: 'k' }, '\'--type\' must be one of claude-code, codex, gemini, opencode, cursor, got "claude"'],
    [{ credentialType: 'token' }, { apiKey: 'k' }, '\'--credential-type\' must be one of api-key, oauth, none, got "token"'],
    [{ env: ['NOVALUE'] }, { apiKey: 'k' }, '\'--env\' must be NAME=VALUE, got "NOVALUE"'],
    [{ activeDeadline: 'soon' }, { apiKey: 'k' }, '\'--active-deadline\' must be a Go duration like 30m or 1h, got "soon"'],
    [{ activeDeadline: '500ms' }, { apiKey: 'k' }, '\'--active-deadline\' must be at least 1s, got "500ms"'],
    [{ name: 'Bad_Name' }, { apiKey: 'k' }, 'the Task would be invalid: metadata.name: Invalid value: "Bad_Name"'],
  ])('%o with config %o', (opts, doc, message) => {
    expect(() => plan(opts, 'x', config(doc), 'n')).toThrow(message);
  });

  it('--timeout without --watch: it is how long to watch, not the run time', async () => {
    const r = await kelosProcess(['run', '-p', 'hi', '--timeout', '1h', '--config', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("Error: '--timeout' applies to --watch: how long to watch the Task (its run time is --active-deadline)\n");
  });

  it('--prompt with --prompt-file, in one line and with exit code 2', async () => {
    const r = await kelosProcess(['run', '-p', 'hi', '--prompt-file', 'p.md', '--config', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("Error: '--prompt' and '--prompt-file' cannot be used together: pass the prompt one way\n");
    expect(r.stdout).toBe('');
  });

  it('no prompt, an empty prompt and an unreadable prompt file', async () => {
    expect((await kelos(['run', '--config', empty, '--dry-run'])).stderr).toBe('Error: a prompt is required: pass -p "<prompt>" or --prompt-file <file|->\n');
    expect((await kelos(['run', '-p', '  ', '--config', empty])).stderr).toBe("Error: '--prompt' must not be empty\n");
    const missing = await kelos(['run', '--prompt-file', join(dir, 'none.md'), '--config', empty]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`Error: prompt file ${join(dir, 'none.md')} cannot be read: no such file\n`);
  });
});

describe('kelos run --dry-run', () => {
  it('prints the Task without a cluster, reading the prompt from a file or stdin', async () => {
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, 'apiKey: "@/nonexistent/is-not-read-for-dry-run"\nnamespace: team\nmodel: opus\n');
    writeFileSync(join(dir, 'prompt.md'), 'Fix the flaky test.\n\n');
    const r = await kelos([
      'run',
      '--prompt-file',
      join(dir, 'prompt.md'),
      '--name',
      'dry',
      '--config',
      cfg,
      '--kubeconfig',
      join(dir, 'no-kubeconfig'),
      '--dry-run',
    ]);
    expect(r.stderr).toMatch(/^Error: config file .* 'apiKey' names \/nonexistent/);
    writeFileSync(cfg, 'secret: team-creds\ncredentialType: oauth\nnamespace: team\nmodel: opus\n');
    const ok = await kelos([
      'run',
      '--prompt-file',
      join(dir, 'prompt.md'),
      '--name',
      'dry',
      '--config',
      cfg,
      '--kubeconfig',
      join(dir, 'no-kubeconfig'),
      '--dry-run',
    ]);
    expect(ok.stderr).toBe('');
    expect(parse(ok.stdout)).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'dry', namespace: 'team' },
      spec: { type: 'claude-code', prompt: 'Fix the flaky test.', model: 'opus', credentials: { type: 'oauth', secretRef: { name: 'team-creds' } } },
    });
    const stdin = await kelosProcess(['run', '--prompt-file', '-', '-n', 'other', '--secret', 's', '--config', cfg, '--dry-run'], { input: 'From stdin\n' });
    expect(stdin.code).toBe(0);
    expect(parse(stdin.stdout).spec.prompt).toBe('From stdin');
    expect(parse(stdin.stdout).metadata.namespace).toBe('other');
    expect(parse(stdin.stdout).metadata.name).toMatch(/^task-[a-z0-9]{5}$/);
  });
});
