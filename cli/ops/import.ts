// `kelos import`: Kelos YAML files → a TypeScript pipeline file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { importManifests, parseManifests, type SourceObject } from '../../lib/import/import.js';
import { UserError } from '../errors.js';
import { manifestFiles } from '../validate.js';

export interface ImportCommandOptions {
  readonly output?: string;
  readonly className?: string;
  readonly main?: boolean;
  readonly from?: string;
  readonly force?: boolean;
}

export function runImport(paths: readonly string[], opts: ImportCommandOptions): void {
  const objects: SourceObject[] = [];
  for (const file of manifestFiles(paths)) {
    const shown = relative(process.cwd(), file) || file;
    try {
      objects.push(...parseManifests(readFileSync(file, 'utf8'), shown));
    } catch (err) {
      throw new UserError((err as Error).message);
    }
  }
  if (objects.length === 0) throw new UserError(`no YAML documents found in ${paths.join(', ')}`);
  if (opts.className !== undefined && !/^[A-Z][A-Za-z0-9_]*$/.test(opts.className)) {
    throw new UserError(`'--class-name' must be a PascalCase identifier, got "${opts.className}"`, 2);
  }
  const result = importManifests(objects, { from: opts.from, className: opts.className, main: opts.main, origin: paths.join(' ') });
  if (result.imported === 0) {
    for (const n of result.notes) process.stderr.write(`${n.source}: ${n.object}: ${n.message}\n`);
    throw new UserError(`no Tasks, TaskSpawners, Workspaces or AgentConfigs found in ${paths.join(', ')}`);
  }
  if (opts.output) {
    const out = resolve(opts.output);
    if (existsSync(out) && !opts.force) throw new UserError(`${opts.output} exists: choose another --output, or pass --force to replace it`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, result.code);
  } else {
    process.stdout.write(result.code);
  }
  for (const n of result.notes) process.stderr.write(`${n.source}: ${n.object}: ${n.message}\n`);
  const where = opts.output ? ` into ${opts.output}` : '';
  process.stderr.write(
    `Imported ${result.imported} object${result.imported === 1 ? '' : 's'}${where}${result.notes.length ? ` (${result.notes.length} note${result.notes.length === 1 ? '' : 's'} above)` : ''}\n`,
  );
  if (!opts.main && opts.output) {
    const charts = result.charts.map((c) => `new ${c.className}(app, '${c.id}')`).join('; ');
    process.stderr.write(
      `Add it to your app (pipelines/main.ts): import { ${result.charts.map((c) => c.className).join(', ')} } from './${relative(resolve('pipelines'), resolve(opts.output)).replace(/\.ts$/, '.js')}'; ${charts};\n`,
    );
  }
}
