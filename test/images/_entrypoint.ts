import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorkspace, ROOT, runProcess, type TestWorkspace, writeExecutable } from '../capture/_workspace.js';

/** The entrypoint core every agent image runs as /kelos_entrypoint.sh. */
export const ENTRYPOINT = join(ROOT, 'images', 'lib', 'kelos_entrypoint.sh');

/** The image declaration of a built-in agent type. */
export const declarationOf = (type: string): string => join(ROOT, 'images', 'agents', `${type}.sh`);

/** A fake agent CLI: records argv, stdin, cwd and environment, prints a recorded stream, exits as told. */
export const FAKE_AGENT = `#!/bin/bash
printf '%s\\0' "$@" > "$FAKE_AGENT_DIR/argv"
cat > "$FAKE_AGENT_DIR/stdin"
pwd > "$FAKE_AGENT_DIR/cwd"
env > "$FAKE_AGENT_DIR/env"
cat "$FAKE_AGENT_STREAM"
exit "\${FAKE_AGENT_EXIT:-0}"
`;

/** A `kelos` that only forwards the stream: for runs that look at the CLI's command line, not at capture. */
const PASS_THROUGH_KELOS = `#!/bin/sh
[ "$1" = capture ] && exec cat
echo "kelos $1: not available in this test" >&2
exit 1
`;

export interface EntrypointOptions {
  /** The image declaration, installed as the image's agent.sh. */
  readonly declaration: string;
  /** The command the declaration runs: a fake CLI takes its place. Without it the real CLI must be on PATH. */
  readonly cli?: string;
  /** What the fake CLI prints. */
  readonly stream?: string;
  /** The entrypoint's arguments: the prompt. A function is called after `prepare`. */
  readonly args: string[] | ((ws: TestWorkspace) => string[]);
  /** More environment; a function is called after `prepare`. */
  readonly env?: Record<string, string> | ((ws: TestWorkspace) => Record<string, string> | undefined);
  /**
   * The `kelos` the entrypoint calls: this checkout's CLI, a stand-in that only
   * passes the stream through, or a script of the test's own.
   * @default 'checkout'
   */
  readonly kelos?: 'checkout' | 'pass-through' | { readonly script: string };
  /** Limit for the whole run. @default runProcess's */
  readonly timeoutMs?: number;
  /** Called with the workspace before the run. */
  readonly prepare?: (ws: TestWorkspace) => void;
}

export interface EntrypointRun {
  readonly ws: TestWorkspace;
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** The arguments the fake CLI received, or undefined when it never ran. */
  readonly argv: string[] | undefined;
  /** What the fake CLI read on stdin, or undefined when it never ran. */
  readonly stdin: string | undefined;
  readonly agentEnv: Record<string, string>;
  home(...parts: string[]): string;
}

/**
 * Runs the entrypoint core with bash as an image would, in a temporary git
 * repository (see makeWorkspace), the declaration as the image's agent.sh and
 * a fake CLI first on PATH. The caller cleans up `ws`.
 */
export async function runImageEntrypoint(o: EntrypointOptions): Promise<EntrypointRun> {
  const ws = makeWorkspace();
  const lib = join(ws.root, 'image-lib');
  mkdirSync(lib);
  copyFileSync(o.declaration, join(lib, 'agent.sh'));
  if (o.cli) writeExecutable(join(ws.bin, o.cli), FAKE_AGENT);
  const kelos = o.kelos ?? 'checkout';
  if (kelos === 'pass-through') writeExecutable(join(ws.bin, 'kelos'), PASS_THROUGH_KELOS);
  else if (kelos !== 'checkout') writeExecutable(join(ws.bin, 'kelos'), kelos.script);
  o.prepare?.(ws);
  const env = typeof o.env === 'function' ? o.env(ws) : o.env;
  const args = typeof o.args === 'function' ? o.args(ws) : o.args;
  const res = await runProcess('bash', [ENTRYPOINT, ...args], {
    cwd: ws.repo,
    timeoutMs: o.timeoutMs,
    env: ws.env({ KELOS_IMAGE_LIB: lib, FAKE_AGENT_DIR: ws.root, ...(o.stream ? { FAKE_AGENT_STREAM: o.stream } : {}), ...env }),
  });
  const read = (name: string) => (existsSync(join(ws.root, name)) ? readFileSync(join(ws.root, name), 'utf8') : undefined);
  const agentEnv: Record<string, string> = {};
  for (const line of (read('env') ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) agentEnv[line.slice(0, i)] = line.slice(i + 1);
  }
  return {
    ws,
    code: res.code,
    stdout: res.stdout,
    stderr: res.stderr,
    argv: read('argv')?.split('\0').slice(0, -1),
    stdin: read('stdin'),
    agentEnv,
    home: (...parts) => join(ws.home, ...parts),
  };
}
