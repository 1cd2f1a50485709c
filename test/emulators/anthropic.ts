/**
 * An Anthropic Messages API server on loopback, enough for an agent CLI's
 * headless run: `POST /v1/messages` answers each request with the next turn of
 * a script — streamed as server-sent events when the request asks for
 * `stream: true`, else as one JSON message — with its token usage, and records
 * every request. A turn is a list of content blocks; text is the one block
 * type so far.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readBody } from './_http.js';

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

/** What an assistant turn holds. */
export type ContentBlock = TextBlock;

export interface Turn {
  readonly content: readonly ContentBlock[];
  /** @default 'end_turn' */
  readonly stopReason?: string;
  /** @default { input_tokens: 10, output_tokens: 5 } */
  readonly usage?: { readonly input_tokens: number; readonly output_tokens: number };
}

export interface AnthropicEmulatorOptions {
  /** The turns to answer with, one per `POST /v1/messages`, in order. */
  readonly turns: readonly Turn[];
  /** The key requests must carry (`x-api-key`, or `Authorization: Bearer`). @default any key, or none */
  readonly apiKey?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The JSON body, or undefined when there was none or it was not JSON. */
  readonly body: unknown;
}

/** One message of a Messages API request. */
export interface RequestMessage {
  readonly role: string;
  readonly content: string | ReadonlyArray<{ readonly type: string; readonly text?: string }>;
}

const DEFAULT_USAGE = { input_tokens: 10, output_tokens: 5 };

export class AnthropicEmulator {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private next = 0;
  private ids = 0;

  private constructor(
    private readonly server: LoopbackServer,
    private readonly options: AnthropicEmulatorOptions,
  ) {}

  static async start(options: AnthropicEmulatorOptions): Promise<AnthropicEmulator> {
    const ref: { current?: AnthropicEmulator } = {};
    const server = await LoopbackServer.listen((req, res) => ref.current!.handle(req, res));
    ref.current = new AnthropicEmulator(server, options);
    return ref.current;
  }

  /** The base URL (ANTHROPIC_BASE_URL). */
  get url(): string {
    return this.server.url;
  }

  /** How many scripted turns have not been served. */
  get remaining(): number {
    return this.options.turns.length - this.next;
  }

  /** The `messages` of each `POST /v1/messages` request, in order. */
  messageRequests(): RequestMessage[][] {
    return this.requests
      .filter((r) => r.method === 'POST' && r.path === '/v1/messages')
      .map((r) => ((r.body as { messages?: RequestMessage[] } | undefined)?.messages ?? []));
  }

  /** The text blocks of every user message received, in order. */
  userTexts(): string[] {
    return this.messageRequests().flatMap((messages) =>
      messages
        .filter((m) => m.role === 'user')
        .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.filter((b) => b.type === 'text').map((b) => b.text ?? ''))),
    );
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });

    if (req.method !== 'POST' || path !== '/v1/messages') return error(res, 404, 'not_found_error', `${req.method} ${path} is not served here`);
    if (this.options.apiKey !== undefined && keyOf(req) !== this.options.apiKey) {
      return error(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    const request = body as { model?: unknown; messages?: unknown; stream?: unknown } | undefined;
    if (typeof request?.model !== 'string' || !Array.isArray(request.messages)) {
      return error(res, 400, 'invalid_request_error', 'a request needs "model" and "messages"');
    }
    const turn = this.options.turns[this.next];
    if (!turn) return error(res, 400, 'invalid_request_error', `no scripted turn left (${this.options.turns.length} served)`);
    this.next++;
    const message = {
      id: `msg_emu_${++this.ids}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      stop_reason: turn.stopReason ?? 'end_turn',
      stop_sequence: null,
      usage: turn.usage ?? DEFAULT_USAGE,
    };
    if (request.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...message, content: turn.content }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const usage = turn.usage ?? DEFAULT_USAGE;
    send('message_start', {
      message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } },
    });
    turn.content.forEach((block, index) => {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
      send('content_block_stop', { index });
    });
    send('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send('message_stop', {});
    res.end();
  }
}

function keyOf(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}
