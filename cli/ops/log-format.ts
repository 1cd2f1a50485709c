// Reading an agent's JSON stream for people: each agent type's definition
// (lib/agents) formats its own events — what the agent says to stdout, tool
// calls and status to stderr — and every line that is not an event of the
// agent's stream is printed as it is (the outputs block, shell output of
// custom images).
import { agentDefinition } from '../../lib/agents/registry.js';
import type { Printed, StreamEvent, StreamFormatter } from '../../lib/agents/stream-format.js';

export type { Printed } from '../../lib/agents/stream-format.js';

function parse(line: string): StreamEvent | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as StreamEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** Formats one agent's log, line by line. */
export class AgentLogFormatter {
  private readonly formatter: StreamFormatter | undefined;

  constructor(agentType: string | undefined) {
    this.formatter = agentType ? agentDefinition(agentType)?.streamFormatter() : undefined;
  }

  line(raw: string): Printed[] {
    const e = parse(raw);
    const out = e && typeof e.type === 'string' ? this.formatter?.event(e) : undefined;
    if (out) return out;
    // Not an event of this agent's stream: as it is (what the formatter held back first).
    return [...this.flush(), { stream: 'stdout', text: raw }];
  }

  /** What is still held back (Gemini's streamed text) at the end of the log. */
  flush(): Printed[] {
    return this.formatter?.flush() ?? [];
  }
}

/** Formats a whole log (for tests and non-following reads). */
export function formatAgentLog(agentType: string | undefined, log: string): Printed[] {
  const f = new AgentLogFormatter(agentType);
  const lines = log.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return [...lines.flatMap((l) => f.line(l)), ...f.flush()];
}
