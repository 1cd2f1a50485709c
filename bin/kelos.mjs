#!/usr/bin/env node
// Runs the kelos CLI: the compiled build/ (the npm package, the container
// images). In a checkout without a build, or with KELOS_FROM_SOURCE=1, the
// TypeScript sources run through tsx (a devDependency), so development needs no build step.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'build', 'cli', 'main.js');
let entry;
if (existsSync(built) && process.env.KELOS_FROM_SOURCE !== '1') {
  entry = built;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'cli', 'main.ts');
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
// Long-running commands (controller, spawner) keep the process alive themselves
// and resolve only when they are done.
process.exitCode = code;
