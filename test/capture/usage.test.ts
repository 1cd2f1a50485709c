import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUsageParser } from '../../lib/capture/usage.js';
import { STREAMS } from './_workspace.js';

function parse(type: string, text: string) {
  const parser = createUsageParser(type);
  if (!parser) throw new Error(`no parser for ${type}`);
  for (const line of text.split('\n')) parser.addLine(line);
  return parser.finish();
}

const fixture = (name: string) => readFileSync(join(STREAMS, name), 'utf8');

describe('usage parsers', () => {
  it('reads cost and tokens from the last claude-code result', () => {
    expect(parse('claude-code', fixture('claude-code.jsonl'))).toEqual({
      values: [
        ['cost-usd', '0.4217'],
        ['input-tokens', '1523'],
        ['output-tokens', '2847'],
      ],
    });
  });

  it('keeps only the last claude-code result', () => {
    const text = [
      '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.01,"usage":{"input_tokens":1,"output_tokens":2}}',
      '{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.05,"usage":{"input_tokens":200,"output_tokens":100}}',
    ].join('\n');
    expect(parse('claude-code', text).values).toEqual([
      ['cost-usd', '0.05'],
      ['input-tokens', '200'],
      ['output-tokens', '100'],
    ]);
  });

  it('fails when a claude-code stream ends without a result', () => {
    const result = parse('claude-code', fixture('claude-code-truncated.jsonl'));
    expect(result.values).toEqual([]);
    expect(result.failure).toMatch(/ended without a final result event/);
  });

  it('fails when the last claude-code result is not a normal completion', () => {
    const result = parse('claude-code', fixture('claude-code-error.jsonl'));
    expect(result.failure).toMatch(/did not complete normally \(subtype error_max_turns, is_error true\)/);
    // Usage is still reported: the run cost money even though it failed.
    expect(result.values).toContainEqual(['cost-usd', '1.0312']);
  });

  it('fails on a claude-code result flagged is_error even with subtype success', () => {
    const result = parse('claude-code', '{"type":"result","subtype":"success","is_error":true}');
    expect(result.failure).toMatch(/is_error true/);
  });

  it('names a model API error of a claude-code result, and says when the credentials were refused or the API was overloaded', () => {
    const refused = parse(
      'claude-code',
      '{"type":"result","subtype":"success","is_error":true,"api_error_status":401,"api_error_type":"authentication_error","result":"Invalid API key\\n· Fix external API key"}',
    );
    expect(refused.failure).toBe(
      'the claude-code run did not complete normally (subtype success, is_error true): the model API refused the credentials (HTTP 401 authentication_error): "Invalid API key · Fix external API key"; check the API key or OAuth token of the Task\'s credentials',
    );
    const unavailable = parse('claude-code', `{"type":"result","subtype":"success","is_error":true,"api_error_status":503,"result":"${'x'.repeat(300)}"}`);
    expect(unavailable.failure).toBe(
      `the claude-code run did not complete normally (subtype success, is_error true): the model API answered HTTP 503: "${'x'.repeat(200)}…"`,
    );
    const overloaded = parse(
      'claude-code',
      '{"type":"result","subtype":"success","is_error":true,"api_error_status":529,"api_error_type":"overloaded_error","result":"API Error: 529 Overloaded."}',
    );
    expect(overloaded.failure).toBe(
      'the claude-code run did not complete normally (subtype success, is_error true): the model API was overloaded (HTTP 529 overloaded_error): "API Error: 529 Overloaded."; the CLI gave up after its retries, run the Task again later',
    );
  });

  it('sums codex turn.completed usage', () => {
    expect(parse('codex', fixture('codex.jsonl'))).toEqual({
      values: [
        ['input-tokens', '25763'],
        ['output-tokens', '200'],
      ],
    });
  });

  it('fails a codex run whose last turn failed, in the words of its error, unless a turn completed after it', () => {
    const failedTurn =
      '{"type":"turn.failed","error":{"message":"unexpected status 503 Service Unavailable: The server is overloaded or not ready yet.\\nretry later"}}';
    const completed = '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":6}}';
    expect(parse('codex', ['{"type":"turn.started"}', failedTurn].join('\n'))).toEqual({
      values: [],
      failure: 'the codex turn failed: "unexpected status 503 Service Unavailable: The server is overloaded or not ready yet. retry later"',
    });
    expect(parse('codex', [failedTurn, completed].join('\n')).failure).toBeUndefined();
    expect(parse('codex', [completed, failedTurn].join('\n'))).toMatchObject({
      values: [
        ['input-tokens', '5'],
        ['output-tokens', '6'],
      ],
      failure: expect.any(String),
    });
  });

  it('fails an opencode run that ends in an error event, naming the HTTP status', () => {
    const step = '{"type":"step_finish","part":{"tokens":{"input":7,"output":3},"cost":0.01}}';
    const error = '{"type":"error","error":{"name":"APIError","data":{"message":"Overloaded","statusCode":529,"isRetryable":true}}}';
    expect(parse('opencode', [step, error].join('\n'))).toEqual({
      values: [
        ['cost-usd', '0.01'],
        ['input-tokens', '7'],
        ['output-tokens', '3'],
      ],
      failure: 'the opencode run ended in an error (APIError, HTTP 529): "Overloaded"',
    });
    expect(parse('opencode', [error, step].join('\n')).failure).toBeUndefined();
    expect(parse('opencode', '{"type":"error","error":{"name":"UnknownError"}}').failure).toBe('the opencode run ended in an error (UnknownError)');
  });

  it('fails a gemini run whose result has status error, in the words of its error', () => {
    const result = parse(
      'gemini',
      '{"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: The model is overloaded. Please try again later.]"},"stats":{"input_tokens":10,"output_tokens":5}}',
    );
    expect(result).toEqual({
      values: [
        ['input-tokens', '10'],
        ['output-tokens', '5'],
      ],
      failure: 'the gemini run ended in an error: "[API Error: The model is overloaded. Please try again later.]"',
    });
    expect(parse('gemini', '{"type":"result","status":"success","stats":{}}').failure).toBeUndefined();
  });

  it('reads gemini stats from the last result, snake_case or camelCase', () => {
    expect(parse('gemini', fixture('gemini.jsonl')).values).toEqual([
      ['input-tokens', '17001'],
      ['output-tokens', '1522'],
    ]);
    expect(parse('gemini', '{"type":"result","stats":{"inputTokens":8000,"outputTokens":3200}}').values).toEqual([
      ['input-tokens', '8000'],
      ['output-tokens', '3200'],
    ]);
  });

  it('sums opencode step_finish tokens and cost', () => {
    expect(parse('opencode', fixture('opencode.jsonl')).values).toEqual([
      ['cost-usd', '0.0163'],
      ['input-tokens', '2000'],
      ['output-tokens', '450'],
    ]);
  });

  it('reads cursor usage from the last result', () => {
    expect(parse('cursor', fixture('cursor.jsonl')).values).toEqual([
      ['input-tokens', '36067'],
      ['output-tokens', '227'],
    ]);
  });

  it('skips lines that are not JSON objects', () => {
    const text = [
      'not json',
      '[1,2]',
      '{"type":"turn.completed","usage":{"input_tokens":"x"}}',
      '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":6}}',
    ].join('\n');
    expect(parse('codex', text).values).toEqual([
      ['input-tokens', '5'],
      ['output-tokens', '6'],
    ]);
  });

  it('reports no usage for agents other than claude-code when the stream has none, without failing', () => {
    for (const type of ['codex', 'gemini', 'opencode', 'cursor']) {
      expect(parse(type, '{"type":"something_else"}')).toEqual({ values: [] });
    }
  });

  it('has no parser for an empty or unknown agent type', () => {
    expect(createUsageParser(undefined)).toBeUndefined();
    expect(createUsageParser('')).toBeUndefined();
    expect(createUsageParser('aider')).toBeUndefined();
  });
});
