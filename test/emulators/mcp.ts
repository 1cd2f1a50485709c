/**
 * A small MCP server over the Streamable HTTP transport, for an agent CLI to
 * reach as an AgentConfig's `http` MCP server: `POST <path>` takes JSON-RPC
 * (`initialize`, `tools/list`, `tools/call`, `ping`, notifications) and
 * answers with one JSON body; there is no server-sent stream (`GET` is 405, as
 * the transport allows). Each tool answers its fixed text; every call is
 * recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ListenOptions, LoopbackServer } from './_http.js';
import { readJson, sendJson } from './_model-script.js';

export interface McpTool {
  readonly name: string;
  readonly description: string;
  /** What a call answers, as its one text content block. */
  readonly answer: string;
}

export interface McpToolCall {
  readonly name: string;
  readonly arguments: unknown;
}

export interface McpServerOptions {
  readonly tools: readonly McpTool[];
  /** The endpoint's path. @default '/mcp' */
  readonly path?: string;
  /** Where to listen. @default 127.0.0.1, any port */
  readonly listen?: ListenOptions;
}

interface JsonRpcRequest {
  readonly jsonrpc?: string;
  readonly id?: string | number | null;
  readonly method?: string;
  readonly params?: { readonly protocolVersion?: string; readonly name?: string; readonly arguments?: unknown };
}

const PROTOCOL_VERSION = '2025-06-18';

export class McpServer {
  /** Every JSON-RPC method received, in order. */
  readonly methods: string[] = [];
  /** Every `tools/call`, in order. */
  readonly calls: McpToolCall[] = [];
  private server!: LoopbackServer;

  private constructor(private readonly options: McpServerOptions) {}

  static async start(options: McpServerOptions): Promise<McpServer> {
    const s = new McpServer(options);
    s.server = await LoopbackServer.listen((req, res) => s.handle(req, res), options.listen);
    return s;
  }

  /** The endpoint's URL. */
  get url(): string {
    return `${this.server.url}${this.options.path ?? '/mcp'}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== (this.options.path ?? '/mcp')) return sendJson(res, 404, { error: `${url.pathname} is not served here` });
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' });
      return void res.end();
    }
    const body = await readJson(req);
    const batch = Array.isArray(body) ? (body as JsonRpcRequest[]) : [body as JsonRpcRequest];
    const answers = batch.map((m) => this.answer(m)).filter((a) => a !== undefined);
    if (answers.length === 0) {
      res.writeHead(202);
      return void res.end();
    }
    sendJson(res, 200, Array.isArray(body) ? answers : answers[0], { 'mcp-session-id': 'kelos-test' });
  }

  /** The JSON-RPC answer to `m`, or undefined for a notification. */
  private answer(m: JsonRpcRequest | undefined): object | undefined {
    if (!m || typeof m.method !== 'string') return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'not a JSON-RPC request' } };
    this.methods.push(m.method);
    if (m.id === undefined) return undefined;
    const ok = (result: object) => ({ jsonrpc: '2.0', id: m.id, result });
    switch (m.method) {
      case 'initialize':
        return ok({
          protocolVersion: m.params?.protocolVersion ?? PROTOCOL_VERSION,
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'kelos-test-mcp', version: '1.0.0' },
        });
      case 'ping':
        return ok({});
      case 'tools/list':
        return ok({
          tools: this.options.tools.map((t) => ({
            name: t.name,
            description: t.description,
            inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
          })),
        });
      case 'tools/call': {
        const tool = this.options.tools.find((t) => t.name === m.params?.name);
        if (!tool) return { jsonrpc: '2.0', id: m.id, error: { code: -32602, message: `no tool ${String(m.params?.name)}` } };
        this.calls.push({ name: tool.name, arguments: m.params?.arguments });
        return ok({ content: [{ type: 'text', text: tool.answer }], isError: false });
      }
      default:
        return { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: `method ${m.method} is not served here` } };
    }
  }
}
