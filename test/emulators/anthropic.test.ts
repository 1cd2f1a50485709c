import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicEmulator } from './anthropic.js';

let api: AnthropicEmulator | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const post = (body: object, headers: Record<string, string> = { 'x-api-key': 'sk-test' }) =>
  fetch(`${api!.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** An API error body. */
const apiError = async (res: Response) => ((await res.json()) as { error: { type: string; message: string } }).error;

const TOOLS = [{ name: 'Bash', input_schema: { type: 'object' } }];
const REQUEST = { model: 'claude-test', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };

/** The events of a server-sent event stream, each as `[event, data]`. */
function events(text: string): Array<[string, { type: string } & Record<string, unknown>]> {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)![1]!;
      return [event, JSON.parse(/^data: (.*)$/m.exec(chunk)![1]!)];
    });
}

describe('Anthropic Messages API emulator', () => {
  it('streams the scripted turn with its usage, and records the request', async () => {
    api = await AnthropicEmulator.start({
      apiKey: 'sk-test',
      turns: [{ content: [{ type: 'text', text: 'Hi there.' }], usage: { input_tokens: 42, output_tokens: 7 } }],
    });
    const res = await post({ ...REQUEST, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const stream = events(await res.text());
    expect(stream.map(([e]) => e)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(stream.every(([e, data]) => data.type === e)).toBe(true);
    expect(stream[0]![1]).toMatchObject({ message: { role: 'assistant', model: 'claude-test', usage: { input_tokens: 42 } } });
    expect(stream[2]![1]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi there.' } });
    expect(stream[4]![1]).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
    expect(api.remaining).toBe(0);
    expect(api.requests).toMatchObject([{ method: 'POST', path: '/v1/messages', answer: 0 }]);
    expect(api.userTexts()).toEqual(['Hello']);
  });

  it('streams a tool call as input_json_delta, picks the turn by the history, and pairs calls with their results', async () => {
    api = await AnthropicEmulator.start({
      turns: [{ text: 'Running.', calls: [{ name: 'Bash', input: { command: 'ls' } }], usage: { input: 3, output: 4 } }, { text: 'Done.' }],
    });
    const stream = events(await (await post({ ...REQUEST, stream: true })).text());
    const start = stream.find(([e, d]) => e === 'content_block_start' && d.index === 1)![1];
    expect(start).toMatchObject({ content_block: { type: 'tool_use', name: 'Bash', input: {} } });
    const id = (start.content_block as { id: string }).id;
    expect(stream.find(([e, d]) => e === 'content_block_delta' && d.index === 1)![1]).toMatchObject({
      delta: { type: 'input_json_delta', partial_json: '{"command":"ls"}' },
    });
    expect(stream.find(([e]) => e === 'message_delta')![1]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } });
    const history = [
      ...REQUEST.messages,
      { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: 'README.md' }] }] },
    ];
    // Twice: a retried request gets the same turn.
    for (let i = 0; i < 2; i++) {
      const answer = await (await post({ ...REQUEST, messages: history })).json();
      expect(answer).toMatchObject({
        type: 'message',
        content: [{ type: 'text', text: 'Done.' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 10, output_tokens: 5 },
      });
    }
    expect(api.remaining).toBe(0);
    expect(api.toolExchanges()).toEqual([{ name: 'Bash', input: { command: 'ls' }, result: 'README.md', isError: false }]);
  });

  it('answers a request without tools on the side, leaving the script where it was', async () => {
    api = await AnthropicEmulator.start({ turns: [{ text: 'The turn.' }], sideAnswer: 'A title' });
    const side = await (await post({ ...REQUEST, tools: undefined })).json();
    expect(side).toMatchObject({ content: [{ type: 'text', text: 'A title' }] });
    expect(api.remaining).toBe(1);
    expect(api.agentRequests()).toEqual([]);
  });

  it('injects faults before the script goes on', async () => {
    api = await AnthropicEmulator.start({ turns: [{ text: 'Recovered.' }] });
    api.failNext(2);
    for (let i = 0; i < 2; i++) {
      const res = await post(REQUEST);
      expect(res.status).toBe(529);
      expect(await apiError(res)).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    }
    expect(api.pendingFaults).toBe(0);
    expect(await (await post(REQUEST)).json()).toMatchObject({ content: [{ type: 'text', text: 'Recovered.' }] });
  });

  it('fails a wrong key, a malformed request, a turn past the script, an unoffered tool and other paths with API errors', async () => {
    api = await AnthropicEmulator.start({ apiKey: 'sk-test', turns: [{ calls: [{ name: 'Edit', input: {} }] }] });
    const wrongKey = await post(REQUEST, { 'x-api-key': 'sk-other' });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const bearer = await post({ messages: [] }, { authorization: 'Bearer sk-test' });
    expect(bearer.status).toBe(400);
    expect((await apiError(bearer)).message).toBe('a request needs "model" and "messages"');
    const unoffered = await post(REQUEST);
    expect(unoffered.status).toBe(400);
    expect((await apiError(unoffered)).message).toBe('the scripted turn calls Edit, which this request does not offer (it offers: Bash)');
    const past = await post({ ...REQUEST, messages: [...REQUEST.messages, { role: 'assistant', content: 'Hm.' }, { role: 'user', content: 'Go on' }] });
    expect(past.status).toBe(400);
    expect((await apiError(past)).message).toBe('no scripted turn left: the history holds 1 model turns and the script 1');
    const other = await fetch(`${api.url}/v1/models`);
    expect(other.status).toBe(404);
    expect((await apiError(other)).type).toBe('not_found_error');
  });
});
