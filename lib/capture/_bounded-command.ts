import { spawn } from 'node:child_process';

export interface BoundedCommandOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

export interface BoundedCommandResult {
  /** True when the command exited 0 within the time allowed. */
  readonly ok: boolean;
  /** Standard output, trimmed. */
  readonly stdout: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command with no standard input and a hard time limit. The command
 * gets its own process group and the whole group is killed at the deadline,
 * so a wrapper script whose child hangs (a `gh` waiting on the network, a
 * credential prompt) cannot hold the pipes open past it. Never rejects.
 */
export function runBounded(command: string, args: readonly string[], options: BoundedCommandOptions): Promise<BoundedCommandResult> {
  return new Promise((resolve) => {
    let settled = false;
    let stdout = '';
    const finish = (result: BoundedCommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
      });
    } catch {
      resolve({ ok: false, stdout: '', timedOut: false });
      return;
    }
    const timer = setTimeout(() => {
      killGroup(child.pid);
      child.stdout?.destroy();
      finish({ ok: false, stdout: stdout.trim(), timedOut: true });
    }, options.timeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => {
      if (stdout.length < 1024 * 1024) stdout += s;
    });
    child.on('error', () => finish({ ok: false, stdout: '', timedOut: false }));
    child.on('close', (code) => finish({ ok: code === 0, stdout: stdout.trim(), timedOut: false }));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
