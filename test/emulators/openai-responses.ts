/**
 * An OpenAI Responses API server for the Codex CLI: `POST <base>/responses`
 * answers with the scripted turn for the request's history (the runs of model
 * items — assistant messages, function and custom tool calls, reasoning — its
 * `input` holds), streamed as server-sent events (`response.created`, an
 * `output_item.added`/`done` pair per item with the text and argument deltas
 * between, `response.completed` with the token usage), and records every
 * request. A call whose input is a string is a custom (freeform) tool call,
 * as Codex's `apply_patch`; any other a function call. `GET <base>/models`
 * lists one model. `failNext` injects errors (503, a hung request); a wrong
 * key gets a 401.
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

export interface OpenAIResponsesEmulatorOptions {
  /** The turns: the n-th answers a request whose input holds n runs of model items. */
  readonly turns: readonly ScriptTurn[];
  /** The bearer key requests must carry. @default any key, or none */
  readonly apiKey?: string;
  readonly listen?: ListenOptions;
}

/** One item of a request's `input`. */
export interface InputItem {
  readonly type?: string;
  readonly role?: string;
  readonly [key: string]: unknown;
}

/** A tool call of the history and the output the CLI sent back for it. */
export interface CallExchange {
  readonly name: string;
  /** The parsed arguments of a function call, or the input of a custom tool call. */
  readonly input: unknown;
  readonly output: string;
}

/** The 503 the API answers when it is overloaded. */
export const SERVICE_UNAVAILABLE: Fault = {
  status: 503,
  body: { error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null } },
};

const MODEL_ITEMS = new Set(['function_call', 'custom_tool_call', 'reasoning', 'local_shell_call', 'web_search_call']);

function isModelItem(i: InputItem): boolean {
  return MODEL_ITEMS.has(String(i.type)) || (i.type === 'message' && i.role === 'assistant');
}

/** How many model turns an input holds: the runs of consecutive model items. */
export function modelTurns(input: readonly InputItem[]): number {
  let turns = 0;
  let inRun = false;
  for (const item of input) {
    const model = isModelItem(item);
    if (model && !inRun) turns++;
    inRun = model;
  }
  return turns;
}

/**
 * A scripted call's name for a tool inside a namespace (Codex offers an MCP
 * server's tools as namespace `mcp__<server>`): the call goes out as a
 * `function_call` with that `namespace` and the bare `name`.
 */
export const namespaced = (namespace: string, name: string): string => `${namespace}.${name}`;

function splitName(name: string): { namespace?: string; name: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { name } : { namespace: name.slice(0, dot), name: name.slice(dot + 1) };
}

/** The names a request offers, namespaced tools included (bare and as `namespaced(ns, name)`). */
function offeredTools(body: unknown): string[] {
  const names: string[] = [];
  const walk = (tools: unknown, namespace?: string) => {
    if (!Array.isArray(tools)) return;
    for (const t of tools as Array<{ type?: unknown; name?: unknown; tools?: unknown }>) {
      if (typeof t.name === 'string') names.push(t.name);
      if (typeof t.name === 'string' && namespace) names.push(namespaced(namespace, t.name));
      walk(t.tools, t.type === 'namespace' && typeof t.name === 'string' ? t.name : undefined);
    }
  };
  walk((body as { tools?: unknown } | undefined)?.tools);
  return names;
}

export class OpenAIResponsesEmulator extends ScriptedModelServer {
  private constructor(private readonly options: OpenAIResponsesEmulatorOptions) {
    super(options.turns, SERVICE_UNAVAILABLE);
  }

  static start(options: OpenAIResponsesEmulatorOptions): Promise<OpenAIResponsesEmulator> {
    return new OpenAIResponsesEmulator(options).listen(options.listen);
  }

  /** The base URL with the API version: `<url>/v1`. */
  get baseUrl(): string {
    return `${this.server.url}/v1`;
  }

