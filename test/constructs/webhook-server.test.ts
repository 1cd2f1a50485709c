import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AgentType, Credentials, Spawner, WebhookServer, When, Workspace } from '../../constructs/index.js';
import { rendered, setup } from './_helpers.js';

const NAME = 'kelos-webhook-server';

function spawner(chart: Chart, id: string, when: When) {
  return new Spawner(chart, id, {
    type: AgentType.CLAUDE_CODE,
    credentials: Credentials.oauth({ name: 'model-oauth' }),
    workspace: Workspace.fromName(chart, `${id}-ws`, 'repo'),
    when,
  });
}

const args = (out: Record<string, any>) => out[`Deployment/${NAME}`].spec.template.spec.containers[0].args;
const secrets = (out: Record<string, any>) => out[`Role/${NAME}`].rules.find((r: any) => r.resources.includes('secrets'))?.resourceNames;

describe('WebhookServer', () => {
  it('is added once per chart by the webhook Spawners, serving the routes they use with default Secrets', () => {
    const { app, chart } = setup();
    spawner(chart, 'gh', When.githubWebhook({ events: ['issues'] }));
    spawner(chart, 'gh2', When.githubWebhook({ events: ['push'] }));
    spawner(chart, 'sentry', When.webhook({ source: 'sentry', fieldMapping: { id: '$.id' } }));
    spawner(chart, 'poll', When.githubIssues());
    const out = rendered(app);
    expect(
      Object.keys(out)
        .filter((k) => k.endsWith(`/${NAME}`))
        .sort(),
    ).toEqual([`Deployment/${NAME}`, `PodDisruptionBudget/${NAME}`, `Role/${NAME}`, `RoleBinding/${NAME}`, `Service/${NAME}`, `ServiceAccount/${NAME}`]);
    expect(args(out)).toEqual([
      'webhook-server',
      '--namespace=team',
      '--addr=:8090',
      '--metrics-addr=:8080',
      '--health-addr=:8081',
      '--github-secret=github-webhook-secret',
      '--generic=sentry=sentry-webhook-secret',
    ]);
    expect(secrets(out)).toEqual(['github-webhook-secret', 'sentry-webhook-secret']);
    expect(out[`Deployment/${NAME}`].spec.replicas).toBe(2);
    expect(out[`PodDisruptionBudget/${NAME}`].spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { 'kelos.dev/component': 'webhook-server', 'kelos.dev/name': 'kelos' } },
    });
    // The polling spawner keeps its own workload.
    expect(out['Deployment/poll-spawner']).toBeDefined();
    expect(out['Deployment/gh-spawner']).toBeUndefined();
  });

  it("reads the Secrets its Spawners' contextSources send as headers, and only those", () => {
    const { app, chart } = setup();
    const headers = (secretName: string) => [{ header: 'Authorization', secretName, secretKey: 'token' }];
    for (const [id, secret] of [
      ['a', 'tracker-b'],
      ['b', 'tracker-a'],
      ['c', 'tracker-a'],
    ] as const) {
      new Spawner(chart, id, {
        type: AgentType.CLAUDE_CODE,
        credentials: Credentials.oauth({ name: 'model-oauth' }),
        workspace: Workspace.fromName(chart, `${id}-ws`, 'repo'),
        when: When.githubWebhook({ events: ['issues'] }),
        promptTemplate: '{{.Context.owner}}',
        contextSources: [{ name: 'owner', http: { url: 'https://tracker.example.com/{{.Number}}', headersFrom: headers(secret) } }],
      });
    }
    new Spawner(chart, 'poll', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.oauth({ name: 'model-oauth' }),
      workspace: Workspace.fromName(chart, 'poll-ws', 'repo'),
      when: When.githubIssues(),
      contextSources: [{ name: 'owner', http: { url: 'https://tracker.example.com/x', headersFrom: headers('polling-only') } }],
    });
    const out = rendered(app);
    expect(secrets(out)).toEqual(['github-webhook-secret', 'tracker-a', 'tracker-b']);
    expect(args(out).join(' ')).not.toContain('tracker');
  });

  it('renders none for a chart without webhook Spawners', () => {
    const { app, chart } = setup();
    spawner(chart, 'poll', When.githubIssues());
    expect(Object.keys(rendered(app)).filter((k) => k.endsWith(`/${NAME}`))).toEqual([]);
  });

  it('takes the Secrets, authentication, replicas and Ingress it is given, declared before the Spawners', () => {
    const { app, chart } = setup();
    new WebhookServer(chart, 'webhooks', {
      github: { secret: { name: 'gh-hook' } },
      slack: { secret: { name: 'slack-app' }, botUserId: 'U0BOT' },
      generic: {
        alerts: { secret: { name: 'alerts-token' }, auth: 'bearer' },
        sentry: { secret: { name: 'sentry' }, signatureHeader: 'Sentry-Hook-Signature' },
      },
      replicas: 3,
      maxBodyBytes: 2 * 1024 * 1024,
      ingress: { host: 'hooks.example.com', className: 'nginx', tlsSecret: { name: 'hooks-tls' } },
    });
    spawner(chart, 'gh', When.githubWebhook({ events: ['issues'] }));
    spawner(chart, 'chat', When.slack());
    const out = rendered(app);
    expect(args(out).slice(5)).toEqual([
      '--github-secret=gh-hook',
      '--slack-secret=slack-app',
      '--slack-bot-user-id=U0BOT',
      '--generic=alerts=alerts-token,auth=bearer',
      '--generic=sentry=sentry,header=Sentry-Hook-Signature',
      '--max-body-bytes=2097152',
    ]);
    expect(secrets(out)).toEqual(['alerts-token', 'gh-hook', 'sentry', 'slack-app']);
    expect(out[`Deployment/${NAME}`].spec.replicas).toBe(3);
    expect(out[`Ingress/${NAME}`].spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['hooks.example.com'], secretName: 'hooks-tls' }],
      rules: [
        {
          host: 'hooks.example.com',
          http: { paths: [{ path: '/webhook', pathType: 'Prefix', backend: { service: { name: NAME, port: { name: 'http' } } } }] },
        },
      ],
    });
  });

  it('runs as Pod Security "restricted" with probes, and reads only its own TaskSpawners, Tasks and Secrets', () => {
    const { app, chart } = setup();
    spawner(chart, 'lin', When.linearWebhook({ types: ['Issue'] }));
    const out = rendered(app);
    const pod = out[`Deployment/${NAME}`].spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(pod.containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(out[`Role/${NAME}`].metadata.namespace).toBe('team');
    expect(out[`Role/${NAME}`].rules).toEqual([
      { apiGroups: ['kelos.dev'], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/status'], verbs: ['patch'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/finalizers'], verbs: ['update'] },
      { apiGroups: ['kelos.dev'], resources: ['tasks'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['linear-webhook-secret'], verbs: ['get'] },
    ]);
  });

  it('may report for githubWebhook Spawners with reporting: list and patch Tasks, get their Workspaces, token Secrets and one Lease by name', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'gh', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.oauth({ name: 'model-oauth' }),
      workspace: Workspace.fromName(chart, 'app-ws', 'app', { secretName: 'app-token' }),
      when: When.githubWebhook({ events: ['pull_request'], reporting: { enabled: true, checks: {} } }),
    });
    spawner(chart, 'quiet', When.githubWebhook({ events: ['issues'] }));
    const out = rendered(app);
    expect(args(out)).toContain('--report');
    expect(out[`Role/${NAME}`].rules).toEqual([
      { apiGroups: ['kelos.dev'], resources: ['taskspawners'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/status'], verbs: ['patch'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/finalizers'], verbs: ['update'] },
      { apiGroups: ['kelos.dev'], resources: ['tasks'], verbs: ['create', 'get', 'list', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['app-token', 'github-webhook-secret'], verbs: ['get'] },
      { apiGroups: ['kelos.dev'], resources: ['workspaces'], resourceNames: ['app'], verbs: ['get'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kelos-webhook-server-reporting'], verbs: ['get', 'update'] },
    ]);
  });

  it('refuses githubWebhook reporting with a Workspace whose Secret is unknown', () => {
    const { chart } = setup();
    expect(() => spawner(chart, 'gh', When.githubWebhook({ events: ['issues'], reporting: { enabled: true } }))).toThrow(
      /'workspace' needs a secret \(a GitHub token or App\) when githubWebhook reporting is on/,
    );
  });

  it('fails when declared twice in a chart, or after a Spawner made one', () => {
    const { chart } = setup();
    spawner(chart, 'gh', When.githubWebhook({ events: ['issues'] }));
    expect(() => new WebhookServer(chart, 'late')).toThrow(
      /'id' is a second webhook server in chart pipeline \(there is pipeline\/WebhookServer\); declare one, before the webhook Spawners/,
    );
  });

  it('fails on a bad generic source, header or host, and when it serves nothing', () => {
    const chart = () => setup().chart;
    expect(() => new WebhookServer(chart(), 'a', { generic: { GitHub: { secret: { name: 's' } } } })).toThrow(/'generic' keys must be source names/);
    expect(() => new WebhookServer(chart(), 'b', { generic: { x: { secret: { name: 's' }, signatureHeader: 'bad header' } } })).toThrow(
      /'generic.x.signatureHeader' must be an HTTP header name/,
    );
    expect(() => new WebhookServer(chart(), 'c', { ingress: { host: 'https://hooks.example.com' } })).toThrow(/'ingress.host' must be a DNS host name/);
    const { app, chart: idle } = setup();
    new WebhookServer(idle, 'idle');
    expect(() => app.render()).toThrow(/pipeline\/idle: serves no route/);
  });
});
