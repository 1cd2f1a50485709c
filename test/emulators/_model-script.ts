/**
 * What the scripted model servers share: a script of turns, picked by how
 * many model turns the request's history already holds (so a retried request
 * gets the same turn again, and a side request of the CLI does not move the
 * script on), injected faults, and the record of every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ListenOptions, LoopbackServer, readBody } from './_http.js';

/** A tool call a scripted turn makes, in the CLI's own tool vocabulary. */
export interface ToolCall {
  /** The tool's name as the request offers it (`Bash`, `exec_command`, `run_shell_command`, `mcp__docs__lookup`…). */
  readonly name: string;
  /** The arguments: an object, or a string for a freeform tool (Codex's `apply_patch`). */
  readonly input: unknown;
}

/** One answer of the model. */
export interface ScriptTurn {
  readonly text?: string;
  readonly calls?: readonly ToolCall[];
  /** Token usage reported with the answer. @default { input: 10, output: 5 } */
  readonly usage?: { readonly input: number; readonly output: number };
}

export const DEFAULT_USAGE = { input: 10, output: 5 } as const;

/** An error answer injected before the script goes on. */
export interface Fault {
  readonly status: number;
  /** The JSON body; each server has its vendor's default. */
  readonly body?: unknown;
  /** Hold the request this long before answering (a hung API). @default 0 */
  readonly delayMs?: number;
  /** More response headers (`retry-after`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RecordedRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** The JSON body, or undefined when there was none or it was not JSON. */
  readonly body: unknown;
  /** Which scripted turn answered it, `aux` for a side request, `fault` for an injected error. */
  readonly answer?: number | 'aux' | 'fault' | 'error';
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The turns, the faults and the record of a scripted server. */
export class Script<T = ScriptTurn> {
  readonly requests: RecordedRequest[] = [];
  private readonly served = new Set<number>();
  private faults: Fault[] = [];

  constructor(readonly turns: readonly T[]) {}

  /** Turns never served. */
  get remaining(): number {
    return this.turns.length - this.served.size;
  }

  /** The next `count` model requests get `fault` instead of an answer. */
  failNext(fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Faults not served yet. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  takeFault(): Fault | undefined {
    return this.faults.shift();
  }

  /** The turn for a request whose history holds `history` model turns, or an error message. */
  turn(history: number): { index: number; turn: T } | { error: string } {
    const turn = this.turns[history];
    if (!turn) return { error: `no scripted turn left: the history holds ${history} model turns and the script ${this.turns.length}` };
    this.served.add(history);
    return { index: history, turn };
  }

  record(req: IncomingMessage, url: URL, body: unknown, answer: RecordedRequest['answer']): void {
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, answer });
  }
}

/** The names of tools a scripted turn calls that the request does not offer. */
export function missingTools(turn: ScriptTurn, offered: readonly string[]): string[] {
  return (turn.calls ?? []).map((c) => c.name).filter((n) => !offered.includes(n));
}

/** A message saying which scripted tools a request lacks, and what it offers. */
export function missingToolsMessage(missing: readonly string[], offered: readonly string[]): string {
  return `the scripted turn calls ${missing.join(', ')}, which this request does not offer (it offers: ${offered.join(', ') || 'no tools'})`;
}

/**
 * A scripted model server: its loopback server, script and the accessors the
 * tests read. A vendor's server says how it answers (`handle`) and which fault
 * `failNext` injects by default.
 */
export abstract class ScriptedModelServer<T = ScriptTurn> {
  protected readonly script: Script<T>;
  protected server!: LoopbackServer;

  protected constructor(
    turns: readonly T[],
    private readonly defaultFault: Fault,
  ) {
    this.script = new Script(turns);
  }

  /** Starts serving `handle` (on loopback unless `listen` says otherwise). */
  protected async listen(listen?: ListenOptions): Promise<this> {
    this.server = await LoopbackServer.listen((req, res) => this.handle(req, res), listen);
    return this;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Every request received, in order. */
  get requests(): readonly RecordedRequest[] {
    return this.script.requests;
  }

  /** How many scripted turns have not been served. */
  get remaining(): number {
    return this.script.remaining;
  }

  /** Faults not served yet. */
  get pendingFaults(): number {
    return this.script.pendingFaults;
  }

  /** The next `count` model requests get `fault` (default: the vendor's overloaded or unavailable answer). */
  failNext(count = 1, fault: Fault = this.defaultFault): void {
    this.script.failNext(fault, count);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
