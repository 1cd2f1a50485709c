import { afterEach, describe, expect, it } from 'vitest';
import { modelTurns, OpenAIResponsesEmulator } from './openai-responses.js';

let api: OpenAIResponsesEmulator | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const post = (body: object, key = 'sk-test') =>
  fetch(`${api!.baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

const TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object' } },
  { type: 'custom', name: 'apply_patch' },
];
const USER = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix it' }] };
const REQUEST = { model: 'gpt-test', stream: true, tools: TOOLS, input: [USER] };

type Event = { type: string; sequence_number: number } & Record<string, unknown>;

/** The events of a server-sent event stream; each `event:` line must name its data's type. */
function events(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)![1]!) as Event;
      expect(/^event: (.*)$/m.exec(chunk)![1]).toBe(data.type);
      return data;
    });
}

describe('OpenAI Responses API emulator', () => {
  it('streams text, a function call and a custom tool call, and completes with the usage', async () => {
    api = await OpenAIResponsesEmulator.start({
      apiKey: 'sk-test',
      turns: [
        {
          text: 'Running.',
          calls: [
            { name: 'exec_command', input: { cmd: 'ls' } },
            { name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
          ],
          usage: { input: 42, output: 7 },
        },
      ],
    });
    const res = await post(REQUEST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const stream = events(await res.text());
    expect(stream.map((e) => e.sequence_number)).toEqual(stream.map((_, i) => i));
    expect(stream[0]!.type).toBe('response.created');
    expect(stream.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual(['Running.']);
    expect(stream.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: '{"cmd":"ls"}' });
    expect(stream.find((e) => e.type === 'response.custom_tool_call_input.done')).toMatchObject({ input: '*** Begin Patch\n*** End Patch\n' });
    const done = stream.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toMatchObject([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running.' }] },
      { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', call_id: 'call_emu_0_0' },
      { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n', call_id: 'call_emu_0_1' },
    ]);
    const completed = stream.at(-1)!;
    expect(completed).toMatchObject({
      type: 'response.completed',
      response: { status: 'completed', model: 'gpt-test', usage: { input_tokens: 42, output_tokens: 7, total_tokens: 49 } },
    });
    expect(api.remaining).toBe(0);
  });

  it('picks the turn by the model items in the input and pairs calls with their outputs', async () => {
    api = await OpenAIResponsesEmulator.start({ turns: [{ calls: [{ name: 'exec_command', input: { cmd: 'ls' } }] }, { text: 'Done.' }] });
    await (await post(REQUEST)).text();
    const input = [
      USER,
      { type: 'reasoning', summary: [] },
      { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', call_id: 'c1' },
      { type: 'function_call_output', call_id: 'c1', output: 'README.md' },
    ];
    expect(modelTurns(input)).toBe(1);
    const stream = events(await (await post({ ...REQUEST, input })).text());
    expect(stream.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual(['Done.']);
    expect(api.callExchanges()).toEqual([{ name: 'exec_command', input: { cmd: 'ls' }, output: 'README.md' }]);
    expect(api.inputTexts('user')).toEqual(['Fix it']);
    expect(api.remaining).toBe(0);
  });

  it('injects faults, refuses a wrong key, a tool the request does not offer and a turn past the script', async () => {
    api = await OpenAIResponsesEmulator.start({ apiKey: 'sk-test', turns: [{ calls: [{ name: 'shell', input: {} }] }] });
    api.failNext();
    const fault = await post(REQUEST);
    expect(fault.status).toBe(503);
    expect(((await fault.json()) as { error: { type: string } }).error.type).toBe('server_error');
    const wrongKey = await post(REQUEST, 'sk-other');
    expect(wrongKey.status).toBe(401);
    expect(((await wrongKey.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const unoffered = await post(REQUEST);
    expect(unoffered.status).toBe(400);
    expect(((await unoffered.json()) as { error: { message: string } }).error.message).toBe(
      'the scripted turn calls shell, which this request does not offer (it offers: exec_command, apply_patch)',
    );
    const past = await post({ ...REQUEST, input: [USER, { type: 'message', role: 'assistant', content: [] }, USER] });
    expect(past.status).toBe(400);
    const models = await fetch(`${api.baseUrl}/models`, { headers: { authorization: 'Bearer sk-test' } });
    expect(((await models.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect(api.requests.map((r) => r.answer)).toEqual(['fault', 'error', 'error', 'error', 'aux']);
  });
});
