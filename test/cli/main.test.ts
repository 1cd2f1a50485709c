// The program itself: its version, and that `--version` of a command stays that command's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kelos, root } from './_kelos.js';

const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('kelos', () => {
  it('prints its version with --version', async () => {
    const r = await kelos(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${own.version}\n`, stderr: '' });
  });

  it('leaves --version after a command to that command', async () => {
    const r = await kelos(['install', '--dry-run', '--version', '0.2.0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: ghcr.io/kelos-ts/kelos:v0.2.0\n');
  });

  it('says in its help how to get the version', async () => {
    const r = await kelos(['--help']);
    expect(r.stdout).toContain('Run `kelos --version` for the version');
  });
});