  /** The `POST /v1/responses` requests. */
  responseRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/responses'));
  }

  /** Every input text of the longest history (developer, user and assistant messages). */
  inputTexts(role?: string): string[] {
    return this.longestInput()
      .filter((i) => i.type === 'message' && (!role || i.role === role))
      .flatMap((i) => (Array.isArray(i.content) ? (i.content as Array<{ text?: string }>).map((c) => c.text ?? '') : [String(i.content ?? '')]));
  }

  /** The tool calls of the longest history received, each with its output. */
  callExchanges(): CallExchange[] {
    const input = this.longestInput();
    const outputs = new Map<string, string>();
    for (const i of input) {
      if (i.type === 'function_call_output' || i.type === 'custom_tool_call_output') outputs.set(String(i.call_id), outputText(i.output));
    }
    return input
      .filter((i) => i.type === 'function_call' || i.type === 'custom_tool_call')
      .map((i) => ({
        name: typeof i.namespace === 'string' ? namespaced(i.namespace, String(i.name)) : String(i.name),
        input: i.type === 'function_call' ? safeParse(String(i.arguments)) : i.input,
        output: outputs.get(String(i.call_id)) ?? '',
      }));
  }

  private longestInput(): InputItem[] {
    return this.responseRequests()
      .map((r) => (r.body as { input?: InputItem[] } | undefined)?.input ?? [])
      .reduce<InputItem[]>((a, b) => (b.length > a.length ? b : a), []);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readJson(req);
    const record = (answer: RecordedRequest['answer']) => this.script.record(req, url, body, answer);
    const authorized = this.options.apiKey === undefined || req.headers.authorization === `Bearer ${this.options.apiKey}`;
    if (!authorized) {
      record('error');
      return sendJson(res, 401, {
        error: {
          message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    if (req.method === 'GET' && url.pathname.endsWith('/models')) {
      record('aux');
      const model = { id: 'gpt-5.5', object: 'model', created: 0, owned_by: 'emulator' };
      return sendJson(res, 200, { object: 'list', data: [model], models: [] });
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/responses')) {
      record('error');
      return sendJson(res, 404, { error: { message: `${req.method} ${url.pathname} is not served here`, type: 'invalid_request_error' } });
    }
    const request = body as { model?: unknown; input?: unknown } | undefined;
    if (typeof request?.model !== 'string' || !Array.isArray(request.input)) {
      record('error');
      return sendJson(res, 400, { error: { message: 'a request needs "model" and "input"', type: 'invalid_request_error' } });
    }
    const fault = this.script.takeFault();
    if (fault) {
      record('fault');
      if (fault.delayMs) await this.server.delay(fault.delayMs);
      return sendJson(res, fault.status, fault.body ?? SERVICE_UNAVAILABLE.body);
    }
    const picked = this.script.turn(modelTurns(request.input as InputItem[]));
    if ('error' in picked) {
      record('error');
      return sendJson(res, 400, { error: { message: picked.error, type: 'invalid_request_error' } });
    }
    const offered = offeredTools(body);
    const missing = missingTools(picked.turn, offered);
    if (missing.length) {
      record('error');
      return sendJson(res, 400, { error: { message: missingToolsMessage(missing, offered), type: 'invalid_request_error' } });
    }
    record(picked.index);
    this.stream(res, request.model, picked.index, picked.turn);
  }

  private stream(res: ServerResponse, model: string, index: number, turn: ScriptTurn): void {
    const id = `resp_emu_${this.requests.length}`;
    const items: Array<Record<string, unknown>> = [];
    if (turn.text) {
      items.push({
        type: 'message',
        id: `msg_emu_${index}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: turn.text, annotations: [] }],
      });
    }
    (turn.calls ?? []).forEach((c, i) => {
      const callId = `call_emu_${index}_${i}`;
      items.push(
        typeof c.input === 'string'
          ? { type: 'custom_tool_call', id: `ctc_emu_${index}_${i}`, status: 'completed', call_id: callId, name: c.name, input: c.input }
          : {
              type: 'function_call',
              id: `fc_emu_${index}_${i}`,
              status: 'completed',
              call_id: callId,
              ...splitName(c.name),
              arguments: JSON.stringify(c.input),
            },
      );
    });
    const u = turn.usage ?? DEFAULT_USAGE;
    const usage = {
      input_tokens: u.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: u.input + u.output,
    };
    const response = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] as unknown[] };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let seq = 0;
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    send('response.created', { response });
    send('response.in_progress', { response });
    items.forEach((item, output_index) => {
      if (item.type === 'message') {
        const text = turn.text!;
        send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
        send('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
        send('response.output_text.delta', { item_id: item.id, output_index, content_index: 0, delta: text });
        send('response.output_text.done', { item_id: item.id, output_index, content_index: 0, text });
        send('response.content_part.done', { item_id: item.id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
      } else if (item.type === 'function_call') {
        send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
        send('response.function_call_arguments.delta', { item_id: item.id, output_index, delta: item.arguments });
        send('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments });
      } else {
        send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', input: '' } });
        send('response.custom_tool_call_input.delta', { item_id: item.id, output_index, delta: item.input });
        send('response.custom_tool_call_input.done', { item_id: item.id, output_index, input: item.input });
      }
      send('response.output_item.done', { output_index, item });
    });
    send('response.completed', { response: { ...response, status: 'completed', output: items, usage } });
    res.end();
  }
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.map((o: { text?: string }) => o.text ?? '').join('\n');
  const o = output as { content?: unknown } | undefined;
  return o && typeof o.content === 'string' ? o.content : JSON.stringify(output ?? '');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
