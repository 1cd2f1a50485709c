import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { formatOutputs } from '../api/outputs.js';
import { passThrough } from './pass-through.js';
import { createUsageParser } from './usage.js';
import { commandTimeoutMs, workspaceOutputs } from './workspace.js';

export interface CaptureOptions {
  /** The agent's stdout. */
  readonly input: Readable;
  /** Receives the input unchanged, then the outputs block. */
  readonly output: Writable;
  /** Warnings and the reason for a failed run. */
  readonly errors: Writable;
  /** @default KELOS_AGENT_TYPE */
  readonly agentType?: string;
  /** The repository to read branch, commit and PR from. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Limit for each git and gh command. @default KELOS_CAPTURE_TIMEOUT_MS, else 10 s */
  readonly timeoutMs?: number;
  /**
   * The container's termination message file: the reason for a failed run is
   * written there too, for the controller to put in the Task's message. Only
   * an existing file is written (the kubelet creates it in a pod). @default none
   */
  readonly terminationLog?: string;
}

/**
 * `kelos capture`: forwards the agent's stream unchanged while reading its
 * usage, then prints the outputs block (docs/architecture.md §4). Returns the exit code:
 * 0, or 1 when the stream shows the agent did not complete normally (a
 * claude-code stream without a successful final result).
 */
export async function runCapture(options: CaptureOptions): Promise<number> {
  const agentType = options.agentType ?? options.env.KELOS_AGENT_TYPE;
  const parser = createUsageParser(agentType);
  if (agentType && !parser) {
    options.errors.write(`kelos capture: unknown agent type "${agentType}"; token usage is left out\n`);
  }
  const markers = parser ? [parser.marker, parser.failureMarker].filter((m) => m !== undefined).map((m) => Buffer.from(m)) : [];
  const forwarded = await passThrough(options.input, options.output, {
    onLine: parser
      ? (line) => {
          if (markers.some((m) => line.includes(m))) parser.addLine(line.toString('utf8'));
        }
      : undefined,
  });
  if (forwarded.writeError) {
    options.errors.write(`kelos capture: could not forward the agent output: ${forwarded.writeError.message}\n`);
  }

  const usage = parser?.finish() ?? { values: [] };
  const workspace = await workspaceOutputs({
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs ?? commandTimeoutMs(options.env),
  });

  // The block must start on a line of its own even when the stream did not end with one.
  const separator = forwarded.lastByte !== undefined && forwarded.lastByte !== 0x0a ? '\n' : '';
  const block = separator + formatOutputs([...workspace, ...usage.values]);
  if (!forwarded.writeError) await write(options.output, block);

  if (usage.failure) {
    options.errors.write(`kelos capture: ${usage.failure}\n`);
    if (options.terminationLog) writeExisting(options.terminationLog, usage.failure);
    return 1;
  }
  return 0;
}

/** Replaces the content of `file` if it exists; outside a pod there is none, and nothing is created. */
function writeExisting(file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r+');
    ftruncateSync(fd);
    writeSync(fd, text);
  } catch {
    // no termination message file (not in a pod) or not writable: stderr has the reason
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}
