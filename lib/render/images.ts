import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KELOS_AGENT_IMAGES_VERSION } from '../agents/agent-definition.js';
import { type AgentTypeName, BUILT_IN_AGENTS } from '../agents/registry.js';

export interface KelosPackageJson {
  readonly name: 'kelos';
  readonly version: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

let kelosPackage: KelosPackageJson | undefined;

/**
 * kelos's own package.json: the first one named "kelos" above this module, so
 * it is found from the sources and from a compiled build/ alike.
 */
export function kelosPackageJson(): KelosPackageJson {
  if (kelosPackage) return kelosPackage;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as KelosPackageJson;
      if (pkg.name === 'kelos' && pkg.version) return (kelosPackage = pkg);
    }
    if (dirname(dir) === dir) throw new Error('kelos: package.json not found above lib/render/images');
  }
}

/** The kelos version this build renders by default (image tags). */
export const KELOS_VERSION: string = kelosPackageJson().version;

/**
 * The runtime image built from the repository's Dockerfile: the `kelos` CLI,
 * which runs `controller`, `spawner` and `capture`.
 */
export const KELOS_IMAGE_REPOSITORY = 'ghcr.io/kelos-ts/kelos';
/** The kelos CLI in the kelos image (its Dockerfile's ENTRYPOINT is `node` and this). */
export const KELOS_IMAGE_CLI = '/app/bin/kelos.mjs';

export const DEFAULT_KELOS_IMAGE = `${KELOS_IMAGE_REPOSITORY}:v${KELOS_VERSION}`;

export { KELOS_AGENT_IMAGES_VERSION };

/**
 * Default agent image per type (each type's `defaultImage` in lib/agents): the
 * published Kelos agent images, which implement the same agent image
 * interface (images/README.md). Pinned, never :latest. kelos's own images
 * (images/) can replace them per type.
 */
export const DEFAULT_AGENT_IMAGES: Readonly<Record<AgentTypeName, string>> = Object.fromEntries(BUILT_IN_AGENTS.map((a) => [a.type, a.defaultImage])) as Record<
  AgentTypeName,
  string
>;
