import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../lib/api/agent-config.js';
import { formatOutputs } from '../../lib/api/outputs.js';
import type { Task, TaskSpec, TaskStatus } from '../../lib/api/task.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { branchLockKey, repoIdentity } from '../../lib/controller/branch-lock.js';
import { desired, OUTPUTS_RETRY_INTERVAL_MS, OUTPUTS_RETRY_WINDOW_MS, rejected, type TaskWorld } from '../../lib/controller/desired.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const at = (secondsBefore: number) => new Date(NOW.getTime() - secondsBefore * 1000).toISOString().replace('.000Z', 'Z');

let uid = 0;
function task(name: string, spec: Partial<TaskSpec> = {}, status?: TaskStatus, meta: Partial<Task['metadata']> = {}): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: at(100 - ++uid),
      finalizers: ['kelos.dev/finalizer'],
      ...meta,
    },
    spec: { type: 'claude-code', prompt: `do ${name}`, credentials: { type: 'none' }, ...spec },
    ...(status ? { status } : {}),
  };
}

const succeeded = (results: Record<string, string> = {}): TaskStatus => ({ phase: 'Succeeded', results, outputs: [] });

function world(tasks: Task[], rest: Partial<TaskWorld> = {}): TaskWorld {
  const jobs = new Set(tasks.filter((t) => t.status?.jobName).map((t) => t.metadata.name!));
  return {
    tasks: new Map(tasks.map((t) => [t.metadata.name!, t])),
    hasJob: (n) => jobs.has(n),
    branchPeers: (lock) => tasks.filter((t) => branchLockKey(t) === lock),
    pods: [],
    agentConfigs: new Map(),
    ...rest,
  };
}

function job(t: Task, status: V1Job['status'] = {}, ownerUid = t.metadata.uid!): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: t.metadata.name,
      namespace: 'ns',
      uid: `job-${t.metadata.name}`,
      ownerReferences: [{ apiVersion: 'kelos.dev/v1alpha1', kind: 'Task', name: t.metadata.name!, uid: ownerUid }],
    },
    status,
  };
}

function pod(j: V1Job, phase: string, extra: Partial<V1Pod['status']> = {}): V1Pod {
  return {
    metadata: {
      name: `${j.metadata!.name}-abcde`,
      namespace: 'ns',
      creationTimestamp: at(50) as never,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata!.name!, uid: j.metadata!.uid! }],
    },
    status: { phase, startTime: at(40) as never, ...extra },
  };
}

const complete = (secondsAgo: number) => ({
  conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at(secondsAgo) as never }],
  completionTime: at(secondsAgo) as never,
});

const cond = (s: TaskStatus | undefined) => s?.conditions?.find((c) => c.type === 'Succeeded');

