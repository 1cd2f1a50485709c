import type { V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AgentConfigSpec } from '../../lib/api/agent-config.js';
import { AGENT_TYPES, type AgentTypeName } from '../../lib/api/constants.js';
import type { Task, TaskSpec } from '../../lib/api/task.js';
import type { WorkspaceSpec } from '../../lib/api/workspace.js';
import { DEFAULT_AGENT_IMAGES, DEFAULT_KELOS_IMAGE } from '../../lib/render/images.js';
import { DEFAULT_GIT_IMAGE, mcpSecret, mcpServersJson, mergeAgentConfigs, pluginConfigMap, TaskSpecError, taskJob } from '../../lib/render/job.js';

function task(spec: Partial<TaskSpec> = {}, labels?: Record<string, string>): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 'fix-bug', namespace: 'team-a', uid: 'uid-1', ...(labels ? { labels } : {}) },
    spec: {
      type: 'claude-code',
      prompt: 'Fix the bug',
      credentials: { type: 'api-key', secretRef: { name: 'agent-creds' } },
      ...spec,
    } as TaskSpec,
  };
}

const agent = (job: V1Job): V1Container => job.spec!.template.spec!.containers[0];
const init = (job: V1Job, name: string) => job.spec!.template.spec!.initContainers?.find((c) => c.name === name);
const initNames = (job: V1Job) => (job.spec!.template.spec!.initContainers ?? []).map((c) => c.name);
const envOf = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const secretRef = (name: string, key: string) => ({ secretKeyRef: { name, key } });

const workspace: WorkspaceSpec = { repo: 'https://github.com/acme/app.git', ref: 'main', secretRef: { name: 'github-token' } };

