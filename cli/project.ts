// Where a pipelines project keeps its app and output: cdk8s.yaml, as cdk8s does.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from './errors.js';

export interface ProjectConfig {
  /** The command that runs the app, e.g. `npx tsx pipelines/main.ts`. */
  readonly app: string;
  /** The output folder. */
  readonly output: string;
}

export function readProjectConfig(dir = process.cwd()): ProjectConfig {
  const file = resolve(dir, 'cdk8s.yaml');
  if (!existsSync(file)) return { app: 'npx tsx pipelines/main.ts', output: 'dist' };
  let doc: any;
  try {
    doc = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new UserError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  if (doc.app !== undefined && typeof doc.app !== 'string') throw new UserError(`${file}: 'app' must be a string command`);
  return { app: doc.app ?? 'npx tsx pipelines/main.ts', output: doc.output ?? 'dist' };
}
