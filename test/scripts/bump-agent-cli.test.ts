import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runProcess, writeExecutable } from '../capture/_workspace.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// What the script runs, faked: each records its arguments; `npm view` answers $FAKE_LATEST.
const RECORD = `printf '%s ' "$(basename "$0")" "$@" >> "$FAKE_LOG"; printf '\\n' >> "$FAKE_LOG"`;

/** The script in a copy of the repository's layout: the real declarations, faked npm, npx and install script. */
async function bump(args: string[], latest = '0.200.0') {
  const root = mkdtempSync(join(tmpdir(), 'kelos-bump-'));
  dirs.push(root);
  mkdirSync(join(root, 'images', 'agents'), { recursive: true });
  for (const type of ['codex', 'cursor']) copyFileSync(join(ROOT, 'images', 'agents', `${type}.sh`), join(root, 'images', 'agents', `${type}.sh`));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'bump-agent-cli.sh'), join(root, 'scripts', 'bump-agent-cli.sh'));
  writeExecutable(
    join(root, 'scripts', 'install-agent-cli.sh'),
    `#!/bin/bash\nset -- install-agent-cli "$@"\nprintf '%s ' "$@" >> "$FAKE_LOG"; printf '\\n' >> "$FAKE_LOG"\n`,
  );
  const bin = join(root, 'bin');
  writeExecutable(join(bin, 'npm'), `#!/bin/bash\n${RECORD}\n[ "$1" = view ] && echo "$FAKE_LATEST"\nexit 0\n`);
  writeExecutable(join(bin, 'npx'), `#!/bin/bash\n${RECORD}\n`);
  const log = join(root, 'calls');
  const res = await runProcess('bash', [join(root, 'scripts', 'bump-agent-cli.sh'), ...args], {
    cwd: root,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root, FAKE_LOG: log, FAKE_LATEST: latest },
  });
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    code: res.code,
    stderr: res.stderr,
    stdout: res.stdout.toString('utf8'),
    calls: read(log)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim()),
    pin: /^AGENT_CLI_VERSION=(.*)$/m.exec(read(join(root, 'images', 'agents', 'codex.sh')))?.[1],
  };
}

describe('scripts/bump-agent-cli.sh', () => {
  it('pins the latest npm version, installs it, runs the real-CLI test and rebuilds the image', async () => {
    const run = await bump(['codex']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.pin).toBe('0.200.0');
    expect(run.stdout).toMatch(/@openai\/codex \S+ -> 0\.200\.0/);
    expect(run.calls).toEqual([
      'npm view @openai/codex version',
      'install-agent-cli codex',
      'npx vitest run test/images/codex-cli.test.ts',
      'npm run images -- codex',
    ]);
  });

  it('takes --version for one type and --no-images', async () => {
    const run = await bump(['--version', '0.170.1', '--no-images', 'codex']);
    expect(run.code).toBe(0);
    expect(run.pin).toBe('0.170.1');
    expect(run.calls).toEqual(['install-agent-cli codex', 'npx vitest run test/images/codex-cli.test.ts']);
  });

  it('refuses what is not a version, a CLI not on npm and an unknown type, changing nothing', async () => {
    for (const [args, latest, message] of [
      [['codex'], '1.0.0\nAGENT_CLI=evil', /is not a version/],
      [['--version', '1.0.0; rm -rf /', 'codex'], '', /is not a version/],
      [['cursor'], '', /cursor's CLI is not on npm/],
      [['../codex'], '', /is not an agent type/],
      [['aider'], '', /no image declaration/],
    ] as const) {
      const run = await bump([...args], latest);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.pin).toBe(/^AGENT_CLI_VERSION=(.*)$/m.exec(readFileSync(join(ROOT, 'images', 'agents', 'codex.sh'), 'utf8'))?.[1]);
      expect(run.calls.filter((c) => !c.startsWith('npm view'))).toEqual([]);
    }
  });
});