describe('taskJob', () => {
  it('renders the whole Job of a Task without a workspace', () => {
    expect(taskJob({ task: task() })).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'fix-bug',
        namespace: 'team-a',
        labels: {
          'kelos.dev/name': 'kelos',
          'kelos.dev/component': 'task',
          'kelos.dev/managed-by': 'kelos-controller',
          'kelos.dev/task': 'fix-bug',
        },
        ownerReferences: [{ apiVersion: 'kelos.dev/v1alpha1', kind: 'Task', name: 'fix-bug', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        backoffLimit: 1,
        template: {
          metadata: {
            labels: {
              'kelos.dev/name': 'kelos',
              'kelos.dev/component': 'task',
              'kelos.dev/managed-by': 'kelos-controller',
              'kelos.dev/task': 'fix-bug',
            },
          },
          spec: {
            restartPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 61100, fsGroup: 61100, seccompProfile: { type: 'RuntimeDefault' } },
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'kelos-agent',
                image: DEFAULT_AGENT_IMAGES['claude-code'],
                command: ['/kelos_entrypoint.sh'],
                args: ['Fix the bug'],
                workingDir: '/workspace',
                env: [
                  { name: 'KELOS_AGENT_TYPE', value: 'claude-code' },
                  { name: 'ANTHROPIC_API_KEY', valueFrom: secretRef('agent-creds', 'ANTHROPIC_API_KEY') },
                ],
                volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
            volumes: [{ name: 'workspace', emptyDir: {} }],
          },
        },
      },
    });
  });

  describe('credentials per agent type', () => {
    // The documented variable each agent reads (docs/architecture.md §4), written out here so the rendered env is checked against it.
    const documented: Record<AgentTypeName, { 'api-key': string; oauth: string }> = {
      'claude-code': { 'api-key': 'ANTHROPIC_API_KEY', oauth: 'CLAUDE_CODE_OAUTH_TOKEN' },
      codex: { 'api-key': 'CODEX_API_KEY', oauth: 'CODEX_AUTH_JSON' },
      gemini: { 'api-key': 'GEMINI_API_KEY', oauth: 'GEMINI_API_KEY' },
      opencode: { 'api-key': 'OPENCODE_API_KEY', oauth: 'OPENCODE_API_KEY' },
      cursor: { 'api-key': 'CURSOR_API_KEY', oauth: 'CURSOR_API_KEY' },
    };
    const cases = AGENT_TYPES.flatMap((type) => (['api-key', 'oauth', 'none'] as const).map((cred) => ({ type, cred })));
    it.each(cases)('$type with $cred credentials', ({ type, cred }) => {
      const credentials = cred === 'none' ? { type: cred } : { type: cred, secretRef: { name: 'agent-creds' } };
      const job = taskJob({ task: task({ type, credentials }) });
      const c = agent(job);
      expect(c.image).toBe(DEFAULT_AGENT_IMAGES[type]);
      const expected: V1EnvVar[] = [{ name: 'KELOS_AGENT_TYPE', value: type }];
      if (cred !== 'none') {
        const variable = documented[type][cred];
        expected.push({ name: variable, valueFrom: secretRef('agent-creds', variable) });
      }
      expect(c.env).toEqual(expected);
    });
  });

  describe('images', () => {
    it.each(AGENT_TYPES)('a per-type override replaces the default image of %s', (type: AgentTypeName) => {
      const job = taskJob({ task: task({ type }), images: { agent: { [type]: `registry.local/${type}:dev` } } });
      expect(agent(job).image).toBe(`registry.local/${type}:dev`);
    });

    it('spec.image wins over every default and override', () => {
      const job = taskJob({ task: task({ image: 'custom/agent:1' }), images: { agent: { 'claude-code': 'x/y:z' } } });
      expect(agent(job).image).toBe('custom/agent:1');
    });
  });

  it('sets model, effort, branch, spawner and the rendered prompt', () => {
    const job = taskJob({
      task: task({ model: 'opus', effort: 'high', branch: 'feature/x' }, { 'kelos.dev/taskspawner': 'triage' }),
      prompt: 'rendered prompt',
    });
    expect(agent(job).args).toEqual(['rendered prompt']);
    expect(envOf(agent(job))).toMatchObject({
      KELOS_MODEL: 'opus',
      KELOS_EFFORT: 'high',
      KELOS_BRANCH: 'feature/x',
      KELOS_TASKSPAWNER: 'triage',
    });
  });

  describe('with a workspace', () => {
    it('clones with the token read by a credential helper from the mounted Secret', () => {
      const job = taskJob({ task: task({ branch: 'feature/x' }), workspace });
      expect(initNames(job)).toEqual(['git-clone', 'branch-setup']);
      const clone = init(job, 'git-clone')!;
      expect(clone.image).toBe(DEFAULT_GIT_IMAGE);
      expect(clone.command![0]).toBe('sh');
      const script = clone.command![2];
      expect(script).toContain('clone --depth 1 --no-single-branch --branch "$KELOS_REF" -- "$KELOS_REPO" /workspace/repo');
      expect(script).toContain('credential.https://github.com.helper');
      expect(script).toContain('cat /kelos/github/GITHUB_TOKEN');
      expect(script).not.toMatch(/password=\$GITHUB_TOKEN/);
      expect(envOf(clone)).toEqual({ HOME: '/tmp', KELOS_REPO: workspace.repo, KELOS_REF: 'main' });
      expect(clone.volumeMounts).toEqual([
        { name: 'workspace', mountPath: '/workspace' },
        { name: 'kelos-github-token', mountPath: '/kelos/github', readOnly: true },
      ]);
      expect(job.spec!.template.spec!.volumes).toContainEqual({
        name: 'kelos-github-token',
        secret: { secretName: 'github-token', items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }], defaultMode: 0o440 },
      });
      const c = agent(job);
      expect(c.workingDir).toBe('/workspace/repo');
      expect(c.env).toEqual([
        { name: 'KELOS_AGENT_TYPE', value: 'claude-code' },
        { name: 'KELOS_BRANCH', value: 'feature/x' },
        { name: 'ANTHROPIC_API_KEY', valueFrom: secretRef('agent-creds', 'ANTHROPIC_API_KEY') },
        { name: 'KELOS_BASE_BRANCH', value: 'main' },
        { name: 'GITHUB_TOKEN', valueFrom: secretRef('github-token', 'GITHUB_TOKEN') },
        { name: 'GH_TOKEN', valueFrom: secretRef('github-token', 'GITHUB_TOKEN') },
        { name: 'GH_CONFIG_DIR', value: '/workspace/.gh-config' },
      ]);
      expect(envOf(init(job, 'branch-setup')!)).toEqual({ HOME: '/tmp', KELOS_BRANCH: 'feature/x' });
    });

    it('fetches a detached commit when ref is a SHA', () => {
      const sha = 'a'.repeat(40);
      const job = taskJob({ task: task(), workspace: { repo: 'https://github.com/acme/app.git', ref: sha } });
      const script = init(job, 'git-clone')!.command![2];
      expect(script).toContain('fetch --depth 1 origin "$KELOS_REF"');
      expect(script).toContain('checkout -q --detach FETCH_HEAD');
      expect(script).not.toContain('credential');
    });

    it('adds remotes, the upstream repo and the setup command', () => {
      const job = taskJob({
        task: task(),
        workspace: {
          repo: 'https://github.com/me/app.git',
          remotes: [{ name: 'upstream', url: 'https://github.com/acme/app.git' }],
          setupCommand: ['make', 'deps'],
        },
      });
      expect(initNames(job)).toEqual(['git-clone', 'remote-setup']);
      expect(init(job, 'remote-setup')!.command![2]).toContain("git remote add 'upstream' 'https://github.com/acme/app.git'");
      expect(envOf(agent(job))).toMatchObject({ KELOS_UPSTREAM_REPO: 'acme/app', KELOS_SETUP_COMMAND: '["make","deps"]' });
      expect(envOf(agent(job)).GITHUB_TOKEN).toBeUndefined();
    });

    it('prefers spec.upstreamRepo over the upstream remote', () => {
      const job = taskJob({
        task: task({ upstreamRepo: 'other/repo' }),
        workspace: { repo: 'https://github.com/me/app.git', remotes: [{ name: 'upstream', url: 'git@github.com:acme/app.git' }] },
      });
      expect(envOf(agent(job)).KELOS_UPSTREAM_REPO).toBe('other/repo');
    });

    it('targets a GitHub Enterprise host with GH_HOST and GH_ENTERPRISE_TOKEN', () => {
      const job = taskJob({ task: task(), workspace: { repo: 'https://git.corp.example/acme/app.git', secretRef: { name: 'tok' } } });
      const env = envOf(agent(job));
      expect(env.GH_HOST).toBe('git.corp.example');
      expect(env.GH_ENTERPRISE_TOKEN).toEqual(secretRef('tok', 'GITHUB_TOKEN'));
      expect(env.GH_TOKEN).toBeUndefined();
      expect(init(job, 'git-clone')!.command![2]).toContain('credential.https://git.corp.example.helper');
    });

    it('gives a repository URL that carries credentials neither the token helper nor GH_HOST', () => {
      const job = taskJob({
        task: task(),
        workspace: {
          repo: 'https://user:ghp_x@git.corp.example/acme/app.git',
          secretRef: { name: 'tok' },
          remotes: [{ name: 'upstream', url: 'https://ghp_y@github.com/acme/app.git' }],
        },
      });
      expect(init(job, 'git-clone')!.command![2]).not.toContain('credential.');
      expect(envOf(agent(job)).GH_HOST).toBeUndefined();
      expect(envOf(agent(job)).KELOS_UPSTREAM_REPO).toBeUndefined();
    });

    it.each([
      ['git@ghe.corp:acme/app.git', 'acme/app'],
      ['ssh://git@ghe.corp:2222/acme/app', 'acme/app'],
      ['https://github.com/acme/app/', 'acme/app'],
      ['https://github.com/acme/../app', undefined],
    ])('derives KELOS_UPSTREAM_REPO from the upstream remote %s', (url, want) => {
      const job = taskJob({ task: task(), workspace: { repo: 'https://github.com/me/app.git', remotes: [{ name: 'upstream', url }] } });
      expect(envOf(agent(job)).KELOS_UPSTREAM_REPO).toBe(want);
    });

    it('writes workspace files with sanitised paths', () => {
      const job = taskJob({
        task: task(),
        workspace: { repo: 'https://github.com/acme/app.git', files: [{ path: './docs//notes.md', content: "it's\n" }] },
      });
      const script = init(job, 'workspace-files')!.command![2];
      expect(script).toContain("target='/workspace/repo/docs/notes.md'");
      expect(script).toContain(Buffer.from("it's\n").toString('base64'));
    });

    it.each(['../escape', '/etc/passwd', 'a/../../b', '.', 'dir\\file'])('fails when a workspace file path is %s', (path) => {
      expect(() => taskJob({ task: task(), workspace: { repo: 'https://github.com/acme/app.git', files: [{ path, content: 'x' }] } })).toThrow(TaskSpecError);
    });
  });

  describe('with an AgentConfig', () => {
    const ac: AgentConfigSpec = {
      agentsMD: '# Rules',
      plugins: [{ name: 'reviewer', skills: [{ name: 'review', content: 'Review it' }], agents: [{ name: 'critic', content: 'Be critical' }] }],
      skills: [{ source: 'acme/skills', skill: 'lint' }],
      mcpServers: [{ name: 'github', type: 'http', url: 'https://mcp.example', headersFrom: { secretRef: { name: 'mcp-creds' } } }],
    };

    it('mounts the plugin ConfigMap, installs skills and references the MCP Secret', () => {
      const job = taskJob({ task: task(), agentConfig: ac });
      expect(initNames(job)).toEqual(['plugin-setup', 'skills-install']);
      expect(job.spec!.template.spec!.volumes).toEqual([
        { name: 'workspace', emptyDir: {} },
        { name: 'kelos-plugin', emptyDir: {} },
        {
          name: 'kelos-plugin-source',
          configMap: {
            name: 'fix-bug-plugins',
            items: [
              { key: 'p0-skill-0.md', path: 'reviewer/skills/review/SKILL.md' },
              { key: 'p0-agent-0.md', path: 'reviewer/agents/critic.md' },
            ],
          },
        },
      ]);
      const skills = init(job, 'skills-install')!;
      expect(skills.image).toBe(DEFAULT_KELOS_IMAGE);
      expect(skills.command![2]).toContain("npx -y skills add 'acme/skills' -a universal -y -g -s 'lint'");
      const env = envOf(agent(job));
      expect(env.KELOS_AGENTS_MD).toBe('# Rules');
      expect(env.KELOS_PLUGIN_DIR).toBe('/kelos/plugin');
      expect(env.KELOS_MCP_SERVERS).toEqual(secretRef('fix-bug-mcp', 'KELOS_MCP_SERVERS'));
      expect(agent(job).volumeMounts).toContainEqual({ name: 'kelos-plugin', mountPath: '/kelos/plugin' });
    });

    it('puts the plugin files into a ConfigMap owned by the Task', () => {
      const cm = pluginConfigMap(task(), ac)!;
      expect(cm.metadata!.name).toBe('fix-bug-plugins');
      expect(cm.metadata!.ownerReferences![0]).toMatchObject({ kind: 'Task', uid: 'uid-1', controller: true });
      expect(cm.data).toEqual({ 'p0-skill-0.md': 'Review it', 'p0-agent-0.md': 'Be critical' });
      expect(pluginConfigMap(task(), { agentsMD: 'x' })).toBeUndefined();
    });

    it.each([
      [{ plugins: [{ name: '../x', skills: [] }] }, 'path separator'],
      [{ plugins: [{ name: 'p', skills: [{ name: '..', content: '' }] }] }, 'path traversal'],
      [{ plugins: [{ name: 'skills-sh' }], skills: [{ source: 'a/b' }] }, 'reserved'],
      [
        {
          plugins: [
            {
              name: 'p',
              skills: [
                { name: 's', content: '1' },
                { name: 's', content: '2' },
              ],
            },
          ],
        },
        'defined twice',
      ],
    ] as Array<[AgentConfigSpec, string]>)('fails when a plugin is invalid (%#)', (spec, phrase) => {
      expect(() => taskJob({ task: task(), agentConfig: spec })).toThrow(phrase);
    });

    it('resolves MCP secrets into the JSON, Secret values over inline ones', () => {
      const json = mcpServersJson(
        [
          { name: 'api', type: 'http', url: 'https://mcp', headers: { Authorization: 'inline', X: '1' }, headersFrom: { secretRef: { name: 's' } } },
          { name: 'local', type: 'stdio', command: 'mcp-local', args: ['--x'], env: { A: 'a' }, envFrom: { secretRef: { name: 's' } } },
        ],
        (n) => (n === 's' ? { Authorization: 'Bearer secret-value' } : undefined),
      );
      expect(JSON.parse(json)).toEqual({
        mcpServers: {
          api: { type: 'http', url: 'https://mcp', headers: { Authorization: 'Bearer secret-value', X: '1' } },
          local: { type: 'stdio', command: 'mcp-local', args: ['--x'], env: { A: 'a', Authorization: 'Bearer secret-value' } },
        },
      });
      const secret = mcpSecret(task(), json);
      expect(secret.metadata!.name).toBe('fix-bug-mcp');
      expect(Buffer.from(secret.data!.KELOS_MCP_SERVERS, 'base64').toString()).toBe(json);
    });

    it('fails when an MCP secret is missing', () => {
      expect(() => mcpServersJson([{ name: 'a', type: 'http', url: 'u', headersFrom: { secretRef: { name: 'gone' } } }], () => undefined)).toThrow(
        'Secret "gone" of MCP server "a" was not found',
      );
    });

    it('merges AgentConfigs in order', () => {
      const merged = mergeAgentConfigs([
        {
          agentsMD: 'one',
          plugins: [{ name: 'a' }],
          mcpServers: [
            { name: 'm', type: 'stdio', command: 'old' },
            { name: 'n', type: 'stdio', command: 'n' },
          ],
        },
        { agentsMD: 'two', plugins: [{ name: 'b' }], skills: [{ source: 'x/y' }], mcpServers: [{ name: 'm', type: 'stdio', command: 'new' }] },
      ]);
      expect(merged).toEqual({
        agentsMD: 'one\n\ntwo',
        plugins: [{ name: 'a' }, { name: 'b' }],
        skills: [{ source: 'x/y' }],
        mcpServers: [
          { name: 'm', type: 'stdio', command: 'new' },
          { name: 'n', type: 'stdio', command: 'n' },
        ],
      });
    });
  });

  describe('pod overrides', () => {
    it('applies them without letting user env or labels replace a built-in', () => {
      const job = taskJob({
        task: task({
          podOverrides: {
            env: [
              { name: 'KELOS_AGENT_TYPE', value: 'forged' },
              { name: 'ANTHROPIC_API_KEY', value: 'forged' },
              { name: 'KELOS_SETUP_COMMAND', value: '["rm","-rf","/"]' },
              { name: 'EXTRA', value: 'yes' },
            ],
            labels: { team: 'a', 'kelos.dev/task': 'forged', 'kelos.dev/test-outcome': 'fail' },
            activeDeadlineSeconds: 600,
            resources: { limits: { memory: '1Gi' } },
            nodeSelector: { pool: 'agents' },
            tolerations: [{ key: 'agents', operator: 'Exists' }],
            imagePullSecrets: [{ name: 'pull' }],
            serviceAccountName: 'agent-sa',
            volumes: [{ name: 'cache', emptyDir: {} }],
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
            podSecurityContext: { runAsUser: 1234 },
            containerSecurityContext: { readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'] } },
          },
        }),
        policy: { serviceAccounts: ['agent-sa'], secrets: [] },
      });
      const c = agent(job);
      const pod = job.spec!.template.spec!;
      expect(c.env!.map((e) => e.name)).toEqual(['KELOS_AGENT_TYPE', 'ANTHROPIC_API_KEY', 'EXTRA']);
      expect(envOf(c).KELOS_AGENT_TYPE).toBe('claude-code');
      expect(job.metadata!.labels).toEqual({
        team: 'a',
        'kelos.dev/test-outcome': 'fail',
        'kelos.dev/name': 'kelos',
        'kelos.dev/component': 'task',
        'kelos.dev/managed-by': 'kelos-controller',
        'kelos.dev/task': 'fix-bug',
      });
      expect(job.spec!.template.metadata!.labels).toEqual(job.metadata!.labels);
      expect(job.spec!.activeDeadlineSeconds).toBe(600);
      expect(job.spec!.backoffLimit).toBe(1);
      expect(c.resources).toEqual({ limits: { memory: '1Gi' } });
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      });
      expect(c.volumeMounts).toEqual([
        { name: 'workspace', mountPath: '/workspace' },
        { name: 'cache', mountPath: '/cache' },
      ]);
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1234, fsGroup: 61100, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBeUndefined();
      expect(pod).toMatchObject({
        restartPolicy: 'Never',
        serviceAccountName: 'agent-sa',
        nodeSelector: { pool: 'agents' },
        tolerations: [{ key: 'agents', operator: 'Exists' }],
        imagePullSecrets: [{ name: 'pull' }],
      });
      expect(pod.volumes).toContainEqual({ name: 'cache', emptyDir: {} });
    });

    it.each(['workspace', 'kelos-plugin', 'kelos-anything'])('fails when a user volume is named %s', (name) => {
      expect(() => taskJob({ task: task({ podOverrides: { volumes: [{ name, emptyDir: {} }] } }) })).toThrow('reserved volume name');
    });
  });

  describe('pod security', () => {
    const full = () =>
      taskJob({
        task: task({ branch: 'agent/1' }),
        workspace: {
          repo: 'https://github.com/acme/app.git',
          ref: 'main',
          secretRef: { name: 'gh' },
          remotes: [{ name: 'upstream', url: 'https://github.com/up/app.git' }],
          files: [{ path: 'a.txt', content: 'a' }],
        },
        agentConfig: { plugins: [{ name: 'p', skills: [{ name: 's', content: 'x' }] }], skills: [{ source: 'acme/skills' }] },
      });

    it('meets Pod Security restricted in every container, init containers included', () => {
      const pod = full().spec!.template.spec!;
      expect(pod.initContainers!.map((c) => c.name)).toEqual([
        'git-clone',
        'remote-setup',
        'branch-setup',
        'workspace-files',
        'plugin-setup',
        'skills-install',
      ]);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of [...pod.initContainers!, ...pod.containers]) {
        expect(c.securityContext, c.name).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it("hardens the user's extra containers like its own, after its init containers", () => {
      const pod = taskJob({
        task: task({
          podOverrides: {
            extraInitContainers: [{ name: 'prep', image: 'busybox' }],
            extraContainers: [{ name: 'db', image: 'postgres', securityContext: { readOnlyRootFilesystem: true } }],
          },
        }),
      }).spec!.template.spec!;
      expect(pod.initContainers!.map((c) => c.name)).toEqual(['prep']);
      expect(pod.containers.map((c) => c.name)).toEqual(['kelos-agent', 'db']);
      expect(pod.initContainers![0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(pod.containers[1]!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    });

    it("places Kelos's sidecar example: init containers after the checkout, sidecars beside the agent, sharing the workspace and the user's volumes", () => {
      const pod = taskJob({
        task: task({
          branch: 'feature/x',
          podOverrides: {
            volumes: [{ name: 'cache', emptyDir: {} }],
            extraInitContainers: [
              {
                name: 'seed',
                image: 'busybox',
                command: ['sh', '-c', 'touch /workspace/repo/.seeded'],
                volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
              },
              { name: 'proxy', image: 'envoy', restartPolicy: 'Always', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] },
            ],
            extraContainers: [
              { name: 'postgres', image: 'postgres:16', env: [{ name: 'POSTGRES_PASSWORD', value: 'testpass' }], ports: [{ containerPort: 5432 }] },
            ],
          },
        }),
        workspace,
      }).spec!.template.spec!;
      expect(pod.initContainers!.map((c) => c.name)).toEqual(['git-clone', 'branch-setup', 'seed', 'proxy']);
      expect(pod.initContainers![2]).toMatchObject({
        command: ['sh', '-c', 'touch /workspace/repo/.seeded'],
        volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
      });
      expect(pod.initContainers![3]).toMatchObject({ restartPolicy: 'Always', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] });
      expect(pod.containers.map((c) => c.name)).toEqual(['kelos-agent', 'postgres']);
      expect(pod.containers[1]).toEqual({
        name: 'postgres',
        image: 'postgres:16',
        env: [{ name: 'POSTGRES_PASSWORD', value: 'testpass' }],
        ports: [{ containerPort: 5432 }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      });
      expect(pod.volumes!.map((v) => v.name)).toEqual(['workspace', 'kelos-github-token', 'cache']);
      // The pod's own context (non-root, RuntimeDefault seccomp, fsGroup) covers them too.
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 61100 });
    });

    it('refuses an extra container asking for privilege, naming it', () => {
      expect(() => taskJob({ task: task({ podOverrides: { extraContainers: [{ name: 'db', image: 'x', securityContext: { privileged: true } }] } }) })).toThrow(
        'podOverrides.extraContainers[0].securityContext: privileged must not be true',
      );
    });

    it('keeps ALL dropped when the user drops a capability of their own', () => {
      const c = agent(taskJob({ task: task({ podOverrides: { containerSecurityContext: { capabilities: { drop: ['NET_RAW'] } } } }) }));
      expect(c.securityContext!.capabilities!.drop).toEqual(['ALL', 'NET_RAW']);
    });

    it.each([
      [{ containerSecurityContext: { privileged: true } }, 'podOverrides.containerSecurityContext: privileged must not be true'],
      [{ containerSecurityContext: { allowPrivilegeEscalation: true } }, 'allowPrivilegeEscalation must not be true'],
      [{ containerSecurityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, 'capabilities.add may only contain NET_BIND_SERVICE'],
      [{ podSecurityContext: { runAsUser: 0 } }, 'podOverrides.podSecurityContext: runAsUser must not be 0 (root)'],
      [{ podSecurityContext: { runAsNonRoot: false } }, 'runAsNonRoot must not be false'],
      [{ podSecurityContext: { seccompProfile: { type: 'Unconfined' } } }, 'seccompProfile.type must be RuntimeDefault or Localhost'],
      [{ podSecurityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }, 'sysctls may only set the safe sysctls'],
      [{ volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'podOverrides.volumes[0]: hostPath volumes are not allowed'],
      [{ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] }, 'serviceAccountToken projections are not allowed'],
    ])('fails when podOverrides asks for privilege: %j', (podOverrides, phrase) => {
      expect(() => taskJob({ task: task({ podOverrides } as Partial<TaskSpec>) })).toThrow(phrase);
    });

    it('fails when podOverrides names a ServiceAccount or Secret the namespace does not allow', () => {
      const sa = task({ podOverrides: { serviceAccountName: 'kelos-controller' } });
      expect(() => taskJob({ task: sa })).toThrow(
        'podOverrides.serviceAccountName: ServiceAccount "kelos-controller" is not allowed for agent pods in namespace team-a: an operator allows it with the namespace annotation kelos.dev/agent-service-accounts',
      );
      const secret = task({
        podOverrides: {
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          volumes: [{ name: 'v', secret: { secretName: 'tls' } }],
        },
      });
      expect(() => taskJob({ task: secret, policy: { serviceAccounts: [], secrets: ['db'] } })).toThrow(
        'podOverrides: Secrets "tls" are not allowed for agent pods in namespace team-a',
      );
      expect(taskJob({ task: secret, policy: { serviceAccounts: [], secrets: ['db', 'tls'] } })).toBeDefined();
      expect(taskJob({ task: secret, policy: { serviceAccounts: [], secrets: ['*'] } })).toBeDefined();
    });
  });
});
