// The kit each agent module formats its JSON stream with, for people (`kelos
// logs`): what the agent says goes to stdout, tool calls and status to stderr.

export interface Printed {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** One JSON object of an agent's stream. */
export type StreamEvent = Readonly<Record<string, unknown>>;

/** Formats one agent's stream, event by event; it may keep state between events. */
export interface StreamFormatter {
  /** The lines for one event, or undefined when the event is not one of this agent's (it is printed as it is). */
  event(e: StreamEvent): Printed[] | undefined;
  /** What is still held back at the end of the log, or before a line that is not an event. */
  flush(): Printed[];
}

const MAX_SUMMARY = 120;

export function oneLine(text: string): string {
  const flat = text.replace(/\r?\n/g, '\\n');
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY)}...` : flat;
}

/** The value as an object, or an empty one. */
export function rec(v: unknown): StreamEvent {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as StreamEvent) : {};
}

/** The objects of a list; anything else is an empty list. */
export function list(v: unknown): StreamEvent[] {
  return Array.isArray(v) ? v.map(rec) : [];
}

/** A non-empty string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `String(v)`, with undefined and null as ''. */
export function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** The most telling argument of a tool call: the command, the file, the pattern, the URL… */
export function toolSummary(input: unknown): string | undefined {
  if (!input || typeof input !== 'object') return str(input);
  const o = input as Record<string, unknown>;
  for (const key of ['command', 'file_path', 'filePath', 'path', 'pattern', 'url', 'query', 'description', 'prompt']) {
    const v = o[key];
    if (typeof v === 'string' && v !== '') return oneLine(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return oneLine(v.join(' '));
  }
  return undefined;
}

export function tool(name: string, input?: unknown): Printed {
  const s = toolSummary(input);
  return { stream: 'stderr', text: s ? `[tool] ${name}: ${s}` : `[tool] ${name}` };
}

export function status(line: string): Printed {
  return { stream: 'stderr', text: line };
}

export function say(line: string): Printed[] {
  return line.trim() === '' ? [] : [{ stream: 'stdout', text: line.replace(/\n+$/, '') }];
}

/** `, $1.2345` for a number, else nothing. */
export function money(v: unknown): string {
  return typeof v === 'number' ? `, $${v.toFixed(4)}` : '';
}

/** A formatter without state between events. */
export function stateless(event: (e: StreamEvent) => Printed[] | undefined): StreamFormatter {
  return { event, flush: () => [] };
}
