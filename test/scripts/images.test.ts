import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KELOS_IMAGE } from '../../lib/render/images.js';
import { DEFAULT_GIT_IMAGE } from '../../lib/render/job.js';
import { contextSources, IMAGES } from '../../scripts/images.js';

describe('the image table', () => {
  it('builds the base before every image that starts from it, and an image only after what it starts from', () => {
    const seen = new Set<string>();
    for (const spec of IMAGES) {
      for (const from of spec.from ?? []) expect(seen.has(from), `${spec.name} starts from ${from}`).toBe(true);
      seen.add(spec.name);
    }
    expect(IMAGES[0]!.tags).toEqual(['docker.io/library/node:20-bookworm-slim', 'docker.io/library/node:20-slim']);
  });

  it('tags the images the rendered manifests name, and one sandbox image', () => {
    const tags = IMAGES.flatMap((s) => s.tags);
    expect(tags).toContain(DEFAULT_KELOS_IMAGE);
    expect(tags).toContain(DEFAULT_GIT_IMAGE);
    expect(IMAGES.filter((s) => s.sandbox).map((s) => s.name)).toEqual(['pause']);
    expect(new Set(IMAGES.map((s) => s.name)).size).toBe(IMAGES.length);
  });
});

describe('contextSources', () => {
  it('lists what COPY and ADD read from the build context, not from other stages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-dockerfile-'));
    const file = join(dir, 'Dockerfile');
    writeFileSync(
      file,
      [
        'FROM node:20-slim AS build',
        'COPY package.json package-lock.json ./',
        'COPY --chown=1:1 lib ./lib',
        'ADD rootfs.tar /',
        'COPY --from=build /app/build ./build',
        'RUN echo COPY not-a-source /x',
        'COPY images/lib/common.sh \\',
        '  /usr/local/lib/kelos/common.sh',
      ].join('\n'),
    );
    expect(contextSources(file)).toEqual(['package.json', 'package-lock.json', 'lib', 'rootfs.tar', 'images/lib/common.sh']);
  });

  it('fills in the build args a source names, so each agent image hashes its own declaration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelos-dockerfile-'));
    const file = join(dir, 'Dockerfile');
    writeFileSync(
      file,
      ['FROM node:20-slim', 'ARG AGENT_TYPE', 'COPY images/lib/install-cli.sh images/agents/${AGENT_TYPE}.sh /tmp/', 'COPY ${OTHER}/x /x'].join('\n'),
    );
    expect(contextSources(file, { AGENT_TYPE: 'codex' })).toEqual(['images/lib/install-cli.sh', 'images/agents/codex.sh', '${OTHER}/x']);
    const agents = IMAGES.filter((s) => s.dockerfile === 'images/Dockerfile');
    expect(agents.map((s) => s.buildArgs?.AGENT_TYPE)).toEqual(['claude-code', 'codex', 'gemini', 'opencode', 'cursor']);
  });
});
