import { OutputKey } from '../api/outputs.js';

/**
 * Token usage (and cost) read from an agent's JSON stream, one complete line
 * at a time. Each agent type keeps only the state it needs (the last result
 * event, or running sums), so memory stays constant however long the stream.
 */
export interface UsageParser {
  /**
   * A cheap substring test: lines that do not contain it are not parsed.
   * Every event the parser reads names its type, so this skips large
   * assistant and tool events without a JSON.parse.
   */
  readonly marker: string;
  /** Reads one complete line (without its newline). Non-JSON lines are ignored. */
  addLine(line: string): void;
  /** The usage at end of input, and why the run is not a normal completion, if it is not. */
  finish(): UsageResult;
}

export interface UsageResult {
  /** `[key, value]` pairs in output order (`cost-usd`, `input-tokens`, `output-tokens`). */
  readonly values: Array<[string, string]>;
  /** Set when the stream shows the agent did not complete normally. */
  readonly failure?: string;
}

/**
 * Returns the parser for an agent type, or undefined for an empty or unknown
 * type (the stream is still passed through; only usage is left out).
 */
export function createUsageParser(agentType: string | undefined): UsageParser | undefined {
  switch (agentType) {
    case 'claude-code':
      return new LastResultParser('result', claudeCodeUsage, claudeCodeFailure);
    case 'codex':
      // `codex exec --json`: one `turn.completed` per turn, each with that turn's usage.
      return new SumParser('turn.completed', (e) => {
        const u = obj(e.usage);
        return [num(u?.input_tokens), num(u?.output_tokens)];
      });
    case 'gemini':
      return new LastResultParser('result', geminiUsage);
    case 'opencode':
      // `opencode run --format json`: one `step_finish` per model step, tokens under `part.tokens`.
      return new SumParser('step_finish', (e) => {
        const t = obj(obj(e.part)?.tokens);
        return [num(t?.input), num(t?.output)];
      });
    case 'cursor':
      return new LastResultParser('result', cursorUsage);
    default:
      return undefined;
  }
}

type Event = Record<string, unknown>;

function parseEvent(line: string): Event | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return obj(value);
  } catch {
    return undefined;
  }
}

function obj(value: unknown): Event | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Event) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The first of `names` that `o` holds as a number. */
function pick(o: Event | undefined, ...names: string[]): number | undefined {
  if (!o) return undefined;
  for (const n of names) {
    const v = num(o[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function tokens(input: number | undefined, output: number | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (input !== undefined) out.push([OutputKey.INPUT_TOKENS, String(input)]);
  if (output !== undefined) out.push([OutputKey.OUTPUT_TOKENS, String(output)]);
  return out;
}

/** Keeps the last event of one type and reads usage from it at end of input. */
class LastResultParser implements UsageParser {
  private last: Event | undefined;

  constructor(
    private readonly type: string,
    private readonly usage: (e: Event) => Array<[string, string]>,
    private readonly failure?: (last: Event | undefined) => string | undefined,
  ) {}

  get marker(): string {
    return this.type;
  }

  addLine(line: string): void {
    const e = parseEvent(line);
    if (e?.type === this.type) this.last = e;
  }

  finish(): UsageResult {
    const values = this.last ? this.usage(this.last) : [];
    const failure = this.failure?.(this.last);
    return failure === undefined ? { values } : { values, failure };
  }
}

/** Adds up input and output tokens over every event of one type. */
class SumParser implements UsageParser {
  private input = 0;
  private output = 0;
  private seen = false;

  constructor(
    private readonly type: string,
    private readonly extract: (e: Event) => [number | undefined, number | undefined],
  ) {}

  get marker(): string {
    return this.type;
  }

  addLine(line: string): void {
    const e = parseEvent(line);
    if (e?.type !== this.type) return;
    const [i, o] = this.extract(e);
    if (i !== undefined) this.input += i;
    if (o !== undefined) this.output += o;
    if (i !== undefined || o !== undefined) this.seen = true;
  }

  finish(): UsageResult {
    return { values: this.seen ? tokens(this.input, this.output) : [] };
  }
}

/**
 * Claude Code's final `{"type":"result"}` event: `total_cost_usd` and
 * `usage.input_tokens` / `usage.output_tokens` (input excludes cache reads and
 * writes, as Claude Code reports it).
 */
function claudeCodeUsage(e: Event): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const cost = num(e.total_cost_usd);
  if (cost !== undefined) out.push([OutputKey.COST_USD, String(cost)]);
  const u = obj(e.usage);
  out.push(...tokens(num(u?.input_tokens), num(u?.output_tokens)));
  return out;
}

/** A Claude Code run completed normally only if its last result says so. */
function claudeCodeFailure(last: Event | undefined): string | undefined {
  if (!last) return 'the claude-code stream ended without a final result event';
  const subtype = typeof last.subtype === 'string' ? last.subtype : '(none)';
  if (subtype !== 'success' || last.is_error === true) {
    return `the claude-code run did not complete normally (subtype ${subtype}, is_error ${String(last.is_error ?? false)})`;
  }
  return undefined;
}

/**
 * Gemini CLI's `--output-format stream-json` ends with
 * `{"type":"result","status":…,"stats":{"total_tokens","input_tokens","output_tokens","cached","input",…}}`
 * (totals over all models). Older releases used camelCase names; both are read.
 */
function geminiUsage(e: Event): Array<[string, string]> {
  const s = obj(e.stats);
  return tokens(pick(s, 'input_tokens', 'inputTokens'), pick(s, 'output_tokens', 'outputTokens'));
}

/**
 * Cursor CLI's stream-json terminal event:
 * `{"type":"result","subtype":"success",…,"usage":{"inputTokens","outputTokens","cacheReadTokens","cacheWriteTokens"}}`.
 * snake_case names are read as well, in case the CLI aligns with Claude Code's.
 */
function cursorUsage(e: Event): Array<[string, string]> {
  const u = obj(e.usage);
  return tokens(pick(u, 'inputTokens', 'input_tokens'), pick(u, 'outputTokens', 'output_tokens'));
}
