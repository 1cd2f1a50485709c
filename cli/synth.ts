// Running a pipelines app: in-process for `tsx <file>` apps, else as a child process.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './errors.js';

const TSX_APP = /^(?:npx\s+)?tsx\s+(\S+\.[cm]?[jt]s)$/;

/**
 * Runs the app with CDK8S_OUTDIR set to `outdir`. A KelosApp renders
 * everything before it writes, so a failing app leaves `outdir` untouched.
 */
export async function runApp(app: string, outdir: string, cwd = process.cwd()): Promise<void> {
  const previous = process.env.CDK8S_OUTDIR;
  const match = TSX_APP.exec(app.trim());
  if (match) {
    process.env.CDK8S_OUTDIR = resolve(cwd, outdir);
    try {
      (await tsxApi(cwd, app)).register();
      await import(pathToFileURL(resolve(cwd, match[1])).href);
    } catch (err) {
      const e = err as Error;
      if (e.name === 'SynthError' || e.name === 'PropError' || e.name === 'OutputError') throw new UserError(e.message);
      throw err;
    } finally {
      if (previous === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = previous;
    }
    return;
  }
  const r = spawnSync(app, {
    shell: true,
    cwd,
    stdio: 'inherit',
    env: { ...process.env, CDK8S_OUTDIR: resolve(cwd, outdir) },
  });
  if (r.status !== 0) throw new UserError(`app \`${app}\` failed (exit ${r.status ?? r.signal}); nothing was written`);
}

/**
 * tsx, which kelos takes as an optional peer: beside kelos when installed
 * together, else from the project (a global kelos synthesising a project).
 */
async function tsxApi(cwd: string, app: string): Promise<{ register: () => unknown }> {
  try {
    return await import('tsx/esm/api');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  try {
    return createRequire(join(cwd, 'package.json'))('tsx/esm/api') as { register: () => unknown };
  } catch {
    throw new UserError(`app \`${app}\` runs TypeScript with tsx, which is not installed in ${cwd}: run \`npm install --save-dev tsx\``);
  }
}
