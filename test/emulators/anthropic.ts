/**
 * An Anthropic Messages API server for an agent CLI's headless run (Claude
 * Code; OpenCode with its Anthropic provider): `POST /v1/messages` answers
 * with the scripted turn for the request's history (the number of assistant
 * messages it holds) — text and `tool_use` blocks, streamed as server-sent
 * events when the request asks for `stream: true`, else one JSON message —
 * with its token usage, and records every request. A request that offers no
 * tools (a title or summary the CLI asks for on the side) gets a short text
 * and leaves the script where it was. `failNext` injects errors (529
 * overloaded, a hung request); a wrong key gets a 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListenOptions } from './_http.js';
import {
  DEFAULT_USAGE,
  type Fault,
  missingTools,
  missingToolsMessage,
  type RecordedRequest,
  readJson,
  ScriptedModelServer,
  type ScriptTurn,
  sendJson,
} from './_model-script.js';

export type { RecordedRequest } from './_model-script.js';

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface ToolUseBlock {
  readonly type: 'tool_use';
  readonly name: string;
  readonly input: unknown;
}

/** What an assistant turn holds. */
export type ContentBlock = TextBlock | ToolUseBlock;

/** A turn in the Messages API's own shape. */
export interface Turn {
  readonly content: readonly ContentBlock[];
  /** @default 'tool_use' when the turn calls a tool, else 'end_turn' */
  readonly stopReason?: string;
  /** @default { input_tokens: 10, output_tokens: 5 } */
  readonly usage?: { readonly input_tokens: number; readonly output_tokens: number };
}

export interface AnthropicEmulatorOptions {
  /** The turns: the n-th answers a request whose history holds n assistant messages. */
  readonly turns: ReadonlyArray<Turn | ScriptTurn>;
  /** The key requests must carry (`x-api-key`, or `Authorization: Bearer`). @default any key, or none */
  readonly apiKey?: string;
  /** Where to listen. @default 127.0.0.1, any port */
  readonly listen?: ListenOptions;
  /**
   * Whether a request that offers no tools is a side request (a title, a
   * summary), answered with `sideAnswer` outside the script. @default true
   */
  readonly sideRequests?: boolean;
  /** The answer to a side request. @default 'OK' */
  readonly sideAnswer?: string;
}

/** One message of a Messages API request. */
export interface RequestMessage {
  readonly role: string;
  readonly content: string | ReadonlyArray<{ readonly type: string; readonly text?: string; readonly [key: string]: unknown }>;
}

/** A tool call of the history and the result the CLI sent back for it. */
export interface ToolExchange {
  readonly name: string;
  readonly input: unknown;
  /** The result's text (text blocks joined). */
  readonly result: string;
  readonly isError: boolean;
}

interface Normalized {
  readonly blocks: readonly ContentBlock[];
  readonly stopReason: string;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
}

function normalize(t: Turn | ScriptTurn): Normalized {
  if ('content' in t) {
    const calls = t.content.some((b) => b.type === 'tool_use');
    return { blocks: t.content, stopReason: t.stopReason ?? (calls ? 'tool_use' : 'end_turn'), usage: t.usage ?? { input_tokens: 10, output_tokens: 5 } };
  }
  const blocks: ContentBlock[] = [];
  if (t.text) blocks.push({ type: 'text', text: t.text });
  for (const c of t.calls ?? []) blocks.push({ type: 'tool_use', name: c.name, input: c.input });
  const u = t.usage ?? DEFAULT_USAGE;
  return { blocks, stopReason: t.calls?.length ? 'tool_use' : 'end_turn', usage: { input_tokens: u.input, output_tokens: u.output } };
}

/** The 529 the Messages API answers when it is overloaded. */
export const OVERLOADED: Fault = { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };

export class AnthropicEmulator extends ScriptedModelServer<Turn | ScriptTurn> {
  private constructor(private readonly options: AnthropicEmulatorOptions) {
    super(options.turns, OVERLOADED);
  }

  static start(options: AnthropicEmulatorOptions): Promise<AnthropicEmulator> {
    return new AnthropicEmulator(options).listen(options.listen);
  }

  /** The base URL (ANTHROPIC_BASE_URL; `<url>/v1` for SDKs that want the version in it). */
  get url(): string {
    return this.server.url;
  }

