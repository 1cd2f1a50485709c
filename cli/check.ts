import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../lib/render/output.js';
import { readProjectConfig } from './project.js';
import { runApp } from './synth.js';

/** The files that differ between two output folders. */
export function diffOutputs(expectedDir: string, actualDir: string): { files: number; added: string[]; removed: string[]; changed: string[] } {
  const expected = new Set(listFiles(expectedDir));
  const actual = new Set(listFiles(actualDir));
  const added = [...expected].filter((f) => !actual.has(f));
  const removed = [...actual].filter((f) => !expected.has(f));
  const changed = [...expected].filter(
    (f) => actual.has(f) && readFileSync(join(expectedDir, f), 'utf8') !== readFileSync(join(actualDir, f), 'utf8'),
  );
  return { files: expected.size, added, removed, changed };
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
    process.stderr.write(`${output}/ is out of date: ${total} file${total === 1 ? '' : 's'} differ\n${lines.join('\n')}\nRun \`npm run synth\` and commit the result.\n`);
    process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
