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
  /** A second such substring, for the event that fails a run, when it does not hold `marker`. */
  readonly failureMarker?: string;
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

/** One JSON object of an agent's stream. */
export type UsageEvent = Record<string, unknown>;

function parseEvent(line: string): UsageEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return obj(value);
  } catch {
    return undefined;
  }
}

export function obj(value: unknown): UsageEvent | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as UsageEvent) : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The first of `names` that `o` holds as a number. */
export function pick(o: UsageEvent | undefined, ...names: string[]): number | undefined {
  if (!o) return undefined;
  for (const n of names) {
    const v = num(o[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** `input-tokens` and `output-tokens`, each when known. */
export function tokens(input: number | undefined, output: number | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (input !== undefined) out.push([OutputKey.INPUT_TOKENS, String(input)]);
  if (output !== undefined) out.push([OutputKey.OUTPUT_TOKENS, String(output)]);
  return out;
}

/** Keeps the last event of one type and reads usage from it at end of input. */
export class LastResultParser implements UsageParser {
  private last: UsageEvent | undefined;

  constructor(
    private readonly type: string,
    private readonly usage: (e: UsageEvent) => Array<[string, string]>,
    private readonly failure?: (last: UsageEvent | undefined) => string | undefined,
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

/** Text from the stream, on one line and at most `max` characters. */
export function flatten(text: string, max: number): string {
  // Control characters (C0 and DEL) become spaces.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** An event type that ends a run as failed unless an event summed comes after it, and the reason it gives. */
export interface FailureEvent {
  readonly type: string;
  /** The substring that picks its lines. @default the type */
  readonly marker?: string;
  readonly reason: (e: UsageEvent) => string;
}

/**
 * Adds up input and output tokens (and the cost, where the events carry one)
 * over every event of one type.
 */
export class SumParser implements UsageParser {
  private input = 0;
  private output = 0;
  private cost = 0;
  private seen = false;
  private costSeen = false;
  private failed: string | undefined;

  constructor(
    private readonly type: string,
    private readonly extract: (e: UsageEvent) => [number | undefined, number | undefined, (number | undefined)?],
    private readonly failure?: FailureEvent,
  ) {}

  get marker(): string {
    return this.type;
  }

  get failureMarker(): string | undefined {
    return this.failure ? (this.failure.marker ?? this.failure.type) : undefined;
  }

  addLine(line: string): void {
    const e = parseEvent(line);
    if (this.failure && e?.type === this.failure.type) this.failed = this.failure.reason(e);
    if (e?.type !== this.type) return;
    this.failed = undefined;
    const [i, o, c] = this.extract(e);
    if (i !== undefined) this.input += i;
    if (o !== undefined) this.output += o;
    if (i !== undefined || o !== undefined) this.seen = true;
    if (c !== undefined) {
      this.cost += c;
      this.costSeen = true;
    }
  }

  finish(): UsageResult {
    // Rounded to 1e-9 dollars: a float sum prints 0.0123 + 0.004 as 0.016300000000000002.
    const cost: Array<[string, string]> = this.costSeen ? [[OutputKey.COST_USD, String(Number(this.cost.toFixed(9)))]] : [];
    const values = this.seen ? [...cost, ...tokens(this.input, this.output)] : cost;
    return this.failed === undefined ? { values } : { values, failure: this.failed };
  }
}