  /** The `POST /v1/messages` requests that offered tools: the agent's own turns. */
  agentRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages' && offeredTools(r.body).length > 0);
  }

  /** The `messages` of each `POST /v1/messages` request, in order. */
  messageRequests(): RequestMessage[][] {
    return this.requests
      .filter((r) => r.method === 'POST' && r.path === '/v1/messages')
      .map((r) => (r.body as { messages?: RequestMessage[] } | undefined)?.messages ?? []);
  }

  /** The text blocks of every user message received, in order. */
  userTexts(): string[] {
    return this.messageRequests().flatMap((messages) =>
      messages
        .filter((m) => m.role === 'user')
        .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.filter((b) => b.type === 'text').map((b) => b.text ?? ''))),
    );
  }

  /** The system prompt of the last agent request, its text blocks joined. */
  systemPrompt(): string {
    const body = this.agentRequests().at(-1)?.body as { system?: string | Array<{ text?: string }> } | undefined;
    const system = body?.system;
    return typeof system === 'string' ? system : (system ?? []).map((b) => b.text ?? '').join('\n');
  }

  /** The tool calls of the longest history received, each with its result. */
  toolExchanges(): ToolExchange[] {
    const longest = this.agentRequests()
      .map((r) => (r.body as { messages?: RequestMessage[] }).messages ?? [])
      .reduce<RequestMessage[]>((a, b) => (b.length > a.length ? b : a), []);
    const calls = new Map<string, { name: string; input: unknown }>();
    const out: ToolExchange[] = [];
    for (const m of longest) {
      if (typeof m.content === 'string') continue;
      for (const b of m.content) {
        if (m.role === 'assistant' && b.type === 'tool_use') calls.set(String(b.id), { name: String(b.name), input: b.input });
        if (m.role === 'user' && b.type === 'tool_result') {
          const call = calls.get(String(b.tool_use_id));
          if (call) out.push({ ...call, result: resultText(b.content), isError: b.is_error === true });
        }
      }
    }
    return out;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readJson(req);
    const record = (answer: RecordedRequest['answer']) => this.script.record(req, url, body, answer);

    if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      record('aux');
      return sendJson(res, 200, { input_tokens: 100 });
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
      record('error');
      return error(res, 404, 'not_found_error', `${req.method} ${url.pathname} is not served here`);
    }
    if (this.options.apiKey !== undefined && keyOf(req) !== this.options.apiKey) {
      record('error');
      return error(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    const request = body as { model?: unknown; messages?: unknown; stream?: unknown } | undefined;
    if (typeof request?.model !== 'string' || !Array.isArray(request.messages)) {
      record('error');
      return error(res, 400, 'invalid_request_error', 'a request needs "model" and "messages"');
    }
    const fault = this.script.takeFault();
    if (fault) {
      record('fault');
      if (fault.delayMs) await this.server.delay(fault.delayMs);
      return sendJson(res, fault.status, fault.body ?? OVERLOADED.body, fault.headers);
    }
    const offered = offeredTools(body);
    let turn: Normalized;
    let index: number | 'aux';
    if (offered.length === 0 && this.options.sideRequests !== false) {
      index = 'aux';
      turn = normalize({ text: this.options.sideAnswer ?? 'OK' });
    } else {
      const history = (request.messages as RequestMessage[]).filter((m) => m.role === 'assistant').length;
      const picked = this.script.turn(history);
      if ('error' in picked) {
        record('error');
        return error(res, 400, 'invalid_request_error', picked.error);
      }
      index = picked.index;
      turn = normalize(picked.turn);
      const calls = turn.blocks.filter((b): b is ToolUseBlock => b.type === 'tool_use').map((b) => ({ name: b.name, input: b.input }));
      const missing = missingTools({ calls }, offered);
      if (missing.length) {
        record('error');
        return error(res, 400, 'invalid_request_error', missingToolsMessage(missing, offered));
      }
    }
    record(index);
    const idOf = (block: number) => `toolu_emu_${index}_${block}`;
    const message = {
      id: `msg_emu_${this.requests.length}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      stop_reason: turn.stopReason,
      stop_sequence: null,
      usage: turn.usage,
    };
    const blocks = turn.blocks.map((b, i) => (b.type === 'tool_use' ? { type: 'tool_use', id: idOf(i), name: b.name, input: b.input } : b));
    if (request.stream !== true) return sendJson(res, 200, { ...message, content: blocks });

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    send('message_start', {
      message: { ...message, content: [], stop_reason: null, usage: { input_tokens: turn.usage.input_tokens, output_tokens: 1 } },
    });
    turn.blocks.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { index, content_block: { type: 'text', text: '' } });
        send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
      } else {
        send('content_block_start', { index, content_block: { type: 'tool_use', id: idOf(index), name: block.name, input: {} } });
        send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      }
      send('content_block_stop', { index });
    });
    send('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: turn.usage.output_tokens } });
    send('message_stop', {});
    res.end();
  }
}

/** The names of the tools a Messages request offers. */
function offeredTools(body: unknown): string[] {
  const tools = (body as { tools?: Array<{ name?: unknown }> } | undefined)?.tools;
  return Array.isArray(tools) ? tools.map((t) => String(t.name)) : [];
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: { type?: string; text?: string }) => (b.type === 'text' ? (b.text ?? '') : '')).join('\n');
}

function keyOf(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } });
}
