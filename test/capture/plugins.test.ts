import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installPlugins, listPlugins, readSubAgent, renderSubAgent } from '../../lib/capture/plugins.js';
import { writeExecutable } from './_workspace.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function write(path: string, text: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

const REVIEWER = `---
name: code-reviewer
description: Reviews a diff for bugs
tools: Read, Grep, Glob
model: sonnet
---

You review code. Be specific.
`;

/** Two plugins that both ship a skill named "triage". */
function pluginDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'kelos-plugins-'));
  dirs.push(root);
  write(join(root, 'review', 'skills', 'triage', 'SKILL.md'), '---\nname: triage\ndescription: Sort issues\n---\nSteps.\n');
  writeExecutable(join(root, 'review', 'skills', 'triage', 'scripts', 'run.sh'), '#!/bin/sh\necho ok\n');
  write(join(root, 'review', 'agents', 'code-reviewer.md'), REVIEWER);
  write(join(root, 'review', 'agents', 'notes.txt'), 'not an agent');
  write(join(root, 'ops', 'skills', 'triage', 'SKILL.md'), '---\nname: triage\ndescription: Ops triage\n---\n');
  write(join(root, 'ops', 'skills', 'empty', 'README.md'), 'no SKILL.md here');
  return root;
}

describe('plugins', () => {
  it('lists plugins, their skills (folders with SKILL.md) and sub-agents (.md files)', () => {
    const root = pluginDir();
    expect(listPlugins(root)).toEqual([
      { name: 'ops', dir: join(root, 'ops'), skills: [join(root, 'ops', 'skills', 'triage')], agents: [] },
      {
        name: 'review',
        dir: join(root, 'review'),
        skills: [join(root, 'review', 'skills', 'triage')],
        agents: [join(root, 'review', 'agents', 'code-reviewer.md')],
      },
    ]);
    expect(listPlugins(join(root, 'missing'))).toEqual([]);
  });

  it('copies whole skill folders and renames a skill whose name is taken', () => {
    const root = pluginDir();
    const target = mkdtempSync(join(tmpdir(), 'kelos-target-'));
    dirs.push(target);
    const warnings: string[] = [];
    installPlugins({
      plugins: listPlugins(root),
      skillsDir: join(target, 'skills'),
      agentsDir: join(target, 'agents'),
      format: 'markdown',
      warn: (w) => warnings.push(w),
    });
    expect(readdirSync(join(target, 'skills')).sort()).toEqual(['review-triage', 'triage']);
    expect(readFileSync(join(target, 'skills', 'triage', 'SKILL.md'), 'utf8')).toMatch(/Ops triage/);
    expect(readFileSync(join(target, 'skills', 'review-triage', 'scripts', 'run.sh'), 'utf8')).toMatch(/echo ok/);
    expect(warnings).toEqual(['skill "triage" of plugin "review" is installed as "review-triage" (the name is taken)']);
    expect(readdirSync(join(target, 'agents'))).toEqual(['code-reviewer.md']);
  });

  it('reads a sub-agent from Claude-style front matter, defaulting name and description', () => {
    const root = pluginDir();
    expect(readSubAgent(join(root, 'review', 'agents', 'code-reviewer.md'))).toEqual({
      name: 'code-reviewer',
      description: 'Reviews a diff for bugs',
      prompt: 'You review code. Be specific.\n',
    });
    write(join(root, 'plain', 'agents', 'Release Helper.md'), 'Just instructions.\n');
    expect(readSubAgent(join(root, 'plain', 'agents', 'Release Helper.md'))).toEqual({
      name: 'release-helper',
      description: 'The release-helper sub-agent',
      prompt: 'Just instructions.\n',
    });
  });

  it('renders sub-agents per CLI, dropping Claude-only tools and model', () => {
    const agent = { name: 'code-reviewer', description: 'Reviews a diff for bugs', prompt: 'You review "code".\nBe specific.\n' };
    expect(renderSubAgent(agent, 'codex-toml')).toEqual({
      fileName: 'code-reviewer.toml',
      content: 'name = "code-reviewer"\ndescription = "Reviews a diff for bugs"\ndeveloper_instructions = "You review \\"code\\".\\nBe specific.\\n"\n',
    });
    expect(renderSubAgent(agent, 'opencode-markdown')).toEqual({
      fileName: 'code-reviewer.md',
      content: '---\ndescription: Reviews a diff for bugs\nmode: subagent\n---\n\nYou review "code".\nBe specific.\n',
    });
    expect(renderSubAgent(agent, 'markdown')).toEqual({
      fileName: 'code-reviewer.md',
      content: '---\nname: code-reviewer\ndescription: Reviews a diff for bugs\n---\n\nYou review "code".\nBe specific.\n',
    });
  });
});
