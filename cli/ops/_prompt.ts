// Yes/no questions on stderr, answered on stdin, one line each. Lines piped
// in at once answer the questions in turn; a closed stdin answers no.

let buffer = '';
let ended = false;
let wake: (() => void) | undefined;
let attached: NodeJS.ReadableStream | undefined;

async function readLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  if (attached !== input) {
    attached = input;
    buffer = '';
    ended = false;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      buffer += chunk;
      wake?.();
    });
    input.on('end', () => {
      ended = true;
      wake?.();
    });
  }
  for (;;) {
    const i = buffer.indexOf('\n');
    if (i >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      input.pause(); // lets the process exit when no question is pending
      return line;
    }
    if (ended) {
      const rest = buffer;
      buffer = '';
      return rest === '' ? undefined : rest;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      input.resume();
    });
    wake = undefined;
  }
}

export async function confirm(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  output.write(`${question} [y/N] `);
  const line = await readLine(input);
  if (line === undefined) output.write('\n');
  return line !== undefined && /^\s*y(es)?\s*$/i.test(line);
}
