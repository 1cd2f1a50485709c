import { describe, expect, it } from 'vitest';
import { Agent, McpServer } from '../../constructs/index.js';
import { RESOURCE_ANNOTATIONS, rendered, setup } from './_helpers.js';

describe('Agent', () => {
  it('renders an AgentConfig with instructions, plugins, skills and MCP servers', () => {
    const { app, chart } = setup();
    const agent = new Agent(chart, 'reviewer', {
      agentsMd: '# Rules\n',
      plugins: [{ name: 'kit', skills: { review: 'Review it.' }, agents: { critic: 'Be critical.' } }],
      skills: [{ source: 'org/skills', skill: 'lint' }],
      mcpServers: [McpServer.stdio('local', { command: 'npx', args: ['-y', 'srv'], env: { A: '1' } })],
    });
    agent.addMcpServer(McpServer.http('docs', { url: 'https://mcp.example.com', headersFrom: { name: 'docs-token' } }));
    expect(rendered(app)['AgentConfig/reviewer']).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'AgentConfig',
      metadata: { name: 'reviewer', namespace: 'team', annotations: RESOURCE_ANNOTATIONS },
      spec: {
        agentsMD: '# Rules\n',
        plugins: [{ name: 'kit', skills: [{ name: 'review', content: 'Review it.' }], agents: [{ name: 'critic', content: 'Be critical.' }] }],
        skills: [{ source: 'org/skills', skill: 'lint' }],
        mcpServers: [
          { name: 'local', type: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { A: '1' } },
          { name: 'docs', type: 'http', url: 'https://mcp.example.com', headersFrom: { secretRef: { name: 'docs-token' } } },
        ],
      },
    });
  });

  it('renders an empty spec when nothing is set', () => {
    const { app, chart } = setup();
    new Agent(chart, 'blank');
    expect(rendered(app)['AgentConfig/blank'].spec).toEqual({});
  });

  it('fails when an MCP server name is used twice', () => {
    const { chart } = setup();
    const a = new Agent(chart, 'a', { mcpServers: [McpServer.sse('x', { url: 'https://x' })] });
    expect(() => a.addMcpServer(McpServer.http('x', { url: 'https://y' }))).toThrow(`pipeline/a: 'mcpServers' name "x" is already used`);
  });

  it('fails when a plugin name is a path', () => {
    const { chart } = setup();
    expect(() => new Agent(chart, 'a', { plugins: [{ name: '../evil' }] })).toThrow(/'plugins' name must be a plain directory name, got "..\/evil"/);
  });

  it('fails when a skills package is not owner/repo', () => {
    const { chart } = setup();
    expect(() => new Agent(chart, 'a', { skills: [{ source: 'just-a-name' }] })).toThrow(/'skills' source must be "owner\/repo", got "just-a-name"/);
  });
});
