import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_LIST, generatedFiles, listFiles } from '../lib/render/output.js';
import { readProjectConfig } from './project.js';
import { runApp } from './synth.js';

/**
 * The files that differ between two output folders. Of the files only the
 * actual one has, those kelos generated and manifests (`.yaml`, `.yml`,
 * `.json`, which kubectl and ArgoCD would apply) count; other files kept
 * there (a README) do not. The list of generated files is compared too.
 */
export function diffOutputs(expectedDir: string, actualDir: string): { files: number; added: string[]; removed: string[]; changed: string[] } {
  const generated = generatedFiles(actualDir);
  const withList = (dir: string) => (existsSync(join(dir, GENERATED_LIST)) ? [GENERATED_LIST] : []);
  const expected = new Set([...listFiles(expectedDir), ...withList(expectedDir)]);
  const actual = new Set([...listFiles(actualDir), ...withList(actualDir)]);
  const added = [...expected].filter((f) => !actual.has(f));
  const removed = [...actual].filter((f) => !expected.has(f) && (generated.has(f) || /\.(ya?ml|json)$/i.test(f)));
  const changed = [...expected].filter((f) => actual.has(f) && readFileSync(join(expectedDir, f), 'utf8') !== readFileSync(join(actualDir, f), 'utf8'));
  return { files: expected.size - withList(expectedDir).length, added, removed, changed };
}

export async function runCheck(opts: { app?: string; output?: string }): Promise<void> {
  const config = readProjectConfig();
  const output = opts.output ?? config.output;
  const tmp = mkdtempSync(join(tmpdir(), 'kelos-check-'));
  try {
    await runApp(opts.app ?? config.app, tmp);
    const d = diffOutputs(tmp, output);
    const total = d.added.length + d.removed.length + d.changed.length;
    if (total === 0) {
      process.stdout.write(`${output}/ is up to date (${d.files} files)\n`);
      return;
    }
    const lines = [
      ...d.changed.map((f) => `  changed:  ${output}/${f}`),
      ...d.added.map((f) => `  missing:  ${output}/${f}`),
      ...d.removed.map((f) => `  stale:    ${output}/${f}`),
    ];
    process.stderr.write(
      `${output}/ is out of date: ${total} file${total === 1 ? '' : 's'} differ\n${lines.join('\n')}\nRun \`npm run synth\` and commit the result.\n`,
    );
    process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
