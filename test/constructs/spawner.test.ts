import { Chart, Cron, Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AgentType, Credentials, Spawner, Task, type TaskTemplateProps, When, Workspace } from '../../constructs/index.js';
import { rendered, setup } from './_helpers.js';

function base(chart: any): TaskTemplateProps {
  return {
    type: AgentType.CLAUDE_CODE,
    credentials: Credentials.oauth({ name: 'model-oauth' }),
    workspace: new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git', secret: { name: 'gh-token' } }),
  };
}

describe('Spawner', () => {
  it('renders a GitHub issues TaskSpawner and its poller Deployment with least-privilege RBAC', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'workers', {
      ...base(chart),
      when: When.githubIssues({ labels: ['bug'], excludeLabels: ['wontfix'], priorityLabels: ['p1', 'p2'], pollInterval: Duration.seconds(90) }),
      branch: 'agent-{{.Number}}',
      promptTemplate: 'Fix #{{.Number}}: {{.Title}}',
      maxConcurrency: 3,
      maxTotalTasks: 50,
    });
    const out = rendered(app);
    expect(out['TaskSpawner/workers'].metadata.annotations['kelos.dev/workload-compiled']).toBe('true');
    expect(out['TaskSpawner/workers'].spec).toEqual({
      when: { githubIssues: { labels: ['bug'], excludeLabels: ['wontfix'], priorityLabels: ['p1', 'p2'], pollInterval: '90s' } },
      taskTemplate: {
        type: 'claude-code',
        credentials: { type: 'oauth', secretRef: { name: 'model-oauth' } },
        workspaceRef: { name: 'repo' },
        branch: 'agent-{{.Number}}',
        promptTemplate: 'Fix #{{.Number}}: {{.Title}}',
      },
      maxConcurrency: 3,
      maxTotalTasks: 50,
    });
    const labels = { 'kelos.dev/component': 'spawner', 'kelos.dev/name': 'kelos', 'kelos.dev/taskspawner': 'workers' };
    const dep = out['Deployment/workers-spawner'];
    expect(dep.metadata).toEqual({ name: 'workers-spawner', namespace: 'team', labels, annotations: { 'argocd.argoproj.io/sync-wave': '1' } });
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = dep.spec.template.spec;
    expect(pod.serviceAccountName).toBe('workers-spawner');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].args).toEqual(['spawner', '--taskspawner=team/workers']);
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(out['Role/workers-spawner'].rules).toEqual([
      { apiGroups: ['kelos.dev'], resources: ['taskspawners'], resourceNames: ['workers'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/status'], resourceNames: ['workers'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: ['kelos.dev'], resources: ['taskspawners/finalizers'], resourceNames: ['workers'], verbs: ['update'] },
      { apiGroups: ['kelos.dev'], resources: ['tasks'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['workers-triggers'], verbs: ['get', 'patch'] },
      { apiGroups: ['kelos.dev'], resources: ['workspaces'], resourceNames: ['repo'], verbs: ['get'] },
    ]);
    // No Secret in the Role: the kubelet mounts the Workspace's.
    expect(pod.volumes).toEqual([{ name: 'secret-0', secret: { secretName: 'gh-token', optional: true, defaultMode: 0o440 } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'secret-0', mountPath: '/var/run/kelos/secrets/gh-token', readOnly: true }]);
    expect(out['RoleBinding/workers-spawner']).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'workers-spawner' },
      subjects: [{ kind: 'ServiceAccount', name: 'workers-spawner', namespace: 'team' }],
    });
    expect(out['ServiceAccount/workers-spawner']).toBeDefined();
    expect(out['CronJob/workers-spawner']).toBeUndefined();
  });

  it('scales the poller to zero when suspended', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'paused', { ...base(chart), when: When.githubPullRequests({ draft: false }), suspend: true });
    const out = rendered(app);
    expect(out['Deployment/paused-spawner'].spec.replicas).toBe(0);
    expect(out['TaskSpawner/paused'].spec.suspend).toBe(true);
  });

  it('renders a cron TaskSpawner as a CronJob running one cycle', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'nightly', { ...base(chart), when: When.cron(Cron.schedule({ minute: '0', hour: '3' })), suspend: true });
    const out = rendered(app);
    expect(out['TaskSpawner/nightly'].spec.when).toEqual({ cron: { schedule: '0 3 * * *' } });
    const cj = out['CronJob/nightly-spawner'];
    expect(cj.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', suspend: true });
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(['spawner', '--taskspawner=team/nightly', '--one-shot']);
    expect(out['Deployment/nightly-spawner']).toBeUndefined();
  });

  it('grants a Jira spawner its Jira secret and nothing of GitHub', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'jira', {
      type: AgentType.CODEX,
      credentials: Credentials.apiKey({ name: 'codex-key' }),
      when: When.jira({ baseUrl: 'https://j.example.com', project: 'APP', jql: 'status = Open', secret: { name: 'jira-creds' } }),
    });
    const out = rendered(app);
    expect(out['TaskSpawner/jira'].spec.when).toEqual({
      jira: { baseUrl: 'https://j.example.com', project: 'APP', jql: 'status = Open', secretRef: { name: 'jira-creds' } },
    });
    expect(out['Deployment/jira-spawner'].spec.template.spec.volumes.map((v: any) => v.secret.secretName)).toEqual(['jira-creds']);
    expect(JSON.stringify(out['Role/jira-spawner'].rules)).not.toContain('secrets');
  });

  it('keeps workload names within Kubernetes limits for long spawner names', () => {
    const { app, chart } = setup();
    const name = 'a-spawner-name-of-sixty-three-characters-at-the-label-limit-xyz';
    new Spawner(chart, name, { ...base(chart), when: When.cron('*/5 * * * *') });
    const out = rendered(app);
    const cronJob = Object.keys(out).find((k) => k.startsWith('CronJob/'))!;
    expect(cronJob.length - 'CronJob/'.length).toBeLessThanOrEqual(52);
    expect(out[cronJob].metadata.labels['kelos.dev/taskspawner'].length).toBeLessThanOrEqual(63);
  });

  it('fails when a GitHub source has no workspace', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), when: When.githubIssues() })).toThrow(
      `pipeline/s: 'workspace' is required when using the githubIssues source`,
    );
  });

  it('fails when maxConcurrency is negative', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), maxConcurrency: -1 })).toThrow(
      `pipeline/s: 'maxConcurrency' must be an integer >= 0, got -1`,
    );
  });

  it('fails when the cron schedule is not 5 fields', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.cron('0 0 9 * * *') })).toThrow(
      `pipeline/s: 'when.cron.schedule' must be a cron schedule (5 fields, or a macro such as "@daily"), got "0 0 9 * * *": expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got 6 fields`,
    );
  });

  it("fails on a cron schedule with the cron parser's reason", () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.cron('0 25 * * *') })).toThrow(
      `pipeline/s: 'when.cron.schedule' must be a cron schedule (5 fields, or a macro such as "@daily"), got "0 25 * * *": hour field "25": Constraint error, got value 25 expected range 0-23`,
    );
  });

  it('accepts the macros a CronJob accepts and renders them as written', () => {
    const { app, chart } = setup();
    const props = base(chart);
    new Spawner(chart, 'daily', { ...props, when: When.cron('@daily') });
    new Spawner(chart, 'hourly', { ...props, when: When.cron('@hourly') });
    const out = rendered(app);
    expect(out['TaskSpawner/daily'].spec.when.cron.schedule).toBe('@daily');
    expect(out['CronJob/daily-spawner'].spec.schedule).toBe('@daily');
  });

  it('fails when commentPolicy is combined with legacy comment commands', () => {
    const { chart } = setup();
    expect(
      () => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues({ triggerComment: '/go', commentPolicy: { triggerComment: '/go' } }) }),
    ).toThrow(`pipeline/s: 'when.githubIssues.commentPolicy' cannot be used with triggerComment or excludeComments`);
  });

  it('fails when a state is not one GitHub knows', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues({ state: 'merged' as any }) })).toThrow(
      `pipeline/s: 'when.githubIssues.state' must be one of "open", "closed", "all", got "merged"`,
    );
  });

  it('fails when the prompt template does not parse', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), promptTemplate: '{{if .Body}}open' })).toThrow(
      /pipeline\/s: 'promptTemplate' is not a valid Go template: /,
    );
  });

  it('fails when task labels set the reserved spawner label', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), taskLabels: { 'kelos.dev/taskspawner': 'x' } })).toThrow(
      /'taskLabels' must not set kelos.dev\/taskspawner/,
    );
  });

  it('fails when a Jira base URL has no scheme', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.jira({ baseUrl: 'jira.example.com', project: 'P', secret: { name: 'j' } }) })).toThrow(
      `pipeline/s: 'when.jira.baseUrl' must start with http:// or https://, got "jira.example.com"`,
    );
  });

  it('fails on an unknown template field in the prompt, naming the one it likely meant', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubPullRequests(), promptTemplate: 'Review {{.Titel}}' })).toThrow(
      "pipeline/s: 'promptTemplate' reads .Titel, which a githubPullRequests source does not have (did you mean .Title?); it has .ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind, .Branch, .ReviewState, .ReviewComments",
    );
  });

  it('fails on a branch that reads a variable its source leaves empty', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), branch: 'fix-{{.Branch}}' })).toThrow(
      "pipeline/s: 'branch' reads .Branch, which a githubIssues source leaves empty; it has .ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind",
    );
  });

  it('checks task label and annotation templates', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.cron('@daily'), taskAnnotations: { schedule: '{{.Shedule}}' } })).toThrow(
      "pipeline/s: 'taskAnnotations[schedule]' reads .Shedule, which a cron source does not have (did you mean .Schedule?); it has .ID, .Title, .Time, .Schedule",
    );
  });

  it('checks .Deps in the prompt against dependsOn', () => {
    const { chart } = setup();
    const props = base(chart);
    const setupTask = new Task(chart, 'setup', { ...props, prompt: 'prepare' });
    expect(
      () =>
        new Spawner(chart, 's', {
          ...props,
          when: When.githubIssues(),
          dependsOn: [setupTask],
          promptTemplate: '{{.Title}} on {{index .Deps "set-up" "Results" "branch"}}',
        }),
    ).toThrow(`pipeline/s: 'promptTemplate' reads .Deps "set-up", which is not in dependsOn (did you mean "setup"?); dependsOn has "setup"`);
    expect(
      () =>
        new Spawner(chart, 'ok', {
          ...props,
          when: When.githubIssues(),
          dependsOn: [setupTask],
          promptTemplate: '{{.Title}} on {{index .Deps "setup" "Results" "branch"}}',
        }),
    ).not.toThrow();
  });

  it('fails when dependsOn names a Task of another namespace', () => {
    const { app, chart } = setup();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const first = new Task(other, 'first', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), prompt: 'x' });
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.cron('@hourly'), dependsOn: [first] })).toThrow(
      `pipeline/s: 'dependsOn' names Task "first" of namespace "other", but dependsOn is looked up in "team", the namespace of pipeline/s: it would wait forever; depend on a Task of the same namespace`,
    );
  });

  it('fails when the name is too long for the label of the Tasks it spawns', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 'x'.repeat(64), { ...base(chart), when: When.cron('@daily') })).toThrow(
      `pipeline/${'x'.repeat(64)}: 'id' must be at most 63 characters (it is the kelos.dev/taskspawner label of every Task it spawns), got "${'x'.repeat(64)}"`,
    );
  });

  it('renders contextSources and mounts the Secrets of their headers into the spawner', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'enriched', {
      ...base(chart),
      when: When.githubIssues({ labels: ['needs-context'] }),
      contextSources: [
        {
          name: 'jira',
          failurePolicy: 'Ignore',
          http: {
            url: 'https://acme.atlassian.net/rest/api/3/issue/{{.Title}}',
            headersFrom: [{ header: 'Authorization', secretName: 'jira-auth', secretKey: 'authorization' }],
            responseFilter: { type: 'JSONPath', expression: '$.fields.description' },
            timeout: Duration.seconds(15),
          },
        },
        {
          name: 'runbook',
          http: { url: 'http://runbooks.internal/{{.Number}}', allowInsecure: true, method: 'POST', body: '{"n": {{.Number}}}', maxResponseBytes: 4096 },
        },
      ],
      promptTemplate: '{{.Title}}\n{{.Context.jira}}\n{{.Context.runbook}}',
    });
    const out = rendered(app);
    expect(out['TaskSpawner/enriched'].spec.taskTemplate.contextSources).toEqual([
      {
        name: 'jira',
        failurePolicy: 'Ignore',
        http: {
          url: 'https://acme.atlassian.net/rest/api/3/issue/{{.Title}}',
          headersFrom: [{ header: 'Authorization', secretName: 'jira-auth', secretKey: 'authorization' }],
          responseFilter: { type: 'JSONPath', expression: '$.fields.description' },
          timeoutSeconds: 15,
        },
      },
      {
        name: 'runbook',
        http: { url: 'http://runbooks.internal/{{.Number}}', allowInsecure: true, method: 'POST', body: '{"n": {{.Number}}}', maxResponseBytes: 4096 },
      },
    ]);
    expect(out['Deployment/enriched-spawner'].spec.template.spec.volumes.map((v: any) => v.secret.secretName)).toEqual(['gh-token', 'jira-auth']);
  });

  it('fails on a context source name that is not a template key, twice the same name, or plain http', () => {
    const spawner = (contextSources: any[]) => () => {
      const { chart } = setup();
      return new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), contextSources });
    };
    expect(spawner([{ name: 'jira-issue', http: { url: 'https://x.example.com' } }])).toThrow(
      `pipeline/s: 'contextSources' name must be a letter then letters, digits or '_' (at most 64 characters: it is {{.Context.<name>}}), got "jira-issue"`,
    );
    const twice = { name: 'a', http: { url: 'https://x.example.com' } };
    expect(spawner([twice, twice])).toThrow(`pipeline/s: 'contextSources' has the name "a" twice`);
    expect(spawner([{ name: 'a', http: { url: 'http://x.example.com' } }])).toThrow(
      `pipeline/s: 'contextSources[a].http.url' must be https unless allowInsecure is set, got "http://x.example.com"`,
    );
    expect(spawner([{ name: 'a', http: { url: 'https://x.example.com/{{.Number' } }])).toThrow(/'contextSources\[a\]\.http\.url' is not a valid Go template/);
    expect(spawner([{ name: 'a', http: { url: 'https://x.example.com', timeout: Duration.minutes(2) } }])).toThrow(
      `'contextSources[a].http.timeout' must be an integer >= 1 and <= 60, got 120`,
    );
    expect(spawner([{ name: 'a', http: { url: 'https://x.example.com', body: '{}' } }])).toThrow(
      `'contextSources[a].http.body' is sent only with method "POST"`,
    );
    expect(spawner(Array.from({ length: 9 }, (_, i) => ({ name: `s${i}`, http: { url: 'https://x.example.com' } })))).toThrow(
      `'contextSources' must have at most 8 entries, got 9`,
    );
  });

  it("checks .Context against contextSources, and the context sources' own templates against the source", () => {
    const { chart } = setup();
    const props = base(chart);
    const jira = { name: 'jira', http: { url: 'https://j.example.com/{{.Number}}' } };
    expect(() => new Spawner(chart, 'a', { ...props, when: When.githubIssues(), contextSources: [jira], promptTemplate: '{{.Context.jiar}}' })).toThrow(
      `pipeline/a: 'promptTemplate' reads .Context "jiar", which is not in contextSources (did you mean "jira"?); contextSources has "jira"`,
    );
    expect(
      () =>
        new Spawner(chart, 'b', { ...props, when: When.githubIssues(), contextSources: [{ name: 'jira', http: { url: 'https://j.example.com/{{.Numbr}}' } }] }),
    ).toThrow(
      `pipeline/b: 'contextSources[jira].http.url' reads .Numbr, which a githubIssues source does not have (did you mean .Number?); it has .ID, .Number, .Title, .Body, .URL, .Labels, .Comments, .Kind`,
    );
    expect(
      () => new Spawner(chart, 'c', { ...props, when: When.githubIssues(), contextSources: [{ ...jira, http: { ...jira.http, timeOut: 5 } } as any] }),
    ).toThrow(`pipeline/c: 'contextSources[jira].http.timeOut' is not a prop of an HTTP context source; did you mean 'contextSources[jira].http.timeout'?`);
    expect(
      () => new Spawner(chart, 'ok', { ...props, when: When.githubIssues(), contextSources: [jira], promptTemplate: '{{.Title}}\n{{.Context.jira}}' }),
    ).not.toThrow();
  });

  it('checks the templates of event sources against their variables', () => {
    const { chart } = setup();
    const props = base(chart);
    expect(
      () =>
        new Spawner(chart, 'gh', {
          ...props,
          when: When.githubWebhook({ events: ['issue_comment'] }),
          promptTemplate: '{{.CommentBody}} by {{.Sender}} on {{.Payload.issue.title}}',
        }),
    ).not.toThrow();
    expect(
      () =>
        new Spawner(chart, 'sentry', {
          ...props,
          when: When.webhook({ source: 'sentry', fieldMapping: { id: '$.id', level: '$.level' } }),
          promptTemplate: '{{.level}} {{.levl}}',
        }),
    ).toThrow(
      `pipeline/sentry: 'promptTemplate' reads .levl, which a webhook source does not have (did you mean .level?); it has .ID, .Title, .Body, .URL, .Kind, .Payload, .id, .level`,
    );
  });

  it('fails on branch text no item can make a valid git branch name', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...base(chart), when: When.githubIssues(), branch: 'fix/{{.Number}}..x' })).toThrow(
      `pipeline/s: 'branch' must give a valid git branch name: template "fix/{{.Number}}..x" renders no valid git branch name whatever the item: it contains ".." (see git check-ref-format --branch)`,
    );
  });
});
