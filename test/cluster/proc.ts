// A component process of the test control plane: its output goes to a log
// file, it gets SIGTERM when its parent dies (setpriv --pdeathsig), and an
// exit nobody asked for is reported.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export class Proc {
  readonly child: ChildProcess;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  stopping = false;

  constructor(
    readonly name: string,
    readonly logFile: string,
    bin: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    onUnexpectedExit: (p: Proc) => void,
  ) {
    const fd = openSync(logFile, 'a');
    writeFileSync(fd, `# ${bin} ${args.join(' ')}\n`);
    try {
      // With setpriv, a component gets SIGTERM when its parent dies (vitest killed
      // with -9, say) instead of lingering; cleanStaleRuns covers the rest.
      this.child = SETPRIV
        ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', bin, ...args], { stdio: ['ignore', fd, fd], env })
        : spawn(bin, args, { stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        if (!this.stopping) onUnexpectedExit(this);
        resolve();
      });
      this.child.once('error', (err) => {
        this.exitCode = -1;
        writeFileSync(this.logFile, `spawn error: ${err.message}\n`, { flag: 'a' });
        if (!this.stopping) onUnexpectedExit(this);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  tail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
