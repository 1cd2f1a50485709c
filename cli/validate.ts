import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkObject } from '../lib/api/object-checks.js';
import { isKelosObject, validateObject } from '../lib/api/validate.js';
import { listFiles } from '../lib/render/output.js';
import { readYamlDocuments, YamlLimitError } from '../lib/yaml/read-documents.js';
import { UserError } from './errors.js';

const MANIFEST = /\.(ya?ml|json)$/i;

export interface FileReport {
  readonly file: string;
  /** Number of kelos.dev objects checked. */
  readonly objects: number;
  /** `file:document: path: message` lines. */
  readonly errors: string[];
}

/**
 * Validates every kelos.dev object of a YAML/JSON file against the schemas
 * and CEL rules, then makes the checks that would otherwise fail at run time
 * (templates, cron schedules, name lengths, dependsOn, repository URLs);
 * other kinds are passed over. A file that cannot be read, or that is too
 * large or too deeply nested, is one error; a document with a YAML error or
 * too many alias expansions is one error and the others are still checked.
 */
export function validateFile(file: string, shown = file): FileReport {
  let docs;
  try {
    docs = readYamlDocuments(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof YamlLimitError) return { file, objects: 0, errors: [`${shown}: YAML: ${err.message}; the file was not checked`] };
    if ((err as NodeJS.ErrnoException).code) return { file, objects: 0, errors: [`${shown}: cannot be read: ${(err as Error).message}`] };
    throw err;
  }
  const errors: string[] = [];
  let objects = 0;
  docs.forEach((doc, i) => {
    const where = `${shown}:${i + 1}`;
    if (doc.error !== undefined) {
      errors.push(`${where}: YAML: ${doc.error}`);
      return;
    }
    const value = doc.value as any;
    const items: unknown[] = value && typeof value === 'object' && /List$/.test(String(value.kind)) && Array.isArray(value.items) ? value.items : [value];
    for (const obj of items) {
      if (!isKelosObject(obj)) continue;
      objects++;
      const name = (obj as any)?.metadata?.name ?? (obj as any)?.metadata?.generateName ?? '?';
      for (const issue of [...validateObject(obj), ...checkObject(obj)]) {
        errors.push(`${where}: ${(obj as any).kind}/${name}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
      }
    }
  });
  return { file, objects, errors };
}

/** The manifest files named by the arguments (directories are walked; symbolic links in them are passed over). */
export function manifestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UserError(`${p}: no such file or directory`);
    }
    if (st.isDirectory())
      out.push(
        ...listFiles(p)
          .filter((f) => MANIFEST.test(f))
          .map((f) => join(p, f)),
      );
    else out.push(p);
  }
  return out;
}

export function runValidate(paths: readonly string[], quiet: boolean): void {
  let objects = 0;
  let errors = 0;
  for (const file of manifestFiles(paths)) {
    const report = validateFile(file, relative(process.cwd(), file) || file);
    objects += report.objects;
    errors += report.errors.length;
    for (const e of report.errors) process.stdout.write(`${e}\n`);
  }
  if (!quiet) process.stderr.write(`${objects} kelos object${objects === 1 ? '' : 's'} checked, ${errors} error${errors === 1 ? '' : 's'}\n`);
  if (errors > 0) process.exitCode = 1;
}
