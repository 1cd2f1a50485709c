// Prop names are checked at run time, for JavaScript callers and tsx, which do not type-check.
import { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Agent, AgentType, Credentials, KelosApp, KelosController, McpServer, Spawner, Task, When, Workspace } from '../../constructs/index.js';
import { setup } from './_helpers.js';

const template = { type: AgentType.CLAUDE_CODE, credentials: Credentials.none() };

describe('prop names', () => {
  it('fails on a misspelt Spawner prop, naming the one it likely meant', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...template, when: When.cron('@daily'), maxConcurency: 3 } as any)).toThrow(
      "pipeline/s: 'maxConcurency' is not a prop of Spawner; did you mean 'maxConcurrency'?",
    );
  });

  it('lists the props when no name is close', () => {
    const { chart } = setup();
    expect(() => new Agent(chart, 'a', { instructions: '# x' } as any)).toThrow(
      "pipeline/a: 'instructions' is not a prop of Agent; its props are 'name', 'agentsMd', 'plugins', 'skills', 'mcpServers'",
    );
  });

  it('checks every construct and the props nested in them', () => {
    const { chart } = setup();
    const cases: Array<[() => unknown, string]> = [
      [
        () => new Task(chart, 't', { ...template, prompt: 'p', dependOn: [] } as any),
        "pipeline/t: 'dependOn' is not a prop of Task; did you mean 'dependsOn'?",
      ],
      [
        () => new Workspace(chart, 'w', { repo: 'https://github.com/o/r.git', secretRef: { name: 'x' } } as any),
        "pipeline/w: 'secretRef' is not a prop of Workspace; did you mean 'secret'?",
      ],
      [
        () => new Workspace(chart, 'w2', { repo: 'https://github.com/o/r.git', remotes: [{ name: 'up', uri: 'https://github.com/u/r.git' }] } as any),
        "pipeline/w2: 'remotes.uri' is not a prop of a Workspace remote; did you mean 'remotes.url'?",
      ],
      [() => new Agent(chart, 'a2', { agentsMD: '# x' } as any), "pipeline/a2: 'agentsMD' is not a prop of Agent; did you mean 'agentsMd'?"],
      [
        () => new Agent(chart, 'a3', { plugins: [{ name: 'p', skill: {} }] } as any),
        "pipeline/a3: 'plugins.skill' is not a prop of an Agent plugin; did you mean 'plugins.skills'?",
      ],
      [
        () => new Agent(chart, 'a4', { skills: [{ source: 'o/r', skils: 'x' }] } as any),
        "pipeline/a4: 'skills.skils' is not a prop of an Agent skills package; did you mean 'skills.skill'?",
      ],
      [
        () => new Spawner(chart, 's2', { ...template, workspace: Workspace.fromName(chart, 'ws', 'ws'), when: When.githubIssues({ label: ['bug'] } as any) }),
        "pipeline/s2: 'when.githubIssues.label' is not a prop of When.githubIssues; did you mean 'when.githubIssues.labels'?",
      ],
      [
        () =>
          new Spawner(chart, 's3', {
            ...template,
            workspace: Workspace.fromName(chart, 'ws2', 'ws'),
            when: When.githubPullRequests({ reviewStates: 'approved' } as any),
          }),
        "pipeline/s3: 'when.githubPullRequests.reviewStates' is not a prop of When.githubPullRequests; did you mean 'when.githubPullRequests.reviewState'?",
      ],
      [
        () => new Spawner(chart, 's4', { ...template, when: When.jira({ baseUrl: 'https://j', project: 'P', secret: { name: 'j' }, JQL: 'x' } as any) }),
        "pipeline/s4: 'when.jira.JQL' is not a prop of When.jira; did you mean 'when.jira.jql'?",
      ],
      [
        () => new Agent(chart, 'a5', { mcpServers: [McpServer.stdio('gh', { command: 'gh', arg: ['mcp'] } as any)] }),
        "pipeline/a5: 'mcpServers.arg' is not a prop of McpServer.stdio; did you mean 'mcpServers.args'?",
      ],
      [
        () => new Agent(chart, 'a6', { mcpServers: [McpServer.http('api', { url: 'https://x', header: {} } as any)] }),
        "pipeline/a6: 'mcpServers.header' is not a prop of McpServer.http; did you mean 'mcpServers.headers'?",
      ],
      [
        () => new KelosController(new KelosApp({ outdir: '/nonexistent' }), 'kelos-system', { replica: 2 } as any),
        "kelos-system: 'replica' is not a prop of KelosController; did you mean 'replicas'?",
      ],
      [() => new KelosApp({ outDir: 'x' } as any), "KelosApp: 'outDir' is not a prop of KelosApp; did you mean 'outdir'?"],
      [
        () => new KelosApp({ argocd: { repoUrl: 'https://x' } } as any),
        "KelosApp: 'argocd.repoUrl' is not a prop of KelosApp argocd; did you mean 'argocd.repoURL'?",
      ],
    ];
    for (const [make, message] of cases) expect(make).toThrow(message);
  });

  it('fails when props is not an object', () => {
    const { chart } = setup();
    expect(() => new Agent(chart, 'a', 'agents.md' as any)).toThrow("pipeline/a: 'props' must be an object of props of Agent, got string");
  });

  it('fails when a Spawner has no source', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { ...template, when: { cron: '@daily' } } as any)).toThrow(
      `pipeline/s: 'when' must be a source such as When.githubIssues() or When.cron('@daily'), got [object Object]`,
    );
  });

  it('accepts every documented prop', () => {
    const app = new KelosApp({ outdir: '/nonexistent', image: 'i', argocd: { repoURL: 'https://x', path: 'dist' } });
    const chart = new Chart(app, 'c', { namespace: 'c' });
    expect(() => new Task(chart, 't', { ...template, prompt: 'p', labels: { a: 'b' }, branch: 'b' })).not.toThrow();
  });
});
