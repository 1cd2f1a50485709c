import type { Readable, Writable } from 'node:stream';

export interface PassThroughOptions {
  /**
   * Called with each complete line, without its `\n`, and with the last
   * unterminated line at end of input. Lines longer than `maxLineBytes` are
   * not reported (they are still forwarded).
   */
  readonly onLine?: (line: Buffer) => void;
  /** @default 64 MiB */
  readonly maxLineBytes?: number;
}

export interface PassThroughResult {
  /** Bytes read from the input (all of them were offered to the output). */
  readonly bytes: number;
  /** The last byte forwarded, or undefined for an empty input. */
  readonly lastByte: number | undefined;
  /** Set when the output failed; the input was still read to its end. */
  readonly writeError?: Error;
}

const NEWLINE = 0x0a;

/**
 * Forwards `input` to `output` byte for byte, chunk by chunk as read (no
 * decoding, nothing added or dropped), waiting for `drain` whenever the output
 * is full, and reports each complete line on the side. When the output fails
 * the input is still consumed, so the producer upstream is never blocked or
 * killed by a broken pipe.
 */
export async function passThrough(input: Readable, output: Writable, options: PassThroughOptions = {}): Promise<PassThroughResult> {
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  const onLine = options.onLine;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overlong = false;
  let bytes = 0;
  let lastByte: number | undefined;
  let writeError: Error | undefined;
  const onError = (err: Error) => {
    writeError ??= err;
  };
  output.on('error', onError);

  const emit = (tail: Buffer) => {
    if (!overlong && onLine) {
      onLine(parts.length === 0 ? tail : Buffer.concat([...parts, tail], partBytes + tail.length));
    }
    parts = [];
    partBytes = 0;
    overlong = false;
  };

  try {
    for await (const data of input) {
      const chunk: Buffer = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      if (chunk.length === 0) continue;
      bytes += chunk.length;
      lastByte = chunk[chunk.length - 1];
      if (!writeError && !output.write(chunk)) {
        await drained(output).catch(onError);
      }
      if (!onLine) continue;
      let start = 0;
      let nl = chunk.indexOf(NEWLINE, start);
      while (nl !== -1) {
        emit(chunk.subarray(start, nl));
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length && !overlong) {
        const rest = chunk.subarray(start);
        if (partBytes + rest.length > maxLineBytes) {
          overlong = true;
          parts = [];
          partBytes = 0;
        } else {
          // Copy: the stream may reuse the chunk's memory.
          parts.push(Buffer.from(rest));
          partBytes += rest.length;
        }
      }
    }
    if (onLine && (partBytes > 0 || overlong)) emit(Buffer.alloc(0));
  } finally {
    output.off('error', onError);
  }
  return writeError ? { bytes, lastByte, writeError } : { bytes, lastByte };
}

function drained(output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      output.off('drain', onDrain);
      output.off('error', onError);
      output.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the output was closed'));
    };
    output.on('drain', onDrain);
    output.on('error', onError);
    output.on('close', onClose);
  });
}
