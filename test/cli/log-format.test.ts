// kelos logs pretty-prints each agent type's JSON stream: what the agent
// says on stdout, tool calls and status on stderr, other lines as they are.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentLogFormatter, formatAgentLog, type Printed } from '../../cli/ops/log-format.js';

const streams = join(import.meta.dirname, '../fixtures/agent-streams');
const fixture = (name: string) => readFileSync(join(streams, name), 'utf8');
const OUTPUTS = '---KELOS_OUTPUTS_START---\nbranch: fix-7\n---KELOS_OUTPUTS_END---\n';

const split = (printed: Printed[]) => ({
  stdout: printed.filter((p) => p.stream === 'stdout').map((p) => p.text),
  stderr: printed.filter((p) => p.stream === 'stderr').map((p) => p.text),
});

describe('formatting agent logs', () => {
  it('prints Claude Code text to stdout and its init, tools and result to stderr', () => {
    const { stdout, stderr } = split(formatAgentLog('claude-code', fixture('claude-code.jsonl') + OUTPUTS));
    expect(stdout).toEqual([
      "I'll run the tests first to see the result of the current code.",
      'Fixed the date check, committed it and opened a pull request.',
      '---KELOS_OUTPUTS_START---',
      'branch: fix-7',
      '---KELOS_OUTPUTS_END---',
    ]);
    expect(stderr).toEqual(['[init] model=claude-sonnet-4-5-20250929 cwd=/workspace/repo', '[tool] Bash: npm test', '[result] completed (7 turns, $0.4217)']);
  });

  it('reports a Claude Code run that hit its turn limit as an error', () => {
    const { stderr } = split(formatAgentLog('claude-code', fixture('claude-code-error.jsonl')));
    expect(stderr.at(-1)).toBe('[result] error (error_max_turns) (30 turns, $1.0312)');
  });

  it('prints Codex agent messages to stdout and commands, edits and turns to stderr', () => {
    const { stdout, stderr } = split(formatAgentLog('codex', fixture('codex.jsonl')));
    expect(stdout).toEqual(['Fixed the date check.', 'Opened the pull request.']);
    expect(stderr).toEqual([
      '[init] thread=0199a213-81c0-7800-8aa1-bbab2a035a53',
      '[thinking] **Looking at the failing test**',
      "[tool] shell: bash -lc 'npm test'",
      '[tool] shell exited 1',
      '[edit] update src/date.ts',
      '[turn] completed (input 24763 tokens, output 122 tokens)',
      "[tool] shell: bash -lc 'gh pr create --fill'",
      '[turn] completed (input 1000 tokens, output 78 tokens)',
    ]);
  });

  it('joins Gemini streamed deltas into one message', () => {
    const { stdout, stderr } = split(formatAgentLog('gemini', fixture('gemini.jsonl')));
    expect(stdout).toEqual(['Fixed the date check and opened a pull request.']);
    expect(stderr).toEqual(['[init] model=gemini-2.5-pro', '[tool] run_shell_command: npm test', '[result] success (18523 tokens)']);
  });

  it('prints OpenCode text and tools, with the cost of the run', () => {
    const { stdout, stderr } = split(formatAgentLog('opencode', fixture('opencode.jsonl')));
    expect(stdout).toEqual(['Fixed the date check and opened a pull request.']);
    expect(stderr).toEqual(['[tool] bash: npm test', '[result] completed ($0.0163)']);
  });

  it('prints Cursor assistant text and tool calls', () => {
    const { stdout, stderr } = split(formatAgentLog('cursor', fixture('cursor.jsonl')));
    expect(stdout).toEqual(["I'll run the tests first.", 'Fixed the date check and opened a pull request.']);
    expect(stderr).toEqual(['[init] model=Claude 4 Sonnet cwd=/workspace/repo', '[tool] shell: npm test', '[result] completed (2 turns)']);
  });

  it('passes lines that are not events of the stream through unchanged', () => {
    const f = new AgentLogFormatter('claude-code');
    expect(f.line('plain text from the entrypoint')).toEqual([{ stream: 'stdout', text: 'plain text from the entrypoint' }]);
    expect(f.line('{"not":"an event"}')).toEqual([{ stream: 'stdout', text: '{"not":"an event"}' }]);
    expect(f.line('{"type":"something_new"}')).toEqual([{ stream: 'stdout', text: '{"type":"something_new"}' }]);
    expect(f.line('{broken json')).toEqual([{ stream: 'stdout', text: '{broken json' }]);
  });

  it('passes every line through for an agent type it does not know', () => {
    const log = fixture('claude-code.jsonl');
    const printed = formatAgentLog('my-agent', log);
    expect(printed.map((p) => p.text)).toEqual(log.trimEnd().split('\n'));
    expect(printed.every((p) => p.stream === 'stdout')).toBe(true);
  });

  it('shortens long tool arguments to one line', () => {
    const command = `echo ${'x'.repeat(200)}\nsecond line`;
    const line = JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command } }] } });
    const [p] = new AgentLogFormatter('claude-code').line(line);
    expect(p!.stream).toBe('stderr');
    expect(p!.text).toBe(`[tool] Bash: ${command.replace('\n', '\\n').slice(0, 120)}...`);
  });
});
