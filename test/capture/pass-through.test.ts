import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { passThrough } from '../../lib/capture/pass-through.js';

/** A Writable that accepts slowly and checks nobody writes while it asked to wait. */
function slowSink(highWaterMark: number) {
  const chunks: Buffer[] = [];
  let full = false;
  let writesWhileFull = 0;
  let waits = 0;
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      setTimeout(cb, 1);
    },
  });
  const write = sink.write.bind(sink) as (chunk: Buffer) => boolean;
  sink.write = ((chunk: Buffer) => {
    if (full) writesWhileFull++;
    const ok = write(chunk);
    if (!ok) {
      full = true;
      waits++;
    }
    return ok;
  }) as typeof sink.write;
  sink.on('drain', () => (full = false));
  return {
    sink,
    data: () => Buffer.concat(chunks),
    stats: () => ({ writesWhileFull, waits }),
  };
}

function sink() {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { w, data: () => Buffer.concat(chunks) };
}

describe('passThrough', () => {
  it('forwards the bytes exactly and reports lines split across chunks', async () => {
    const chunks = [Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\n\n{"c":3}'), Buffer.from('\r\nlast')];
    const lines: string[] = [];
    const out = sink();
    const result = await passThrough(Readable.from(chunks), out.w, { onLine: (l) => lines.push(l.toString()) });
    expect(out.data().equals(Buffer.concat(chunks))).toBe(true);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '', '{"c":3}\r', 'last']);
    expect(result.bytes).toBe(Buffer.concat(chunks).length);
    expect(result.lastByte).toBe('t'.charCodeAt(0));
  });

  it('passes binary, non-UTF-8 input through unchanged', async () => {
    const input = Buffer.concat([randomBytes(300_000), Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x00])]);
    const out = sink();
    let lines = 0;
    await passThrough(Readable.from([input.subarray(0, 1234), input.subarray(1234)]), out.w, { onLine: () => lines++ });
    expect(out.data().equals(input)).toBe(true);
    expect(lines).toBeGreaterThan(0);
  });

  it('waits for drain instead of buffering without bound', async () => {
    const input = randomBytes(2 * 1024 * 1024);
    const pieces: Buffer[] = [];
    for (let i = 0; i < input.length; i += 16 * 1024) pieces.push(input.subarray(i, i + 16 * 1024));
    const slow = slowSink(32 * 1024);
    await passThrough(Readable.from(pieces), slow.sink);
    await new Promise<void>((r) => slow.sink.end(r));
    expect(slow.data().equals(input)).toBe(true);
    expect(slow.stats().waits).toBeGreaterThan(0);
    expect(slow.stats().writesWhileFull).toBe(0);
  });

  it('does not report a line longer than the limit, and reports the next one', async () => {
    const lines: string[] = [];
    const out = sink();
    const long = 'x'.repeat(100);
    await passThrough(Readable.from([Buffer.from(long.slice(0, 60)), Buffer.from(long.slice(60) + '\nshort\n')]), out.w, {
      maxLineBytes: 50,
      onLine: (l) => lines.push(l.toString()),
    });
    expect(lines).toEqual(['short']);
    expect(out.data().toString()).toBe(long + '\nshort\n');
  });

  it('keeps reading the input when the output fails', async () => {
    const failing = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('EPIPE'));
      },
    });
    const lines: string[] = [];
    const result = await passThrough(Readable.from([Buffer.from('a\n'), Buffer.from('b\n')]), failing, {
      onLine: (l) => lines.push(l.toString()),
    });
    expect(result.writeError?.message).toBe('EPIPE');
    expect(lines).toEqual(['a', 'b']);
    expect(result.bytes).toBe(4);
  });

  it('reports nothing for an empty input', async () => {
    const out = sink();
    const result = await passThrough(Readable.from([]), out.w, { onLine: () => expect.fail('no line expected') });
    expect(result).toEqual({ bytes: 0, lastByte: undefined });
  });
});
