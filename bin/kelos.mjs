#!/usr/bin/env node
// Runs the kelos CLI. A compiled build (the container image) is used when present;
// otherwise the TypeScript sources run through tsx, so a checkout needs no build step.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'build', 'cli', 'main.js');
if (existsSync(built) && process.env.KELOS_FROM_SOURCE !== '1') {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
