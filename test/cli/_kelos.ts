// Running `kelos` in tests: in-process through main() (fast, shares the
// event loop with an in-process controller), or as the user runs it, a child
// process of bin/kelos.mjs (exit codes, stdin, the one-line error format).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../cli/main.js';

export const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/kelos.mjs');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let running = false;

/** Runs `kelos <args>` in this process, capturing what it writes. */
export async function kelos(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<Result> {
  if (running) throw new Error('kelos() calls must not overlap: they capture process.stdout');
  running = true;
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const cwd = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = undefined;
    if (opts.cwd) process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    running = false;
  }
}

/** Runs `node bin/kelos.mjs <args>` as a child process. */
export function kelosProcess(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd ?? root,
      env: { ...process.env, KELOS_FROM_SOURCE: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
