import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY_INVALID, GeminiEmulator } from './gemini.js';

let api: GeminiEmulator | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const post = (method: string, body: object, key = 'g-test') =>
  fetch(`${api!.url}/v1beta/models/gemini-test:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify(body),
  });

const TOOLS = [{ functionDeclarations: [{ name: 'run_shell_command' }, { name: 'replace' }] }];
const USER = { role: 'user', parts: [{ text: 'Fix it' }] };
const REQUEST = { contents: [USER], tools: TOOLS, systemInstruction: { parts: [{ text: 'You are a CLI.' }] } };

/** The data of each server-sent event. */
const chunks = (text: string) =>
  text
    .split(/\r?\n\r?\n/)
    .filter((c) => c.trim() !== '')
    .map((c) => JSON.parse(/^data: (.*)$/m.exec(c)![1]!) as Record<string, unknown>);

describe('Gemini API emulator', () => {
  it('streams a turn of text and function calls with its usage metadata', async () => {
    api = await GeminiEmulator.start({
      apiKey: 'g-test',
      turns: [{ text: 'Running.', calls: [{ name: 'run_shell_command', input: { command: 'ls' } }], usage: { input: 42, output: 7 } }],
    });
    const res = await post('streamGenerateContent', REQUEST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(chunks(await res.text())).toEqual([
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Running.' }, { functionCall: { name: 'run_shell_command', args: { command: 'ls' } } }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 42, candidatesTokenCount: 7, totalTokenCount: 49 },
        modelVersion: 'gemini-test',
        responseId: 'emu-1',
      },
    ]);
    expect(api.systemInstruction()).toBe('You are a CLI.');
    expect(api.remaining).toBe(0);
  });

  it('picks the turn by the model contents of the history; side requests leave the script where it was', async () => {
    api = await GeminiEmulator.start({ turns: [{ calls: [{ name: 'run_shell_command', input: { command: 'ls' } }] }, { text: 'Done.' }] });
    const side = (await (await post('generateContent', { contents: [USER] })).json()) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> };
    expect(JSON.parse(side.candidates[0]!.content.parts[0]!.text)).toMatchObject({ next_speaker: 'user' });
    expect(await (await post('countTokens', { contents: [USER] })).json()).toEqual({ totalTokens: 100 });
    expect(api.remaining).toBe(2);
    await (await post('streamGenerateContent', REQUEST)).text();
    const history = [
      USER,
      { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'README.md' } } }] },
    ];
    const [chunk] = chunks(await (await post('streamGenerateContent', { ...REQUEST, contents: history })).text());
    expect(chunk).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Done.' }] } }] });
    expect(api.functionExchanges()).toEqual([{ name: 'run_shell_command', args: { command: 'ls' }, response: '{"output":"README.md"}' }]);
    expect(api.userTexts()).toEqual(['Fix it']);
    expect(api.requests.map((r) => r.answer)).toEqual(['aux', 'aux', 0, 1]);
  });

  it('injects faults, refuses a wrong key, a tool the request does not offer and unknown paths', async () => {
    api = await GeminiEmulator.start({ apiKey: 'g-test', turns: [{ calls: [{ name: 'write_file', input: {} }] }] });
    api.failNext();
    const fault = await post('streamGenerateContent', REQUEST);
    expect(fault.status).toBe(503);
    expect(((await fault.json()) as { error: { status: string } }).error.status).toBe('UNAVAILABLE');
    const wrongKey = await post('streamGenerateContent', REQUEST, 'g-other');
    expect(wrongKey.status).toBe(400);
    expect(await wrongKey.json()).toEqual(API_KEY_INVALID);
    const unoffered = await post('streamGenerateContent', REQUEST);
    expect(unoffered.status).toBe(400);
    expect(((await unoffered.json()) as { error: { message: string } }).error.message).toBe(
      'the scripted turn calls write_file, which this request does not offer (it offers: run_shell_command, replace)',
    );
    const other = await fetch(`${api.url}/v1beta/models`, { headers: { 'x-goog-api-key': 'g-test' } });
    expect(other.status).toBe(404);
  });
});
