// contextSources of a spawner, against the real control plane, the GitHub emulator and an HTTP endpoint on loopback.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { createNamespace, kubeConfig, kubeconfigPath, type TestNamespace } from '../cluster/harness.js';
import { GitHubEmulator } from '../emulators/github.js';
import { ClusterFixture, ensureCrds } from './_cluster.js';

const TOKEN = 'ghp_context';
let ns: TestNamespace;
let fx: ClusterFixture;
let gh: GitHubEmulator;
let server: Server;
let endpoint: string;
let up = false;
const auth: string[] = [];

beforeAll(async () => {
  const kc = kubeConfig();
  await ensureCrds(kc);
  ns = await createNamespace('spawner-ctx');
  // The admission policy (when another test installed it) admits contextSources' Secrets the namespace allows.
  await (await KubeClient.fromKubeconfig(kubeconfigPath())).mergePatch(resourcePath(Resources.namespaces, { name: ns.name }), {
    metadata: { annotations: { 'kelos.dev/agent-secrets': 'jira' } },
  });
  fx = new ClusterFixture(kc, ns.name);
  gh = await GitHubEmulator.start({ requireAuth: true });
  gh.addToken(TOKEN, 'kelos-bot');
  server = createServer((req, res) => {
    auth.push(String(req.headers.authorization));
    if (!up) {
      res.statusCode = 503;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ fields: { description: `Context for ${req.url} {{.Title}}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await gh?.close();
  await ns?.cleanup();
});

describe('contextSources on the control plane', () => {
  it('skips an item while a Fail source fails, then creates its Task with the fetched value as data', async () => {
    const repo = gh.repo('acme/ctx');
    await fx.workspace('ctx', `${gh.url}/acme/ctx.git`, 'github-token');
    const n = repo.createIssue({ title: 'PROJ-7', labels: ['ctx'] });
    // The Secrets as the kubelet mounts them (the Role grants none).
    const secretsDir = mkdtempSync(join(tmpdir(), 'kelos-secrets-'));
    for (const [secret, key, value] of [
      ['github-token', 'GITHUB_TOKEN', TOKEN],
      ['jira', 'authorization', 'Bearer j1r4'],
    ] as const) {
      mkdirSync(join(secretsDir, secret), { recursive: true });
      writeFileSync(join(secretsDir, secret, key), value);
    }
    await fx.taskSpawner('ctx', {
      when: { githubIssues: { labels: ['ctx'] } },
      taskTemplate: {
        workspaceRef: { name: 'ctx' },
        type: 'claude-code',
        credentials: { type: 'none' },
        promptTemplate: '{{.Title}}\n{{.Context.jira}}\n[{{.Context.optional}}]',
        contextSources: [
          {
            name: 'jira',
            http: {
              url: `${endpoint}/issue/{{.Title}}`,
              allowInsecure: true,
              headersFrom: [{ header: 'Authorization', secretName: 'jira', secretKey: 'authorization' }],
              responseFilter: { type: 'JSONPath', expression: '$.fields.description' },
            },
          },
          { name: 'optional', failurePolicy: 'Ignore', http: { url: `${endpoint.replace('127.0.0.1', 'localhost')}/x`, allowInsecure: false } },
        ],
      },
      pollInterval: '1h',
    });
    const spawner = fx.spawner('ctx', { secretsDir });

    const first = await spawner.runCycle();
    expect(first).toMatchObject({
      ok: true,
      created: [],
      skipped: [
        { reason: 'ContextSourceFailed', message: expect.stringContaining(`#${n}: context source jira failed: GET ${endpoint}/issue/PROJ-7 answered 503`) },
      ],
    });
    expect(await fx.taskNames('ctx')).toEqual([]);
    expect((await fx.getSpawner('ctx')).status?.message).toContain('context source jira failed');

    up = true;
    expect(await spawner.runCycle()).toMatchObject({ ok: true, created: [`ctx-${n}`] });
    const [task] = await fx.tasks('ctx');
    expect(task!.spec.prompt).toBe('PROJ-7\nContext for /issue/PROJ-7 {{.Title}}\n[]');
    expect(auth.at(-1)).toBe('Bearer j1r4');
  });
});
