// Bad input gets one line saying what, which object and what to do; a
// non-zero exit; a stack trace only with --verbose.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kelos, kelosProcess } from './_kelos.js';

const dir = mkdtempSync(join(tmpdir(), 'kelos-errors-'));
const unreachable = join(dir, 'unreachable.kubeconfig');
writeFileSync(
  unreachable,
  `apiVersion: v1
kind: Config
clusters:
  - name: gone
    cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true }
users:
  - name: me
    user: { token: abc }
contexts:
  - name: gone
    context: { cluster: gone, user: me, namespace: team }
current-context: gone
`,
);

describe('cluster errors', () => {
  it('names a missing kubeconfig and says what to pass', async () => {
    const r = await kelosProcess(['get', 'tasks', '--kubeconfig', join(dir, 'nope.kubeconfig')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error: kubeconfig ${join(dir, 'nope.kubeconfig')} does not exist: pass --kubeconfig <file> or set KUBECONFIG to a kubeconfig of your cluster\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('says when there is no kubeconfig at all', async () => {
    const r = await kelos(['get', 'tasks'], { env: { HOME: dir, KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: no kubeconfig found (~/.kube/config does not exist and KUBECONFIG is not set): pass --kubeconfig <file>\n');
  });

  it('lists the contexts when --context names none of them', async () => {
    const r = await kelos(['logs', 'x', '--kubeconfig', unreachable, '--context', 'prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: context "prod" is not in kubeconfig ${unreachable}; it has "gone"\n`);
  });

  it('says the API server cannot be reached, with details only under --verbose', async () => {
    const r = await kelosProcess(['get', 'tasks', '--kubeconfig', unreachable]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error: cannot reach the Kubernetes API server at https://127.0.0.1:1 (ECONNREFUSED): is the cluster running, and is this the right --kubeconfig/--context?\n',
    );
    const verbose = await kelos(['get', 'tasks', '--kubeconfig', unreachable, '--verbose']);
    expect(verbose.stderr.split('\n')[0]).toBe(
      'Error: cannot reach the Kubernetes API server at https://127.0.0.1:1 (ECONNREFUSED): is the cluster running, and is this the right --kubeconfig/--context?',
    );
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('uses KUBECONFIG and the namespace of its context', async () => {
    const r = await kelos(['run', '-p', 'hi', '--secret', 's', '--dry-run', '--config', join(dir, 'none.yaml')], { env: { KUBECONFIG: unreachable } });
    expect(r.stderr).toContain('config file');
    writeFileSync(join(dir, 'empty.yaml'), '{}\n');
    const ok = await kelos(['run', '-p', 'hi', '--secret', 's', '--dry-run', '--config', join(dir, 'empty.yaml')], { env: { KUBECONFIG: unreachable } });
    expect(ok.stdout).toContain('namespace: team\n');
  });
});

describe('usage errors', () => {
  it.each([
    [['get', 'pods'], 'Error: unknown resource type "pods": use task, taskspawner, workspace, agentconfig\n'],
    [['get', 'task', '-o', 'table'], 'Error: \'-o\' must be one of wide, name, yaml, json, got "table"\n'],
    [['get', 'workspaces', '--spawner', 'bot'], "Error: '--spawner' applies to tasks, not workspaces\n"],
    [['delete', 'task'], 'Error: name the task to delete, or pass --all to delete every task of the namespace\n'],
    [['delete', 'task', 'a', '--all'], 'Error: pass either names or --all, not both\n'],
    [['suspend', 'task', 'x'], 'Error: only taskspawners can be suspended, not tasks\n'],
    [
      ['install', '--image', 'a', '--version', '1.0.0', '--dry-run'],
      "Error: '--image' and '--version' cannot be used together: --version picks the tag of the kelos image\n",
    ],
    [['install', '--version', 'latest', '--dry-run'], 'Error: \'--version\' must be a release like 0.1.0 or v0.1.0, got "latest"\n'],
  ])('kelos %j', async (args, message) => {
    const r = await kelos([...args, '--kubeconfig', unreachable]);
    expect(r.stderr).toBe(message);
    expect(r.code).not.toBe(0);
  });

  it('reports unknown options with the command help hint', async () => {
    const r = await kelos(['run', '--promt', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: unknown option '--promt'");
    expect(r.stderr).toContain('(Did you mean --prompt?)');
  });
});
