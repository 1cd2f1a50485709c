import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_TYPES, AGENT_UID } from '../../lib/api/constants.js';
import { ROOT } from '../capture/_workspace.js';

// The images cannot be built here (no container engine); these checks keep
// each Dockerfile consistent with its entrypoint and the agent image interface.

const CLI_INSTALL: Record<(typeof AGENT_TYPES)[number], { cli: string; install: RegExp }> = {
  'claude-code': { cli: 'claude', install: /npm install -g "@anthropic-ai\/claude-code@\$\{CLAUDE_CODE_VERSION\}"/ },
  codex: { cli: 'codex', install: /npm install -g "@openai\/codex@\$\{CODEX_VERSION\}"/ },
  gemini: { cli: 'gemini', install: /npm install -g "@google\/gemini-cli@\$\{GEMINI_CLI_VERSION\}"/ },
  opencode: { cli: 'opencode', install: /npm install -g "opencode-ai@\$\{OPENCODE_VERSION\}"/ },
  cursor: { cli: 'agent', install: /agent-cli-package\.tar\.gz[\s\S]*\/usr\/local\/bin\/agent/ },
};

describe.each(AGENT_TYPES.map((t) => ({ type: t })))('images/$type', ({ type }) => {
  const dir = join(ROOT, 'images', type);
  const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  const entrypoint = readFileSync(join(dir, 'kelos_entrypoint.sh'), 'utf8');

  it('has an executable bash entrypoint that sources the shared library and runs its CLI through kelos capture', () => {
    expect(statSync(join(dir, 'kelos_entrypoint.sh')).mode & 0o111).not.toBe(0);
    expect(entrypoint.startsWith('#!/bin/bash\n')).toBe(true);
    expect(entrypoint).toMatch(/^set -uo pipefail$/m);
    expect(entrypoint).toContain('. "$KELOS_IMAGE_LIB/common.sh"');
    expect(entrypoint).toContain(`kelos_init ${type} "$@"`);
    expect(entrypoint).toContain(`kelos_run_agent ${CLI_INSTALL[type].cli} "\${args[@]}"`);
  });

  it('installs a pinned CLI, git, gh, tini and Node 20, and the kelos CLI', () => {
    expect(dockerfile).toMatch(CLI_INSTALL[type].install);
    const pins = [...dockerfile.matchAll(/^ARG (\w+_VERSION)=(\S*)$/gm)];
    expect(pins).toHaveLength(1);
    expect(pins[0][2]).toMatch(/^\d[\w.-]*$/);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends ca-certificates curl git gh tini/);
    expect(dockerfile).toContain('RUN ln -s /opt/kelos/bin/kelos.mjs /usr/local/bin/kelos');
    expect(dockerfile).not.toMatch(/:latest\b|@latest\b/);
  });

  it('runs as UID 61100 in /workspace with /kelos_entrypoint.sh as entrypoint', () => {
    expect(dockerfile).toContain(`useradd -u ${AGENT_UID} `);
    expect(dockerfile).toMatch(new RegExp(`^USER ${AGENT_UID}$`, 'm'));
    expect(dockerfile).toMatch(/^WORKDIR \/workspace$/m);
    expect(dockerfile).toContain(`COPY images/${type}/kelos_entrypoint.sh /kelos_entrypoint.sh`);
    expect(dockerfile).toContain('COPY images/lib/common.sh /usr/local/lib/kelos/common.sh');
    expect(dockerfile.trimEnd().endsWith('ENTRYPOINT ["/kelos_entrypoint.sh"]')).toBe(true);
  });

  it('copies only paths that exist and that its .dockerignore lets into the build context', () => {
    const ignore = readFileSync(join(dir, 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(
        ignore.some((allowed) => src === allowed || src.startsWith(allowed + '/')),
        `${src} is excluded by Dockerfile.dockerignore`,
      ).toBe(true);
    }
  });
});