describe('desired', () => {
  describe('a new Task', () => {
    it('adds the finalizer, creates its Job and becomes Pending', () => {
      const t = task('a', {}, undefined, { finalizers: [] });
      const d = desired(t, world([t]), NOW);
      expect(d.finalizer).toBe('add');
      expect(d.children.job?.metadata?.name).toBe('a');
      expect(d.children.job?.spec?.template.spec?.containers[0].args).toEqual(['do a']);
      expect(d.status).toEqual({
        phase: 'Pending',
        jobName: 'a',
        message: 'Created Job "a"',
        conditions: [
          {
            type: 'Succeeded',
            status: 'Unknown',
            reason: 'JobCreated',
            message: 'Created Job "a"',
            lastTransitionTime: '2026-03-01T12:00:00Z',
            observedGeneration: 1,
          },
        ],
        observedGeneration: 1,
      });
      // The status says it; an Event would be one more write per Task.
      expect(d.events).toEqual([]);
    });

    it('fails with InvalidSpec when the spec cannot become a Job', () => {
      const t = task('a', { podOverrides: { volumes: [{ name: 'kelos-x', emptyDir: {} }] } });
      const d = desired(t, world([t]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status?.phase).toBe('Failed');
      expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(d.status?.message).toContain('reserved volume name');
      expect(d.events[0]).toMatchObject({ type: 'Warning', reason: 'InvalidSpec' });
    });

    it('refuses to build a privileged pod whatever the apiserver let through', () => {
      const t = task('a', { podOverrides: { containerSecurityContext: { privileged: true } } });
      const d = desired(t, world([t]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(d.status?.message).toBe('podOverrides.containerSecurityContext: privileged must not be true: agent pods never run privileged');
    });

    it("asks for the namespace's policy when podOverrides names a ServiceAccount, and follows it", () => {
      const t = task('a', { podOverrides: { serviceAccountName: 'bedrock-agent' } });
      expect(desired(t, world([t]), NOW)).toMatchObject({ needs: { agentPodPolicy: true } });
      const refused = desired(t, world([t], { agentPodPolicy: { serviceAccounts: ['other'], secrets: [] } }), NOW);
      expect(refused.status?.message).toBe(
        'podOverrides.serviceAccountName: ServiceAccount "bedrock-agent" is not allowed for agent pods in namespace ns: an operator allows it with the namespace annotation kelos.dev/agent-service-accounts',
      );
      const allowed = desired(t, world([t], { agentPodPolicy: { serviceAccounts: ['bedrock-agent'], secrets: [] } }), NOW);
      expect(allowed.children.job?.spec?.template.spec?.serviceAccountName).toBe('bedrock-agent');
    });

    it('fails as desired would when the apiserver rejects a child', () => {
      const t = task('a');
      const pending = desired(t, world([t]), NOW);
      const r = rejected({ ...t, status: pending.status }, 'InvalidSpec', 'The Job was rejected: too long', NOW);
      expect(r.status).toEqual({
        phase: 'Failed',
        completionTime: '2026-03-01T12:00:00Z',
        message: 'The Job was rejected: too long',
        conditions: [
          {
            type: 'Succeeded',
            status: 'False',
            reason: 'InvalidSpec',
            message: 'The Job was rejected: too long',
            lastTransitionTime: '2026-03-01T12:00:00Z',
            observedGeneration: 1,
          },
        ],
        observedGeneration: 1,
      });
      expect(r.events).toEqual([{ type: 'Warning', reason: 'InvalidSpec', message: 'The Job was rejected: too long' }]);
    });
  });

  describe('dependencies', () => {
    it.each([
      {
        name: 'a cycle fails',
        tasks: () => [task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['c'] }), task('c', { dependsOn: ['a'] })],
        phase: 'Failed',
        reason: 'CircularDependency',
        message: 'Circular dependency detected: a -> b -> c -> a',
      },
      {
        name: 'a self-dependency fails',
        tasks: () => [task('a', { dependsOn: ['a'] })],
        phase: 'Failed',
        reason: 'CircularDependency',
        message: 'Circular dependency detected: a -> a',
      },
      {
        name: 'a failed dependency fails',
        tasks: () => [task('a', { dependsOn: ['ok', 'bad'] }), task('ok', {}, succeeded()), task('bad', {}, { phase: 'Failed' })],
        phase: 'Failed',
        reason: 'DependencyFailed',
        message: 'Dependency "bad" failed',
      },
      {
        name: 'a missing dependency waits',
        tasks: () => [task('a', { dependsOn: ['later'] })],
        phase: 'Waiting',
        reason: 'WaitingForDependencies',
        message: 'Waiting for dependency "later" to be created',
      },
      {
        name: 'an unfinished dependency waits',
        tasks: () => [task('a', { dependsOn: ['b'] }), task('b', {}, { phase: 'Running', jobName: 'b' })],
        phase: 'Waiting',
        reason: 'WaitingForDependencies',
        message: 'Waiting for dependency "b" (Running)',
      },
    ])('$name', ({ tasks, phase, reason, message }) => {
      const all = tasks();
      const d = desired(all[0], world(all), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status?.phase).toBe(phase);
      expect(d.status?.message).toBe(message);
      expect(cond(d.status)).toMatchObject({ reason, message, status: phase === 'Failed' ? 'False' : 'Unknown' });
      if (phase === 'Failed') expect(d.status?.completionTime).toBe('2026-03-01T12:00:00Z');
    });

    it('renders the prompt from the results and outputs of dependencies', () => {
      const dep = task('scaffold', {}, { phase: 'Succeeded', results: { branch: 'feature/auth' }, outputs: ['branch: feature/auth'] });
      const t = task('tests', {
        dependsOn: ['scaffold'],
        prompt: 'Test {{index .Deps "scaffold" "Results" "branch"}} ({{range .Deps.scaffold.Outputs}}{{.}}{{end}}) as {{.Name}}',
      });
      const d = desired(t, world([t, dep]), NOW);
      expect(d.children.job?.spec?.template.spec?.containers[0].args).toEqual(['Test feature/auth (branch: feature/auth) as tests']);
      expect(cond(d.status)?.reason).toBe('JobCreated');
    });

    it('fails with PromptRenderFailed, and creates no Job, when the prompt cannot be rendered', () => {
      const dep = task('scaffold', {}, succeeded());
      const prompt = 'Use {{.Deps.scaffold.Results.branch}}';
      const t = task('tests', { dependsOn: ['scaffold'], prompt });
      const d = desired(t, world([t, dep]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status?.phase).toBe('Failed');
      expect(d.status?.message).toMatch(/^The prompt could not be rendered: .*map has no entry for key "branch"/);
      expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'PromptRenderFailed' });
      expect(d.events[0]).toMatchObject({ type: 'Warning', reason: 'PromptRenderFailed' });
    });

    it('fails a render over budget with the budget in the message, capped in length', () => {
      const dep = task('scaffold', {}, succeeded());
      const t = task('bomb', { dependsOn: ['scaffold'], prompt: `${'x'.repeat(3000)}{{range 20000}}{{range 20000}}{{end}}{{end}}` });
      const d = desired(t, world([t, dep]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(cond(d.status)?.reason).toBe('PromptRenderFailed');
      expect(d.status?.message).toMatch(/render budget exceeded: more than 1000000 steps \(maxSteps\)/);
      expect(d.status!.message!.length).toBeLessThanOrEqual(1100);
    });

    describe('of a spawned Task', () => {
      const spawned = { labels: { 'kelos.dev/taskspawner': 'workers' } };
      const dep = task('setup', {}, succeeded({ secret: 's3cr3t', branch: 'feature/x' }));

      it('renders the spawner template once with the item values and .Deps; template text in values stays text', () => {
        const values = JSON.stringify({
          Title: 'Add login',
          Body: '{{index .Deps "setup" "Results" "secret"}}{{range 20000}}{{range 20000}}{{end}}{{end}}',
          Number: 7,
        });
        const t = task(
          'workers-7',
          { dependsOn: ['setup'], prompt: '#{{.Number}} {{.Title}} on {{index .Deps "setup" "Results" "branch"}}\n{{.Body}}' },
          undefined,
          {
            ...spawned,
            annotations: { 'kelos.dev/prompt-values': values },
          },
        );
        const d = desired(t, world([t, dep]), NOW);
        expect(d.children.job?.spec?.template.spec?.containers[0].args).toEqual([
          '#7 Add login on feature/x\n{{index .Deps "setup" "Results" "secret"}}{{range 20000}}{{range 20000}}{{end}}{{end}}',
        ]);
      });

      it('uses the prompt of an older spawner (no values annotation) as written, never as a template', () => {
        const t = task('workers-8', { dependsOn: ['setup'], prompt: 'Body: {{index .Deps "setup" "Results" "secret"}}' }, undefined, spawned);
        expect(desired(t, world([t, dep]), NOW).children.job?.spec?.template.spec?.containers[0].args).toEqual([
          'Body: {{index .Deps "setup" "Results" "secret"}}',
        ]);
      });

      it('fails when the values annotation is not values (a forged .Deps)', () => {
        const t = task('workers-9', { dependsOn: ['setup'], prompt: '{{.Title}}' }, undefined, {
          ...spawned,
          annotations: { 'kelos.dev/prompt-values': JSON.stringify({ Title: 't', Deps: 'x' }) },
        });
        const d = desired(t, world([t, dep]), NOW);
        expect(d.children.job).toBeUndefined();
        expect(cond(d.status)?.reason).toBe('PromptRenderFailed');
        expect(d.status?.message).toContain('annotation kelos.dev/prompt-values: "Deps" is bound when the template is rendered and cannot be a value');
      });
    });

    it('does not render prompts of Tasks without dependsOn', () => {
      const t = task('a', { prompt: 'literal {{.Deps}}' });
      expect(desired(t, world([t]), NOW).children.job?.spec?.template.spec?.containers[0].args).toEqual(['literal {{.Deps}}']);
    });
  });

  describe('branches', () => {
    it.each(['-f main', 'a..b', 'x\nmain', 'x.lock', 'HEAD', '@{-1}', 'a b', '/x'])('fails %j with InvalidBranch before anything else', (branch) => {
      const t = task('a', { branch, dependsOn: ['missing'], workspaceRef: { name: 'ws' } });
      const d = desired(t, world([t]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status?.phase).toBe('Failed');
      expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'InvalidBranch' });
      expect(d.status?.message).toMatch(/^branch ".*" is not a valid git branch name: .* \(see git check-ref-format --branch\)$/);
    });

    it('fails a Task on the base ref of its Workspace', () => {
      const ws: Workspace = {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Workspace',
        metadata: { name: 'ws' },
        spec: { repo: 'https://github.com/a/b.git', ref: 'main' },
      };
      for (const branch of ['main', 'refs/heads/main']) {
        const t = task('a', { branch, workspaceRef: { name: 'ws' } });
        const d = desired(t, world([t], { workspace: ws }), NOW);
        expect(d.children.job).toBeUndefined();
        expect(cond(d.status)).toMatchObject({
          reason: 'InvalidBranch',
          message: `branch "${branch}" is the base ref of Workspace "ws"; a Task never works on it`,
        });
      }
      const ok = task('b', { branch: 'feature', workspaceRef: { name: 'ws' } });
      expect(desired(ok, world([ok], { workspace: ws }), NOW).children.job).toBeDefined();
    });
  });

  describe('references', () => {
    it('waits for the Workspace and the AgentConfigs', () => {
      const t = task('a', { workspaceRef: { name: 'ws' }, agentConfigRefs: [{ name: 'one' }, { name: 'two' }] });
      expect(desired(t, world([t]), NOW).status?.message).toBe('Waiting for Workspace "ws" to be created');
      const ws: Workspace = { apiVersion: 'kelos.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'ws' }, spec: { repo: 'https://github.com/a/b.git' } };
      const one: AgentConfig = { apiVersion: 'kelos.dev/v1alpha1', kind: 'AgentConfig', metadata: { name: 'one' }, spec: { agentsMD: '1' } };
      const d = desired(t, world([t], { workspace: ws, agentConfigs: new Map([['one', one]]) }), NOW);
      expect(d.status).toMatchObject({ phase: 'Waiting', message: 'Waiting for AgentConfig "two" to be created' });
      expect(cond(d.status)?.reason).toBe('WaitingForAgentConfig');
    });

    it('asks for MCP Secrets, waits while one is missing, then puts the config into a Secret', () => {
      const ac: AgentConfig = {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'AgentConfig',
        metadata: { name: 'ac' },
        spec: { mcpServers: [{ name: 'api', type: 'http', url: 'https://mcp', headersFrom: { secretRef: { name: 'mcp' } } }] },
      };
      const t = task('a', { agentConfigRef: { name: 'ac' } });
      const base = { agentConfigs: new Map([['ac', ac]]) };
      expect(desired(t, world([t], base), NOW).needs).toEqual({ secrets: ['mcp'] });
      const missing = desired(t, world([t], { ...base, secrets: new Map() }), NOW);
      expect(missing.status).toMatchObject({ phase: 'Waiting', message: 'Waiting for Secret "mcp" of an MCP server to be created' });
      expect(missing.requeueAfter).toBeGreaterThan(0);
      const d = desired(t, world([t], { ...base, secrets: new Map([['mcp', { Authorization: 'Bearer s3cr3t' }]]) }), NOW);
      expect(d.children.secret?.metadata?.name).toBe('a-mcp');
      expect(JSON.stringify(d.children.job)).not.toContain('s3cr3t');
    });

    it('puts the values of the Secrets it read only into the MCP Secret, base64-encoded', () => {
      const value = 'sk-very-secret-123';
      const ac: AgentConfig = {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'AgentConfig',
        metadata: { name: 'ac' },
        spec: {
          mcpServers: [
            { name: 'api', type: 'http', url: 'https://mcp', headersFrom: { secretRef: { name: 'mcp' } } },
            { name: 'local', type: 'stdio', command: 'mcp-local', envFrom: { secretRef: { name: 'mcp' } } },
          ],
        },
      };
      const ws: Workspace = {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'Workspace',
        metadata: { name: 'ws' },
        spec: { repo: 'https://github.com/a/b.git', secretRef: { name: 'gh' } },
      };
      const t = task('a', { workspaceRef: { name: 'ws' }, agentConfigRef: { name: 'ac' } });
      const secrets = new Map<string, Record<string, string>>([
        ['mcp', { Authorization: `Bearer ${value}` }],
        ['gh', { GITHUB_TOKEN: `ghp_${value}` }],
      ]);
      const d = desired(t, world([t], { workspace: ws, agentConfigs: new Map([['ac', ac]]), secrets }), NOW);
      expect(d.needs).toBeUndefined();
      // The value did reach the decision: it is in the MCP Secret, encoded.
      expect(Buffer.from(d.children.secret!.data!.KELOS_MCP_SERVERS, 'base64').toString()).toContain(value);
      expect(JSON.stringify(d.children.secret)).not.toContain(value);
      expect(JSON.stringify(d.children.job)).not.toContain(value);
      expect(JSON.stringify(d.status)).not.toContain(value);
      expect(JSON.stringify(d.events)).not.toContain(value);
      expect(d.children.job!.spec!.template.spec!.containers[0].env).toContainEqual({
        name: 'GITHUB_TOKEN',
        valueFrom: { secretKeyRef: { name: 'gh', key: 'GITHUB_TOKEN' } },
      });
    });
  });

  describe('branch lock', () => {
    const on = (branch: string, ws = 'ws') => ({ branch, workspaceRef: { name: ws } });
    const wsObj: Workspace = { apiVersion: 'kelos.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'ws' }, spec: { repo: 'https://github.com/a/b.git' } };
    const decide = (t: Task, all: Task[], jobs: string[] = []) =>
      desired(t, { ...world(all), workspace: wsObj, hasJob: (n) => jobs.includes(n) || !!all.find((x) => x.metadata.name === n)?.status?.jobName }, NOW);

    it('waits while another Task on the branch has a Job', () => {
      const first = task('first', on('b'), { phase: 'Running', jobName: 'first' });
      const second = task('second', on('b'));
      const d = decide(second, [first, second]);
      expect(d.children.job).toBeUndefined();
      expect(d.status).toMatchObject({ phase: 'Waiting', message: 'Waiting for branch "b" (locked by first)' });
      expect(cond(d.status)?.reason).toBe('WaitingForBranch');
    });

    it('counts a Job seen in the cluster even before the holder wrote its status (a restart)', () => {
      const first = task('first', on('b'));
      const second = task('second', on('b'));
      expect(decide(second, [first, second], ['first']).status?.message).toBe('Waiting for branch "b" (locked by first)');
    });

    it('serves Tasks in creation order, then by name', () => {
      const first = task('first', on('b'));
      const second = task('second', on('b'));
      expect(decide(second, [first, second]).status?.message).toBe('Waiting for branch "b" (queued behind first)');
      expect(decide(first, [first, second]).children.job).toBeDefined();
      const ts = at(10);
      const z = task('z', on('b'), undefined, { creationTimestamp: ts });
      const y = task('y', on('b'), undefined, { creationTimestamp: ts });
      expect(decide(z, [z, y]).status?.message).toBe('Waiting for branch "b" (queued behind y)');
      expect(decide(y, [z, y]).children.job).toBeDefined();
    });

    it('is free once the holder is finished or being deleted', () => {
      const done = task('done', on('b'), { phase: 'Succeeded', jobName: 'done' });
      const going = task('going', on('b'), { phase: 'Running', jobName: 'going' }, { deletionTimestamp: at(1) });
      const next = task('next', on('b'));
      expect(decide(next, [done, going, next]).children.job).toBeDefined();
    });

    it('is per repository and branch', () => {
      const other = task('other', on('b', 'other-ws'), { phase: 'Running', jobName: 'other' });
      const otherBranch = task('other-branch', on('c'), { phase: 'Running', jobName: 'other-branch' });
      const t = task('t', on('b'));
      expect(decide(t, [other, otherBranch, t]).children.job).toBeDefined();
      // A second Workspace of the same repository, spelled differently, shares the lock.
      const repos: Record<string, string> = { ws: 'https://github.com/a/b.git', 'other-ws': 'https://GitHub.com/A/B', third: 'https://github.com/a/c.git' };
      const repoOf = (w: string) => (repos[w] ? repoIdentity(repos[w]) : undefined);
      const withRepos = (x: Task, all: Task[]) =>
        desired(x, { ...world(all), workspace: wsObj, repoOf, hasJob: (n) => !!all.find((y) => y.metadata.name === n)?.status?.jobName }, NOW);
      expect(withRepos(t, [other, otherBranch, t]).status?.message).toBe('Waiting for branch "b" (locked by other)');
      const elsewhere = task('elsewhere', on('b', 'third'), { phase: 'Running', jobName: 'elsewhere' });
      expect(withRepos(t, [elsewhere, t]).children.job).toBeDefined();
    });

    it('is not held by an earlier Task that still waits for its dependencies', () => {
      const dependant = task('dependant', { ...on('b'), dependsOn: ['dep'] });
      const dep = task('dep', on('b'));
      expect(decide(dep, [dependant, dep]).children.job).toBeDefined();
    });
  });

  describe('with a Job', () => {
    it('is Pending until the Pod runs, then Running with a start time', () => {
      const t = task('a', {}, { phase: 'Pending', jobName: 'a' });
      const j = job(t, { active: 1 });
      expect(desired(t, world([t], { job: j }), NOW).status).toMatchObject({ phase: 'Pending', jobName: 'a', message: 'Created Job "a"' });
      const waiting = pod(j, 'Pending', {
        containerStatuses: [
          { name: 'kelos-agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } },
        ],
      });
      expect(desired(t, world([t], { job: j, pods: [waiting] }), NOW).status?.message).toBe('Pod "a-abcde" cannot start: kelos-agent: ErrImagePull: not found');
      const d = desired(t, world([t], { job: j, pods: [pod(j, 'Running')] }), NOW);
      expect(d.status).toMatchObject({ phase: 'Running', podName: 'a-abcde', startTime: at(40), message: 'Running in Pod "a-abcde"' });
      expect(d.events).toEqual([]);
    });

    describe('that cannot start its Pod', () => {
      const forbidden: CoreV1Event = {
        metadata: { name: 'a.1', namespace: 'ns' },
        involvedObject: { kind: 'Job', name: 'a', namespace: 'ns', uid: 'job-a' },
        reason: 'FailedCreate',
        message: 'Error creating: pods "a-x" is forbidden: violates PodSecurity "restricted:latest": restricted volume types',
        lastTimestamp: at(5) as never,
      };
      const older: CoreV1Event = {
        ...forbidden,
        metadata: { name: 'a.0', namespace: 'ns' },
        message: 'Error creating: exceeded quota',
        lastTimestamp: at(20) as never,
      };
      const created = (secondsAgo: number, t: Task) => {
        const j = job(t, { active: 0 });
        j.metadata!.creationTimestamp = at(secondsAgo) as never;
        return j;
      };

      it('says why at once: the newest FailedCreate of the Job', () => {
        const t = task('a', {}, { phase: 'Pending', jobName: 'a' });
        const d = desired(t, world([t], { job: created(30, t), jobEvents: [older, forbidden] }), NOW);
        expect(d.status).toMatchObject({
          phase: 'Pending',
          message: 'Job "a" cannot create its Pod: Error creating: pods "a-x" is forbidden: violates PodSecurity "restricted:latest": restricted volume types',
        });
        expect(cond(d.status)).toMatchObject({ status: 'Unknown', reason: 'JobNotStarting' });
        expect(d.requeueAfter).toBe(10 * 60_000 - 30_000);
        expect(d.deleteJob).toBeUndefined();
      });

      it('says why a scheduled Pod does not start, or why it is not scheduled', () => {
        const t = task('a', {}, { phase: 'Pending', jobName: 'a' });
        const j = created(30, t);
        const unschedulable = pod(j, 'Pending', {
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }],
        });
        expect(desired(t, world([t], { job: j, pods: [unschedulable] }), NOW).status?.message).toBe(
          'Pod "a-abcde" cannot start: Unschedulable: 0/1 nodes are available',
        );
      });

      it('fails after the job start timeout and deletes the Job', () => {
        const t = task('a', {}, { phase: 'Pending', jobName: 'a' });
        const d = desired(t, world([t], { job: created(61, t), jobEvents: [forbidden], jobStartTimeoutMs: 60_000 }), NOW);
        expect(d.status).toMatchObject({ phase: 'Failed', completionTime: at(0) });
        expect(d.status?.message).toMatch(/^The Job's Pod did not start within 60s: Job "a" cannot create its Pod: Error creating: pods "a-x" is forbidden/);
        expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'JobStartTimeout' });
        expect(d.events).toEqual([{ type: 'Warning', reason: 'JobStartTimeout', message: d.status!.message }]);
        // Once the failure is recorded (not before: a lagging cache must not read the deletion as "Job deleted").
        expect(d.deleteJob).toBeUndefined();
        const failed = { ...t, status: d.status! };
        const after = desired(failed, world([failed], { job: created(62, t) }), NOW);
        expect(after).toMatchObject({ deleteJob: true, status: d.status });
      });

      it('is not failed while nothing says the Pod cannot start', () => {
        const t = task('a', {}, { phase: 'Pending', jobName: 'a' });
        const d = desired(t, world([t], { job: created(3600, t), jobStartTimeoutMs: 60_000 }), NOW);
        expect(d.status?.phase).toBe('Pending');
        expect(d.deleteJob).toBeUndefined();
      });
    });

    it('stays Running between the Pod ending and the Job being marked finished', () => {
      const running = { type: 'Succeeded', status: 'Unknown' as const, reason: 'JobRunning', message: 'm', lastTransitionTime: at(40) };
      const t = task('a', {}, { phase: 'Running', jobName: 'a', startTime: at(40), conditions: [running] });
      const j = job(t, { active: 0 });
      const d = desired(t, world([t], { job: j, pods: [pod(j, 'Succeeded')] }), NOW);
      expect(d.status?.phase).toBe('Running');
      expect(d.events).toEqual([]);
    });

    it('asks for the agent log when the Job completes and reads the outputs into results', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a', startTime: at(40) });
      const j = job(t, complete(5));
      const p = pod(j, 'Succeeded');
      expect(desired(t, world([t], { job: j, pods: [p] }), NOW).needs).toEqual({ log: { pod: 'a-abcde', container: 'kelos-agent' } });
      const log =
        'working...\n' +
        formatOutputs([['branch', 'old']]) +
        'more\n' +
        formatOutputs([
          ['branch', 'kelos-task-1'],
          ['commit', 'abc123'],
          ['pr', 'https://github.com/a/b/pull/1'],
          ['cost-usd', '0.42'],
          ['input-tokens', '1000'],
          ['output-tokens', '200'],
        ]);
      const d = desired(t, world([t], { job: j, pods: [p], log: { text: log } }), NOW);
      expect(d.status).toMatchObject({
        phase: 'Succeeded',
        podName: 'a-abcde',
        startTime: at(40),
        completionTime: at(5),
        message: 'Task completed successfully',
        outputs: ['branch: kelos-task-1', 'commit: abc123', 'pr: https://github.com/a/b/pull/1', 'cost-usd: 0.42', 'input-tokens: 1000', 'output-tokens: 200'],
        results: {
          branch: 'kelos-task-1',
          commit: 'abc123',
          pr: 'https://github.com/a/b/pull/1',
          'cost-usd': '0.42',
          'input-tokens': '1000',
          'output-tokens': '200',
        },
      });
      expect(cond(d.status)).toMatchObject({ status: 'True', reason: 'JobSucceeded' });
      expect(d.events).toEqual([{ type: 'Normal', reason: 'JobSucceeded', message: 'Task completed successfully' }]);
    });

    it('retries reading the outputs for a while before finishing without them', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const early = job(t, complete(1));
      const d = desired(t, world([t], { job: early, pods: [pod(early, 'Succeeded')], log: { error: 'container not found' } }), NOW);
      expect(d.status?.phase).toBe('Running');
      expect(d.requeueAfter).toBe(OUTPUTS_RETRY_INTERVAL_MS);
      const late = job(t, complete(OUTPUTS_RETRY_WINDOW_MS / 1000 + 1));
      const after = desired(t, world([t], { job: late, pods: [pod(late, 'Succeeded')], log: { error: 'container not found' } }), NOW);
      expect(after.status).toMatchObject({ phase: 'Succeeded', message: 'Task completed successfully; the agent log held no outputs' });
      expect(after.status?.results).toBeUndefined();
    });

    it('finishes at once when the log was read and holds no outputs block', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const j = job(t, complete(1));
      const d = desired(t, world([t], { job: j, pods: [pod(j, 'Succeeded')], log: { text: 'no block here\n' } }), NOW);
      expect(d.status).toMatchObject({ phase: 'Succeeded', message: 'Task completed successfully; the agent log held no outputs' });
      expect(d.requeueAfter).toBeUndefined();
    });

    it('fails with the reason of the Job, keeping any outputs', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const j = job(t, {
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: at(3) as never,
          },
        ],
      });
      const d = desired(t, world([t], { job: j, pods: [pod(j, 'Failed')], log: { text: formatOutputs([['cost-usd', '0.1']]) } }), NOW);
      expect(d.status).toMatchObject({
        phase: 'Failed',
        completionTime: at(3),
        message: 'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
        results: { 'cost-usd': '0.1' },
      });
      expect(cond(d.status)).toMatchObject({ status: 'False', reason: 'JobFailed' });
      expect(d.events[0].type).toBe('Warning');
    });

    it("fails with the agent container's termination message after the Job's reason, on one line", () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const j = job(t, {
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: at(3) as never,
          },
        ],
      });
      const said = 'the model API was overloaded (HTTP 529 overloaded_error)\n\u001b[2Jagain';
      const failedPod = pod(j, 'Failed', {
        containerStatuses: [{ name: 'kelos-agent', state: { terminated: { exitCode: 1, reason: 'Error', message: said } } } as never],
      });
      const d = desired(t, world([t], { job: j, pods: [failedPod], log: { text: '' } }), NOW);
      expect(d.status?.message).toBe(
        'Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit; the agent container said: the model API was overloaded (HTTP 529 overloaded_error) [2Jagain',
      );
    });

    it('waits for a Job of an earlier Task with the same name to go away', () => {
      const t = task('a');
      const d = desired(t, world([t], { job: job(t, {}, 'an-older-uid') }), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status).toMatchObject({ phase: 'Waiting', message: 'Waiting for Job "a" of a previous Task with this name to be deleted' });
    });

    it('fails when its Job was deleted before it finished, never creating a second one', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const d = desired(t, world([t]), NOW);
      expect(d.children.job).toBeUndefined();
      expect(d.status).toMatchObject({ phase: 'Failed', message: 'Job "a" was deleted before the Task finished' });
    });

    it('keeps the transition time and emits nothing when nothing changed', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' });
      const j = job(t, { active: 1 });
      const first = desired(t, world([t], { job: j, pods: [pod(j, 'Running')] }), NOW);
      const again = desired({ ...t, status: first.status }, world([t], { job: j, pods: [pod(j, 'Running')] }), new Date(NOW.getTime() + 60_000));
      expect(again.status).toEqual(first.status);
      expect(again.events).toEqual([]);
    });
  });

  describe('a finished Task', () => {
    const finished = (ttl?: number) =>
      task('a', ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }, { phase: 'Succeeded', jobName: 'a', completionTime: at(60), results: { pr: '1' } });

    it('keeps its status even when its Job is gone', () => {
      const t = finished();
      const d = desired(t, world([t]), NOW);
      expect(d.status).toBe(t.status);
      expect(d.children).toEqual({});
      expect(d.requeueAfter).toBeUndefined();
      expect(d.deleteTask).toBeUndefined();
    });

    it('is deleted once its TTL has passed, and looked at again when it will', () => {
      expect(desired(finished(60), world([finished(60)]), NOW).deleteTask).toBe(true);
      const d = desired(finished(100), world([finished(100)]), NOW);
      expect(d.deleteTask).toBeUndefined();
      expect(d.requeueAfter).toBe(40_000);
    });

    it('with a TTL of 0 is deleted in the reconcile that finishes it', () => {
      const t = task('a', { ttlSecondsAfterFinished: 0 }, { phase: 'Running', jobName: 'a' });
      const j = job(t, { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: at(1) as never }] });
      const d = desired(t, world([t], { job: j }), NOW);
      expect(d.status?.phase).toBe('Failed');
      expect(d.deleteTask).toBe(true);
    });
  });

  describe('a finished Task declared in git', () => {
    const declared = (meta: Partial<Task['metadata']>, ttl = 60) =>
      task('a', { ttlSecondsAfterFinished: ttl }, { phase: 'Succeeded', jobName: 'a', completionTime: at(60), results: { pr: '1' } }, meta);
    const ways: Array<[string, Partial<Task['metadata']>]> = [
      ['rendered by kelos synth', { annotations: { 'kelos.dev/declared': 'true' } }],
      ["tracked by ArgoCD's annotation", { annotations: { 'argocd.argoproj.io/tracking-id': 'team:kelos.dev/Task:team/a' } }],
      ["tracked by ArgoCD's label", { labels: { 'app.kubernetes.io/instance': 'team' } }],
    ];
    for (const [how, meta] of ways) {
      it(`${how}: keeps the Task and its status, and deletes its Job, once its TTL has passed`, () => {
        const t = declared(meta);
        const d = desired(t, world([t], { job: job(t) }), NOW);
        expect(d.deleteTask).toBeUndefined();
        expect(d.deleteJob).toBe(true);
        expect(d.status).toBe(t.status);
        expect(d.children).toEqual({});
      });
    }

    it('does nothing once its Job is gone, and nothing to a Job it does not own', () => {
      const t = declared({ annotations: { 'kelos.dev/declared': 'true' } });
      expect(desired(t, world([t]), NOW)).toEqual({ children: {}, events: [], status: t.status });
      expect(desired(t, world([t], { job: job(t, {}, 'another-uid') }), NOW).deleteJob).toBeUndefined();
    });

    it('waits for its TTL like any Task', () => {
      const t = declared({ annotations: { 'kelos.dev/declared': 'true' } }, 100);
      const d = desired(t, world([t], { job: job(t) }), NOW);
      expect(d.deleteJob).toBeUndefined();
      expect(d.requeueAfter).toBe(40_000);
    });

    it('with a TTL of 0 deletes its Job in the reconcile that finishes it', () => {
      const t = task('a', { ttlSecondsAfterFinished: 0 }, { phase: 'Running', jobName: 'a' }, { annotations: { 'kelos.dev/declared': 'true' } });
      const j = job(t, { conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: at(1) as never }] });
      const d = desired(t, world([t], { job: j }), NOW);
      expect(d.status?.phase).toBe('Failed');
      expect(d.deleteTask).toBeUndefined();
      expect(d.deleteJob).toBe(true);
    });
  });

  describe('a Task being deleted', () => {
    it('deletes its Job and removes the finalizer', () => {
      const t = task('a', {}, { phase: 'Running', jobName: 'a' }, { deletionTimestamp: at(1) });
      const d = desired(t, world([t], { job: job(t) }), NOW);
      expect(d).toEqual({ children: {}, events: [], finalizer: 'remove', deleteJob: true });
    });

    it('does nothing without the finalizer', () => {
      const t = task('a', {}, undefined, { deletionTimestamp: at(1), finalizers: [] });
      expect(desired(t, world([t]), NOW)).toEqual({ children: {}, events: [] });
    });
  });
});
