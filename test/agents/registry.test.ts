import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentType } from '../../constructs/agent-type.js';
import { KELOS_AGENT_IMAGES_VERSION } from '../../lib/agents/agent-definition.js';
import { AGENT_TYPES, agentDefinition, agentTypesText, BUILT_IN_AGENTS, DEFAULT_AGENT_TYPE, isAgentType, knownAgentTypes } from '../../lib/agents/registry.js';
import { AgentTypeSchema } from '../../lib/api/shared.js';
import { DEFAULT_AGENT_IMAGES } from '../../lib/render/images.js';
import { ROOT } from '../capture/_workspace.js';

describe('the agent registry', () => {
  it('lists the five built-in types in the order of the API enum', () => {
    expect(AGENT_TYPES).toEqual(['claude-code', 'codex', 'gemini', 'opencode', 'cursor']);
    expect(AgentTypeSchema.enum).toEqual([...AGENT_TYPES]);
    expect(BUILT_IN_AGENTS.map((a) => a.type)).toEqual([...AGENT_TYPES]);
    expect(knownAgentTypes()).toEqual([...AGENT_TYPES]);
    expect(DEFAULT_AGENT_TYPE).toBe('claude-code');
  });

  it('gives each type the credential variables of the agent image interface', () => {
    expect(Object.fromEntries(BUILT_IN_AGENTS.map((a) => [a.type, a.credentials]))).toEqual({
      'claude-code': { 'api-key': 'ANTHROPIC_API_KEY', oauth: 'CLAUDE_CODE_OAUTH_TOKEN' },
      codex: { 'api-key': 'CODEX_API_KEY', oauth: 'CODEX_AUTH_JSON' },
      gemini: { 'api-key': 'GEMINI_API_KEY', oauth: 'GEMINI_API_KEY' },
      opencode: { 'api-key': 'OPENCODE_API_KEY', oauth: 'OPENCODE_API_KEY' },
      cursor: { 'api-key': 'CURSOR_API_KEY', oauth: 'CURSOR_API_KEY' },
    });
  });

  it('defaults each type to its published Kelos image, pinned', () => {
    for (const agent of BUILT_IN_AGENTS) {
      expect(agent.defaultImage).toBe(`ghcr.io/kelos-dev/${agent.type}:${KELOS_AGENT_IMAGES_VERSION}`);
      expect(DEFAULT_AGENT_IMAGES[agent.type]).toBe(agent.defaultImage);
    }
    expect(KELOS_AGENT_IMAGES_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it("names each type's AgentType constant", () => {
    for (const agent of BUILT_IN_AGENTS) {
      const constant: unknown = (AgentType as unknown as Record<string, unknown>)[agent.constant];
      expect(constant, agent.constant).toBeInstanceOf(AgentType);
      expect((constant as AgentType).name).toBe(agent.type);
    }
  });

  it('answers unknown names with undefined, and lists names for messages', () => {
    expect(agentDefinition('aider')).toBeUndefined();
    expect(isAgentType('aider')).toBe(false);
    expect(isAgentType('codex')).toBe(true);
    expect(agentTypesText()).toBe('claude-code, codex, gemini, opencode or cursor');
    expect(agentTypesText(['one'])).toBe('one');
  });

  it('is the one home of agent types: no other source file spells a type name as a string', () => {
    const names = AGENT_TYPES.map((t) => t.replace(/-/g, '\\-')).join('|');
    const literal = new RegExp(`['"\`](${names})['"\`]`);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && literal.test(readFileSync(path, 'utf8'))) offenders.push(relative(ROOT, path));
      }
    };
    for (const dir of ['lib', 'cli', 'constructs', 'pipelines']) walk(join(ROOT, dir));
    expect(offenders.filter((f) => !f.startsWith('lib/agents/'))).toEqual([]);
  });
});
