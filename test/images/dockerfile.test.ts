import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageDeclaration } from '../../lib/agents/image.js';
import { AGENT_TYPES, BUILT_IN_AGENTS } from '../../lib/agents/registry.js';
import { AGENT_UID } from '../../lib/api/constants.js';
import { CONTROLLER_NODE_FLAGS, controllerInstall } from '../../lib/render/controller-install.js';
import { KELOS_IMAGE_CLI } from '../../lib/render/images.js';
import { ROOT } from '../capture/_workspace.js';
import { installCli } from './_install-cli.js';

// The images cannot be built here (no container engine); these checks keep the
// one Dockerfile, its build context, the image declarations and the agent
// registry consistent with each other and with the agent image interface.

const IMAGES = join(ROOT, 'images');
const dockerfile = readFileSync(join(IMAGES, 'Dockerfile'), 'utf8');
const allowed = readFileSync(join(IMAGES, 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('!'))
  .map((l) => l.slice(1).replace(/\/$/, ''));

/** The files a build for `type` copies from its context, `${AGENT_TYPE}` filled in. */
function copiedFromContext(type: string): string[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/)).map((src) => src.replaceAll('${AGENT_TYPE}', type));
}

describe('images/Dockerfile', () => {
  it('builds every agent type: no instruction names one, the type comes as the AGENT_TYPE build arg', () => {
    const instructions = dockerfile
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    expect(dockerfile).toMatch(/^ARG AGENT_TYPE$/m);
    expect(dockerfile).toMatch(/^ARG AGENT_CLI_VERSION=$/m);
    for (const agent of BUILT_IN_AGENTS) {
      for (const word of [agent.type, agent.cli.npmPackage].filter((w): w is string => !!w)) {
        expect(instructions, word).not.toMatch(new RegExp(`[^\\w-]${word.replace(/[/.@-]/g, '\\$&')}[^\\w-]`));
      }
    }
    expect(dockerfile).toContain('COPY images/lib/install-cli.sh images/agents/${AGENT_TYPE}.sh /tmp/kelos-agent/');
    expect(dockerfile).toContain('RUN bash /tmp/kelos-agent/install-cli.sh "/tmp/kelos-agent/${AGENT_TYPE}.sh"');
  });

  it('installs git, gh, ripgrep, tini and Node 20, and the kelos CLI, never :latest', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    // ripgrep: OpenCode's search and skill tools run `rg` and otherwise download it from github.com.
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends ca-certificates curl git gh ripgrep tini/);
    expect(dockerfile).toContain('RUN ln -s /opt/kelos/bin/kelos.mjs /usr/local/bin/kelos');
    expect(dockerfile).not.toMatch(/:latest\b|@latest\b/);
  });

  it('runs the entrypoint core as /kelos_entrypoint.sh, as UID 61100 in /workspace, with the declaration beside it', () => {
    expect(dockerfile).toContain(`useradd -u ${AGENT_UID} `);
    expect(dockerfile).toMatch(new RegExp(`^USER ${AGENT_UID}$`, 'm'));
    expect(dockerfile).toMatch(/^WORKDIR \/workspace$/m);
    expect(dockerfile).toContain('COPY images/lib/kelos_entrypoint.sh /kelos_entrypoint.sh');
    expect(dockerfile).toContain('COPY images/agents/${AGENT_TYPE}.sh /usr/local/lib/kelos/agent.sh');
    expect(dockerfile.trimEnd().endsWith('ENTRYPOINT ["/kelos_entrypoint.sh"]')).toBe(true);
  });

  it('has an executable bash entrypoint core', () => {
    const core = join(IMAGES, 'lib', 'kelos_entrypoint.sh');
    expect(statSync(core).mode & 0o111).not.toBe(0);
    const text = readFileSync(core, 'utf8');
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    expect(text).toMatch(/^set -uo pipefail$/m);
    expect(text).toContain('. "$KELOS_IMAGE_LIB/agent.sh"');
    expect(text).toContain('| kelos capture');
  });

  it('has exactly one declaration per agent type of the registry', () => {
    const files = readdirSync(join(IMAGES, 'agents')).filter((f) => f.endsWith('.sh'));
    expect(files.map((f) => f.replace(/\.sh$/, '')).sort()).toEqual([...AGENT_TYPES].sort());
  });
});

describe.each(BUILT_IN_AGENTS.map((agent) => ({ type: agent.type, agent })))('images/agents/$type.sh', ({ type, agent }) => {
  const file = join(IMAGES, 'agents', `${type}.sh`);
  const declaration = readImageDeclaration(file);

  it('is the build context of its image: everything the Dockerfile copies exists and passes the .dockerignore', () => {
    const sources = copiedFromContext(type);
    expect(sources).toContain(`images/agents/${type}.sh`);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(
        allowed.some((a) => src === a || src.startsWith(a + '/')),
        `${src} is excluded by images/Dockerfile.dockerignore`,
      ).toBe(true);
    }
  });

  it("agrees with the type's definition in lib/agents: type, command, package, effort", () => {
    expect(declaration.type).toBe(type);
    expect(declaration.cli).toBe(agent.cli.command);
    expect(declaration.npmPackage).toBe(agent.cli.npmPackage);
    expect(declaration.values.AGENT_EFFORT).toBe(agent.effort ? 'supported' : 'ignored');
    expect(['argument', 'stdin', '--prompt=']).toContain(declaration.prompt);
  });

  it('pins the CLI version', () => {
    expect(declaration.version).toMatch(/^\d[\w.-]*$/);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^AGENT_CLI_VERSION=${declaration.version.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('installs its CLI at the pinned version, or at the one the build arg names', async () => {
    const pinned = await installCli(file);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toContain(`installed ${declaration.cli} for ${type} at ${declaration.version}`);
    const other = await installCli(file, { AGENT_CLI_VERSION: '9.9.9' });
    expect(other.code, other.stderr).toBe(0);
    if (declaration.npmPackage) {
      expect(pinned.calls).toEqual([
        ['npm', 'install', '-g', `${declaration.npmPackage}@${declaration.version}`],
        ['npm', 'cache', 'clean', '--force'],
      ]);
      expect(other.calls[0]).toEqual(['npm', 'install', '-g', `${declaration.npmPackage}@9.9.9`]);
    } else {
      // Not on npm: the declaration's agent_install downloads the version.
      expect(pinned.calls.find((c) => c[0] === 'curl')?.at(-1)).toContain(`/${declaration.version}/linux/x64/`);
      expect(other.calls.find((c) => c[0] === 'curl')?.at(-1)).toContain('/9.9.9/linux/x64/');
      expect(pinned.calls.some((c) => c[0] === 'npm')).toBe(false);
    }
  });
});

describe('the kelos image', () => {
  // The controller's Deployment runs `node <its V8 flags> <the CLI>` (NODE_OPTIONS refuses some of those flags).
  it('has the CLI where the controller Deployment runs it', () => {
    const kelos = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(kelos).toContain(`ENTRYPOINT ["node", "${KELOS_IMAGE_CLI}"]`);
    const command = controllerInstall([]).deployment.spec?.template.spec?.containers[0]?.command;
    expect(command).toEqual(['node', ...CONTROLLER_NODE_FLAGS, KELOS_IMAGE_CLI]);
  });
});
