// Reading an agent's JSON stream for people: what the agent says goes to
// stdout, tool calls and status to stderr, and every line that is not an
// event of the agent's stream is printed as it is (the outputs block, shell
// output of custom images).

export interface Printed {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

type Event = Record<string, any>;

const MAX_SUMMARY = 120;

function oneLine(text: string): string {
  const flat = text.replace(/\r?\n/g, '\\n');
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY)}...` : flat;
}

function parse(line: string): Event | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Event) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

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

const tool = (name: string, input?: unknown): Printed => {
  const s = toolSummary(input);
  return { stream: 'stderr', text: s ? `[tool] ${name}: ${s}` : `[tool] ${name}` };
};
const status = (text: string): Printed => ({ stream: 'stderr', text });
const say = (text: string): Printed[] => (text.trim() === '' ? [] : [{ stream: 'stdout', text: text.replace(/\n+$/, '') }]);

const money = (v: unknown) => (typeof v === 'number' ? `, $${v.toFixed(4)}` : '');

/** Claude Code (`--output-format stream-json`) and Cursor (`--output-format stream-json`) share this shape. */
function claudeLike(e: Event, state: { turns: number }): Printed[] | undefined {
  switch (e.type) {
    case 'system':
      return e.subtype === 'init' ? [status(`[init] model=${e.model ?? '?'}${e.cwd ? ` cwd=${e.cwd}` : ''}`)] : [];
    case 'assistant': {
      state.turns++;
      const out: Printed[] = [];
      for (const block of (e.message?.content ?? []) as Event[]) {
        if (block.type === 'text') out.push(...say(String(block.text ?? '')));
        else if (block.type === 'tool_use') out.push(tool(String(block.name ?? 'tool'), block.input));
        else if (block.type === 'thinking' && str(block.thinking)) out.push(status(`[thinking] ${oneLine(block.thinking)}`));
      }
      return out;
    }
    case 'user':
      return []; // the prompt and tool results: the agent's next message tells what they meant
    case 'tool_call': {
      // Cursor: {"tool_call": {"shellToolCall": {"args": {...}}}}
      if (e.subtype !== 'started') return [];
      const [kind, call] = Object.entries((e.tool_call ?? {}) as Record<string, Event>)[0] ?? [];
      if (!kind) return [];
      return [tool(kind.replace(/ToolCall$/, ''), call?.args)];
    }
    case 'result': {
      const ok = e.is_error !== true && (e.subtype === undefined || e.subtype === 'success');
      const turns = typeof e.num_turns === 'number' ? e.num_turns : state.turns;
      const out = [status(`[result] ${ok ? 'completed' : `error${e.subtype && e.subtype !== 'success' ? ` (${e.subtype})` : ''}`} (${turns} turns${money(e.total_cost_usd)})`)];
      if (!ok && str(e.result)) out.push(...say(e.result));
      return out;
    }
    default:
      return undefined;
  }
}

function codex(e: Event, started: Set<string>): Printed[] | undefined {
  switch (e.type) {
    case 'thread.started':
      return [status(`[init] thread=${e.thread_id ?? '?'}`)];
    case 'turn.started':
      return [];
    case 'turn.completed': {
      const u = e.usage ?? {};
      return [status(`[turn] completed (input ${u.input_tokens ?? 0} tokens, output ${u.output_tokens ?? 0} tokens)`)];
    }
    case 'turn.failed':
      return [status(`[turn] failed: ${e.error?.message ?? 'unknown error'}`)];
    case 'error':
      return [status(`[error] ${e.message ?? JSON.stringify(e)}`)];
    case 'item.started':
    case 'item.updated':
    case 'item.completed': {
      const item = (e.item ?? {}) as Event;
      const done = e.type === 'item.completed';
      switch (item.type) {
        case 'agent_message':
          return done ? say(String(item.text ?? '')) : [];
        case 'reasoning':
          return done && str(item.text) ? [status(`[thinking] ${oneLine(item.text)}`)] : [];
        case 'command_execution': {
          const call = tool('shell', { command: item.command });
          if (e.type === 'item.started') {
            started.add(String(item.id));
            return [call];
          }
          if (!done) return [];
          // A command may appear only when completed.
          const out = started.has(String(item.id)) ? [] : [call];
          if (item.exit_code !== null && item.exit_code !== undefined && item.exit_code !== 0) out.push(status(`[tool] shell exited ${item.exit_code}`));
          return out;
        }
        case 'file_change':
          return done ? ((item.changes ?? []) as Event[]).map((c) => status(`[edit] ${c.kind ?? 'update'} ${c.path}`)) : [];
        case 'mcp_tool_call':
          return e.type === 'item.started' ? [tool(`${item.server ?? 'mcp'}.${item.tool ?? '?'}`, item.arguments)] : [];
        case 'web_search':
          return e.type === 'item.started' ? [tool('web_search', { query: item.query })] : [];
        case 'todo_list':
          return [];
        case 'error':
          return [status(`[error] ${item.message ?? ''}`)];
        default:
          return [];
      }
    }
    default:
      return undefined;
  }
}

function gemini(e: Event, state: { pending: string }): Printed[] | undefined {
  const flush = (): Printed[] => {
    const text = state.pending;
    state.pending = '';
    return say(text);
  };
  if (e.type === 'message' && e.role === 'assistant') {
    if (e.delta === true) {
      state.pending += String(e.content ?? '');
      return [];
    }
    return [...flush(), ...say(String(e.content ?? ''))];
  }
  switch (e.type) {
    case 'init':
      return [...flush(), status(`[init] model=${e.model ?? '?'}`)];
    case 'message':
      return flush(); // the user's prompt
    case 'tool_use':
      return [...flush(), tool(String(e.tool_name ?? 'tool'), e.parameters)];
    case 'tool_result':
      return [...flush(), ...(e.status && e.status !== 'success' ? [status(`[tool] ${e.status}${e.output ? `: ${oneLine(String(e.output))}` : ''}`)] : [])];
    case 'error':
      return [...flush(), status(`[error] ${e.message ?? ''}`)];
    case 'result': {
      const s = e.stats ?? {};
      return [...flush(), status(`[result] ${e.status ?? 'done'}${typeof s.total_tokens === 'number' ? ` (${s.total_tokens} tokens)` : ''}`)];
    }
    default:
      return undefined;
  }
}

function opencode(e: Event, state: { cost: number }): Printed[] | undefined {
  const part = (e.part ?? {}) as Event;
  switch (e.type) {
    case 'step_start':
      return [];
    case 'text':
      return say(String(part.text ?? ''));
    case 'tool_use':
      return [tool(String(part.tool ?? 'tool'), part.state?.input)];
    case 'step_finish':
      if (typeof part.cost === 'number') state.cost += part.cost;
      return part.reason === 'stop' ? [status(`[result] completed ($${state.cost.toFixed(4)})`)] : [];
    case 'error':
      return [status(`[error] ${e.error?.data?.message ?? e.error?.message ?? e.message ?? ''}`)];
    default:
      return undefined;
  }
}

/** Formats one agent's log, line by line. */
export class AgentLogFormatter {
  private readonly claude = { turns: 0 };
  private readonly gem = { pending: '' };
  private readonly oc = { cost: 0 };
  private readonly codexStarted = new Set<string>();

  constructor(private readonly agentType: string | undefined) {}

  line(raw: string): Printed[] {
    const e = parse(raw);
    let out: Printed[] | undefined;
    if (e && typeof e.type === 'string') {
      switch (this.agentType) {
        case 'claude-code':
        case 'cursor':
          out = claudeLike(e, this.claude);
          break;
        case 'codex':
          out = codex(e, this.codexStarted);
          break;
        case 'gemini':
          out = gemini(e, this.gem);
          break;
        case 'opencode':
          out = opencode(e, this.oc);
          break;
      }
    }
    if (out) return out;
    // Not an event of this agent's stream: as it is (gemini's pending text first).
    const pending = this.flush();
    return [...pending, { stream: 'stdout', text: raw }];
  }

  /** What is still held back (Gemini's streamed text) at the end of the log. */
  flush(): Printed[] {
    if (this.gem.pending === '') return [];
    const text = this.gem.pending;
    this.gem.pending = '';
    return say(text);
  }
}

/** Formats a whole log (for tests and non-following reads). */
export function formatAgentLog(agentType: string | undefined, log: string): Printed[] {
  const f = new AgentLogFormatter(agentType);
  const lines = log.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return [...lines.flatMap((l) => f.line(l)), ...f.flush()];
}
