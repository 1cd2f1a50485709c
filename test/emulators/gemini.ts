/**
 * A Gemini API server for the Gemini CLI: `POST /v1beta/models/<model>:streamGenerateContent`
 * answers with the scripted turn for the request's history (the `model`
 * contents it holds) — text and `functionCall` parts, as server-sent events —
 * with `usageMetadata`, and records every request. The CLI's side requests
 * (`:generateContent` without streaming: routing, next-speaker and loop
 * checks) get a JSON answer that says "the user speaks next, nothing is
 * wrong" and leave the script where it was; `:countTokens` a count.
 * `failNext` injects errors (503 overloaded, a hung request); a wrong key
 * gets the API's 400 `API_KEY_INVALID`.
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

export interface GeminiEmulatorOptions {
  /** The turns: the n-th answers a request whose history holds n `model` contents. */
  readonly turns: readonly ScriptTurn[];
  /** The key requests must carry (`x-goog-api-key` or `?key=`). @default any key, or none */
  readonly apiKey?: string;
  readonly listen?: ListenOptions;
}

/** One content of a request. */
export interface Content {
  readonly role?: string;
  readonly parts?: ReadonlyArray<{
    readonly text?: string;
    readonly functionCall?: { name: string; args?: unknown };
    readonly functionResponse?: { name: string; response?: unknown };
  }>;
}

/** A function call of the history and the response the CLI sent back for it. */
export interface FunctionExchange {
  readonly name: string;
  readonly args: unknown;
  /** The response object, as JSON. */
  readonly response: string;
}

/** The 503 the API answers when the model is overloaded. */
export const MODEL_OVERLOADED: Fault = {
  status: 503,
  body: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } },
};

/** What the API answers for a key it does not know. */
export const API_KEY_INVALID = {
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ],
  },
};

/** One JSON answer for every side request's schema: routing, next speaker, loop detection. */
const SIDE_ANSWER = JSON.stringify({
  reasoning: 'scripted emulator',
  next_speaker: 'user',
  complexity_reasoning: 'scripted emulator',
  complexity_score: 10,
  model_choice: 'flash',
  unproductive_state_analysis: 'none',
  unproductive_state_confidence: 0,
  confidence: 0,
});

function offeredTools(body: unknown): string[] {
  const tools = (body as { tools?: Array<{ functionDeclarations?: Array<{ name?: unknown }> }> } | undefined)?.tools;
  return Array.isArray(tools) ? tools.flatMap((t) => (t.functionDeclarations ?? []).map((f) => String(f.name))) : [];
}

export class GeminiEmulator extends ScriptedModelServer {
  private constructor(private readonly options: GeminiEmulatorOptions) {
    super(options.turns, MODEL_OVERLOADED);
  }

  static start(options: GeminiEmulatorOptions): Promise<GeminiEmulator> {
    return new GeminiEmulator(options).listen(options.listen);
  }

  /** The base URL (GOOGLE_GEMINI_BASE_URL). */
  get url(): string {
    return this.server.url;
  }

  /** The `:streamGenerateContent` requests: the agent's own turns. */
  agentRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(':streamGenerateContent'));
  }

  /** The system instruction of the last agent request. */
  systemInstruction(): string {
    const body = this.agentRequests().at(-1)?.body as { systemInstruction?: Content } | undefined;
    return (body?.systemInstruction?.parts ?? []).map((p) => p.text ?? '').join('\n');
  }

  /** Every text part of the user contents of the longest history. */
  userTexts(): string[] {
    return this.longestHistory()
      .filter((c) => c.role === 'user')
      .flatMap((c) => (c.parts ?? []).filter((p) => typeof p.text === 'string').map((p) => p.text!));
  }

  /** The function calls of the longest history, each with its response. */
  functionExchanges(): FunctionExchange[] {
    const history = this.longestHistory();
    const calls = history.flatMap((c) => (c.role === 'model' ? (c.parts ?? []).flatMap((p) => (p.functionCall ? [p.functionCall] : [])) : []));
    const responses = history.flatMap((c) => (c.role === 'user' ? (c.parts ?? []).flatMap((p) => (p.functionResponse ? [p.functionResponse] : [])) : []));
    return calls.map((call, i) => ({ name: call.name, args: call.args, response: JSON.stringify(responses[i]?.response ?? null) }));
  }

  private longestHistory(): Content[] {
    return this.agentRequests()
      .map((r) => (r.body as { contents?: Content[] } | undefined)?.contents ?? [])
      .reduce<Content[]>((a, b) => (b.length > a.length ? b : a), []);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readJson(req);
    const record = (answer: RecordedRequest['answer']) => this.script.record(req, url, body, answer);
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined;
    if (this.options.apiKey !== undefined && key !== this.options.apiKey) {
      record('error');
      return sendJson(res, 400, API_KEY_INVALID);
    }
    const m = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) {
      record('error');
      return sendJson(res, 404, { error: { code: 404, message: `${req.method} ${url.pathname} is not served here`, status: 'NOT_FOUND' } });
    }
    const [, model, method] = m;
    if (method === 'countTokens') {
      record('aux');
      return sendJson(res, 200, { totalTokens: 100 });
    }
    const contents = (body as { contents?: Content[] } | undefined)?.contents;
    if (!Array.isArray(contents)) {
      record('error');
      return sendJson(res, 400, { error: { code: 400, message: 'a request needs "contents"', status: 'INVALID_ARGUMENT' } });
    }
    if (method === 'generateContent') {
      record('aux');
      return sendJson(res, 200, this.chunk(model!, { text: SIDE_ANSWER }, true));
    }
    const fault = this.script.takeFault();
    if (fault) {
      record('fault');
      if (fault.delayMs) await this.server.delay(fault.delayMs);
      return sendJson(res, fault.status, fault.body ?? MODEL_OVERLOADED.body);
    }
    const picked = this.script.turn(contents.filter((c) => c.role === 'model').length);
    if ('error' in picked) {
      record('error');
      return sendJson(res, 400, { error: { code: 400, message: picked.error, status: 'INVALID_ARGUMENT' } });
    }
    const offered = offeredTools(body);
    const missing = missingTools(picked.turn, offered);
    if (missing.length) {
      record('error');
      return sendJson(res, 400, { error: { code: 400, message: missingToolsMessage(missing, offered), status: 'INVALID_ARGUMENT' } });
    }
    record(picked.index);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(this.chunk(model!, picked.turn, true))}\r\n\r\n`);
    res.end();
  }

  /** One response chunk: the turn's parts, the finish reason and the usage. */
  private chunk(model: string, turn: ScriptTurn, last: boolean): object {
    const parts: object[] = [];
    if (turn.text) parts.push({ text: turn.text });
    for (const c of turn.calls ?? []) parts.push({ functionCall: { name: c.name, args: c.input } });
    const u = turn.usage ?? DEFAULT_USAGE;
    return {
      candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
      usageMetadata: { promptTokenCount: u.input, candidatesTokenCount: u.output, totalTokenCount: u.input + u.output },
      modelVersion: model,
      responseId: `emu-${this.requests.length}`,
    };
  }
}
