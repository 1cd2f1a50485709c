import { Chart, Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Agent, AgentType, Credentials, Model, Task, Workspace } from '../../constructs/index.js';
import { RESOURCE_ANNOTATIONS, rendered, setup } from './_helpers.js';

const creds = Credentials.oauth({ name: 'model-oauth' });

describe('Task', () => {
  it('renders a minimal Task', () => {
    const { app, chart } = setup();
    new Task(chart, 'hello', { type: AgentType.CODEX, credentials: Credentials.apiKey({ name: 'key' }), prompt: 'Say hi.' });
    expect(rendered(app)['Task/hello']).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Task',
      metadata: { name: 'hello', namespace: 'team', annotations: { ...RESOURCE_ANNOTATIONS, 'kelos.dev/declared': 'true' } },
      spec: { type: 'codex', prompt: 'Say hi.', credentials: { type: 'api-key', secretRef: { name: 'key' } } },
    });
  });

  it('renders typed references, dependencies and every optional field', () => {
    const { app, chart } = setup();
    const ws = new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git' });
    const a1 = new Agent(chart, 'one');
    const a2 = Agent.fromName(chart, 'two', 'shared-agent');
    const first = new Task(chart, 'first', { type: AgentType.CLAUDE_CODE, credentials: creds, workspace: ws, branch: 'feat', prompt: 'Start.' });
    new Task(chart, 'second', {
      type: AgentType.CLAUDE_CODE,
      credentials: creds,
      model: Model.OPUS,
      effort: 'high',
      image: 'registry.example.com/agent:1',
      workspace: ws,
      agents: [a1, a2],
      branch: 'feat',
      dependsOn: [first, Task.fromName(chart, 'ext', 'external-task')],
      upstreamRepo: 'up/r',
      ttlAfterFinished: Duration.minutes(10),
      podOverrides: { activeDeadlineSeconds: 600, labels: { team: 'a' } },
      labels: { owner: 'me' },
      prompt: 'Continue on {{index .Deps "first" "Results" "branch"}}.',
    });
    const t = rendered(app)['Task/second'];
    expect(t.metadata.labels).toEqual({ owner: 'me' });
    expect(t.spec).toEqual({
      type: 'claude-code',
      credentials: { type: 'oauth', secretRef: { name: 'model-oauth' } },
      model: 'opus',
      effort: 'high',
      image: 'registry.example.com/agent:1',
      workspaceRef: { name: 'repo' },
      agentConfigRefs: [{ name: 'one' }, { name: 'shared-agent' }],
      branch: 'feat',
      dependsOn: ['first', 'external-task'],
      upstreamRepo: 'up/r',
      ttlSecondsAfterFinished: 600,
      podOverrides: { activeDeadlineSeconds: 600, labels: { team: 'a' } },
      prompt: 'Continue on {{index .Deps "first" "Results" "branch"}}.',
    });
  });

  it('renders a single agent as agentConfigRef, as Kelos manifests do', () => {
    const { app, chart } = setup();
    new Task(chart, 't', { type: AgentType.GEMINI, credentials: Credentials.none(), agents: [new Agent(chart, 'a')], prompt: 'x' });
    const spec = rendered(app)['Task/t'].spec;
    expect(spec.agentConfigRef).toEqual({ name: 'a' });
    expect(spec.agentConfigRefs).toBeUndefined();
    expect(spec.credentials).toEqual({ type: 'none' });
  });

  it('renders generateName instead of name when asked', () => {
    const { app, chart } = setup();
    new Task(chart, 'manual-', { type: AgentType.CURSOR, credentials: creds, prompt: 'x', generateName: true });
    const t = rendered(app)['Task/manual-'];
    expect(t.metadata.generateName).toBe('manual-');
    expect(t.metadata.name).toBeUndefined();
  });

  it('fails when the prompt of a dependent Task is not a valid Go template', () => {
    const { chart } = setup();
    const first = new Task(chart, 'first', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x' });
    expect(() => new Task(chart, 'second', { type: AgentType.CLAUDE_CODE, credentials: creds, dependsOn: [first], prompt: 'Use {{.Deps' })).toThrow(
      /pipeline\/second: 'prompt' is not a valid Go template: /,
    );
  });

  it('leaves the prompt of an independent Task alone', () => {
    const { chart } = setup();
    expect(() => new Task(chart, 'lit', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'Write {{ as text' })).not.toThrow();
  });

  it('fails when a Task depends on itself or twice on one Task', () => {
    const { chart } = setup();
    const a = new Task(chart, 'a', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x' });
    expect(() => a.addDependency(a)).toThrow(`pipeline/a: 'dependsOn' must not contain the Task itself`);
    const b = new Task(chart, 'b', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', dependsOn: [a] });
    expect(() => b.addDependency(a)).toThrow(`pipeline/b: 'dependsOn' lists "a" twice`);
  });

  it('fails when the name is longer than a Job name may be', () => {
    const { chart } = setup();
    expect(() => new Task(chart, 'x'.repeat(64), { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x' })).toThrow(
      /'name' must be at most 63 characters/,
    );
  });

  it('fails when a pod override volume takes a reserved name', () => {
    const { chart } = setup();
    expect(
      () =>
        new Task(chart, 't', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', podOverrides: { volumes: [{ name: 'kelos-x', emptyDir: {} }] } }),
    ).toThrow(`pipeline/t: 'podOverrides.volumes' name must not be 'workspace' or start with 'kelos-', got "kelos-x"`);
  });

  it('fails when activeDeadlineSeconds is below 1', () => {
    const { chart } = setup();
    expect(() => new Task(chart, 't', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', podOverrides: { activeDeadlineSeconds: 0 } })).toThrow(
      `pipeline/t: 'podOverrides.activeDeadlineSeconds' must be an integer >= 1, got 0`,
    );
  });

  it('fails when upstreamRepo is not owner/repo', () => {
    const { chart } = setup();
    expect(() => new Task(chart, 't', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', upstreamRepo: 'https://github.com/a/b' })).toThrow(
      /'upstreamRepo' must be "owner\/repo"/,
    );
  });

  it('fails when an agent type is not one the API accepts', () => {
    expect(() => AgentType.of('copilot')).toThrow(`'type' must be one of "claude-code", "codex", "gemini", "opencode", "cursor", got "copilot"`);
    expect(AgentType.of('opencode').name).toBe('opencode');
    expect(Model.of('gpt-5-codex').name).toBe('gpt-5-codex');
  });

  it('fails at synth when the prompt reads a .Deps entry that is not in dependsOn, even one added later', () => {
    const { app, chart } = setup();
    const scaffold = new Task(chart, 'scaffold', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x' });
    const tests = new Task(chart, 'tests', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'y' });
    const review = new Task(chart, 'review', {
      type: AgentType.CLAUDE_CODE,
      credentials: creds,
      dependsOn: [scaffold],
      prompt: 'Review {{index .Deps "tests" "Results" "branch"}} and {{.Deps.scafold.Results.branch}}',
    });
    review.addDependency(tests);
    expect(() => app.render()).toThrow(
      `pipeline/review: 'prompt' reads .Deps "scafold", which is not in dependsOn (did you mean "scaffold"?); dependsOn has "scaffold", "tests"`,
    );
  });

  it('fails when dependsOn names a Task of another namespace', () => {
    const { app, chart } = setup();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const first = new Task(other, 'first', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x' });
    expect(() => new Task(chart, 'second', { type: AgentType.CLAUDE_CODE, credentials: creds, dependsOn: [first], prompt: 'y' })).toThrow(
      `pipeline/second: 'dependsOn' names Task "first" of namespace "other", but dependsOn is looked up in "team", the namespace of pipeline/second: it would wait forever; depend on a Task of the same namespace`,
    );
    // A Task imported into the dependant's chart is looked up in its namespace.
    expect(
      () => new Task(chart, 'third', { type: AgentType.CLAUDE_CODE, credentials: creds, dependsOn: [Task.fromName(chart, 'ext', 'first')], prompt: 'y' }),
    ).not.toThrow();
  });

  it('renders extra containers and extra init containers into podOverrides', () => {
    const { app, chart } = setup();
    const postgres = { name: 'postgres', image: 'postgres:16', env: [{ name: 'POSTGRES_PASSWORD', value: 'test' }], ports: [{ containerPort: 5432 }] };
    const seed = { name: 'seed', image: 'busybox:1.37', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }] };
    new Task(chart, 't', {
      type: AgentType.CLAUDE_CODE,
      credentials: creds,
      prompt: 'Run the integration tests',
      podOverrides: { extraContainers: [postgres], extraInitContainers: [seed, { name: 'proxy', image: 'proxy:1', restartPolicy: 'Always' }] },
    });
    expect(rendered(app)['Task/t'].spec.podOverrides).toEqual({
      extraContainers: [postgres],
      extraInitContainers: [seed, { name: 'proxy', image: 'proxy:1', restartPolicy: 'Always' }],
    });
  });

  it('fails when an extra container takes a reserved name, a name twice, or has no image', () => {
    const task = (podOverrides: any) => () => new Task(setup().chart, 't', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', podOverrides });
    expect(task({ extraContainers: [{ name: 'kelos-db', image: 'db' }] })).toThrow(
      `pipeline/t: 'podOverrides.extraContainers' name must not start with 'kelos-' or be a built-in init container name (git-clone, remote-setup, branch-setup, workspace-files, plugin-setup, skills-install), got "kelos-db"`,
    );
    expect(task({ extraInitContainers: [{ name: 'git-clone', image: 'git' }] })).toThrow(
      /'podOverrides.extraInitContainers' name must not start with 'kelos-' or be a built-in init container name/,
    );
    expect(task({ extraContainers: [{ name: 'db', image: 'db' }], extraInitContainers: [{ name: 'db', image: 'db' }] })).toThrow(
      `pipeline/t: 'podOverrides.extraInitContainers' has the name "db" twice (also in podOverrides.extraContainers): container names are unique in a pod`,
    );
    expect(task({ extraContainers: [{ name: 'Db', image: 'db' }] })).toThrow(/'podOverrides.extraContainers' name must be a DNS-1123 label .*, got "Db"/);
    expect(task({ extraContainers: [{ name: 'db' }] })).toThrow(`pipeline/t: 'podOverrides.extraContainers' container "db" needs an image`);
    expect(task({ extraContainers: Array.from({ length: 9 }, (_, i) => ({ name: `c${i}`, image: 'x' })) })).toThrow(
      `'podOverrides.extraContainers' must have at most 8 containers, got 9`,
    );
  });

  it('fails on a branch git refuses, or the base ref of its Workspace', () => {
    const { chart } = setup();
    expect(() => new Task(chart, 'a', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', branch: '-f main' })).toThrow(
      `pipeline/a: 'branch' must be a valid git branch name: branch "-f main" is not a valid git branch name: it starts with "-" (see git check-ref-format --branch)`,
    );
    const workspace = new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git', ref: 'main' });
    expect(() => new Task(chart, 'b', { type: AgentType.CLAUDE_CODE, credentials: creds, prompt: 'x', workspace, branch: 'main' })).toThrow(
      `pipeline/b: 'branch' must not be "main", the ref of Workspace "repo": a Task never works on its base ref`,
    );
  });
});
