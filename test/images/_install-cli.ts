import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, writeExecutable } from '../capture/_workspace.js';

export interface InstallRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Each command a fake received: its name, then its arguments. */
  readonly calls: string[][];
}

// Stand-ins for what images/lib/install-cli.sh runs during a build. Each
// records its arguments; `npm install` and `ln` leave the installed command
// on PATH, as the real ones would.
const RECORD = `printf '%s\\x1f' "$(basename "$0")" "$@" >> "$FAKE_LOG"; printf '\\n' >> "$FAKE_LOG"`;
const FAKES: Record<string, string> = {
  npm: `${RECORD}\nif [ "$1" = install ]; then printf '#!/bin/sh\\n' > "$FAKE_BIN/$FAKE_CLI"; chmod +x "$FAKE_BIN/$FAKE_CLI"; fi`,
  dpkg: `${RECORD}\necho amd64`,
  curl: RECORD,
  tar: `${RECORD}\ncat > /dev/null`,
  mkdir: RECORD,
  ln: `${RECORD}\nname="$(basename "\${@: -1}")"; printf '#!/bin/sh\\n' > "$FAKE_BIN/$name"; chmod +x "$FAKE_BIN/$name"`,
};

/** Runs images/lib/install-cli.sh on a declaration with fakes of npm, curl, tar…, nothing installed for real. */
export async function installCli(declaration: string, env: Record<string, string> = {}): Promise<InstallRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kelos-install-cli-'));
  try {
    const bin = join(dir, 'bin');
    for (const [name, body] of Object.entries(FAKES)) writeExecutable(join(bin, name), `#!/bin/bash\n${body}\n`);
    const cli = /^AGENT_CLI=(.*)$/m.exec(readFileSync(declaration, 'utf8'))?.[1] ?? '';
    const log = join(dir, 'calls');
    const res = await runProcess('bash', [join(ROOT, 'images', 'lib', 'install-cli.sh'), declaration], {
      cwd: dir,
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, FAKE_BIN: bin, FAKE_CLI: cli, FAKE_LOG: log, ...env },
    });
    let calls: string[][] = [];
    try {
      calls = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\x1f').slice(0, -1));
    } catch {
      // No fake was called.
    }
    return { code: res.code, stdout: res.stdout.toString('utf8'), stderr: res.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
