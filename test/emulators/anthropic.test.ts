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

const REQUEST = { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };

/** The events of a server-sent event stream, each as `[event, data]`. */
function events(text: string): Array<[string, { type: string } & Record<string, unknown>]> {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)![1];
      return [event, JSON.parse(/^data: (.*)$/m.exec(chunk)![1])];
    });
}

describe('Anthropic Messages API emulator', () => {
  it('streams the next scripted turn with its usage, and records the request', async () => {
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
    expect(stream[0][1]).toMatchObject({ message: { role: 'assistant', model: 'claude-test', usage: { input_tokens: 42 } } });
    expect(stream[2][1]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi there.' } });
    expect(stream[4][1]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 7 },
    });
    expect(api.remaining).toBe(0);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(api.userTexts()).toEqual(['Hello']);
  });

  it('answers a request without stream as one message, turn after turn', async () => {
    api = await AnthropicEmulator.start({
      turns: [{ content: [{ type: 'text', text: 'One.' }] }, { content: [{ type: 'text', text: 'Two.' }], stopReason: 'max_tokens' }],
    });
    const first = await (await post(REQUEST, {})).json();
    const second = await (await post({ ...REQUEST, messages: [{ role: 'user', content: 'Again' }] }, {})).json();
    expect(first).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'One.' }], stop_reason: 'end_turn', usage: { input_tokens: 10, output_tokens: 5 } });
    expect(second).toMatchObject({ content: [{ type: 'text', text: 'Two.' }], stop_reason: 'max_tokens' });
    expect(api.userTexts()).toEqual(['Hello', 'Again']);
  });

  it('fails a wrong key, a malformed request, a turn past the script and other paths with API errors', async () => {
    api = await AnthropicEmulator.start({ apiKey: 'sk-test', turns: [] });
    const wrongKey = await post(REQUEST, { 'x-api-key': 'sk-other' });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const bearer = await post({ messages: [] }, { authorization: 'Bearer sk-test' });
    expect(bearer.status).toBe(400);
    expect((await apiError(bearer)).message).toBe('a request needs "model" and "messages"');
    const past = await post(REQUEST);
    expect(past.status).toBe(400);
    expect((await apiError(past)).message).toBe('no scripted turn left (0 served)');
    const other = await fetch(`${api.url}/v1/models`);
    expect(other.status).toBe(404);
    expect((await apiError(other)).type).toBe('not_found_error');
  });
});
