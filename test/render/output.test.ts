import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_LIST, listFiles, type OutputFile, writeOutput } from '../../lib/render/output.js';

const file = (path: string, content = `kind: X\nmetadata: {name: ${path}}\n`): OutputFile => ({ path, content });
const tmp = () => mkdtempSync(join(tmpdir(), 'kelos-output-'));

describe('writeOutput', () => {
  it('writes the files and the list of what it generated', () => {
    const out = join(tmp(), 'dist');
    writeOutput(out, [file('team/Task.a.yaml'), file('argocd/team.yaml')]);
    expect(listFiles(out)).toEqual(['argocd/team.yaml', 'team/Task.a.yaml']);
    expect(
      readFileSync(join(out, GENERATED_LIST), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual(['argocd/team.yaml', 'team/Task.a.yaml']);
  });

  it('removes files it generated before and no longer produces', () => {
    const out = join(tmp(), 'dist');
    writeOutput(out, [file('team/Task.a.yaml'), file('old/Task.b.yaml')]);
    writeOutput(out, [file('team/Task.a.yaml', 'new\n')]);
    expect(listFiles(out)).toEqual(['team/Task.a.yaml']);
    expect(readFileSync(join(out, 'team/Task.a.yaml'), 'utf8')).toBe('new\n');
    expect(existsSync(join(out, 'old'))).toBe(false);
  });

  it('keeps files in the folder that it did not generate', () => {
    const out = join(tmp(), 'dist');
    mkdirSync(join(out, 'team'), { recursive: true });
    writeFileSync(join(out, 'README.md'), 'mine\n');
    writeFileSync(join(out, 'team', 'notes.txt'), 'also mine\n');
    mkdirSync(join(out, 'empty-by-choice'));
    writeOutput(out, [file('team/Task.a.yaml')]);
    writeOutput(out, [file('other/Task.b.yaml')]);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(out, 'team', 'notes.txt'), 'utf8')).toBe('also mine\n');
    expect(statSync(join(out, 'empty-by-choice')).isDirectory()).toBe(true);
    expect(listFiles(out)).toEqual(['README.md', 'other/Task.b.yaml', 'team/notes.txt']);
  });

  it('never writes or deletes through a symbolic link out of the folder', () => {
    const outside = tmp();
    writeFileSync(join(outside, 'Task.a.yaml'), 'outside\n');
    writeFileSync(join(outside, 'precious.txt'), 'outside\n');
    const out = join(tmp(), 'dist');
    mkdirSync(out);
    symlinkSync(outside, join(out, 'team'));
    expect(() => writeOutput(out, [file('team/Task.a.yaml')])).toThrow(
      `${join(out, 'team')} is a symbolic link; kelos synth does not write through symbolic links: remove it or choose another output folder`,
    );
    expect(readdirSync(outside).sort()).toEqual(['Task.a.yaml', 'precious.txt']);
    expect(readFileSync(join(outside, 'Task.a.yaml'), 'utf8')).toBe('outside\n');
    expect(readlinkSync(join(out, 'team'))).toBe(outside);
  });

  it('keeps a symbolic link it did not generate as a link, and what it points to', () => {
    const outside = tmp();
    writeFileSync(join(outside, 'precious.txt'), 'outside\n');
    const out = join(tmp(), 'dist');
    mkdirSync(out);
    symlinkSync(outside, join(out, 'shared'));
    writeOutput(out, [file('team/Task.a.yaml')]);
    writeOutput(out, [file('team/Task.b.yaml')]);
    expect(lstatSync(join(out, 'shared')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('outside\n');
  });

  it('refuses to overwrite a file it did not generate', () => {
    const out = join(tmp(), 'dist');
    mkdirSync(join(out, 'team'), { recursive: true });
    writeFileSync(join(out, GENERATED_LIST), '# list\n');
    writeFileSync(join(out, 'team', 'Task.a.yaml'), 'hand-written\n');
    expect(() => writeOutput(out, [file('team/Task.a.yaml')])).toThrow(
      `${join(out, 'team/Task.a.yaml')} exists and was not written by kelos synth; move it away or delete it`,
    );
    expect(readFileSync(join(out, 'team', 'Task.a.yaml'), 'utf8')).toBe('hand-written\n');
  });

  it('takes files of its own naming scheme for generated when the folder has no list yet', () => {
    const out = join(tmp(), 'dist');
    mkdirSync(join(out, 'team'), { recursive: true });
    writeFileSync(join(out, 'team', 'Task.old.yaml'), 'apiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata:\n  name: old\n');
    writeFileSync(join(out, 'team', 'Task.mine.yaml'), 'not an object of that kind\n');
    writeOutput(out, [file('team/Task.a.yaml')]);
    expect(listFiles(out)).toEqual(['team/Task.a.yaml', 'team/Task.mine.yaml']);
  });

  it('leaves the folder as it was when writing fails, and no temporary folder behind', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    writeOutput(out, [file('team/Task.a.yaml', 'first\n')]);
    expect(() => writeOutput(out, [file('team/Task.a.yaml', 'second\n'), file('../escape.yaml')])).toThrow(
      'output path "../escape.yaml" must be relative to the output folder and must not contain "." or ".." segments or hidden names',
    );
    expect(readFileSync(join(out, 'team/Task.a.yaml'), 'utf8')).toBe('first\n');
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  it('replaces the folder in one rename: the old one is never half-written', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    writeOutput(out, [file('team/Task.a.yaml')]);
    const before = statSync(out).ino;
    writeOutput(out, [file('team/Task.a.yaml', 'changed\n')]);
    expect(statSync(out).ino).not.toBe(before);
    expect(readdirSync(parent)).toEqual(['dist']);
  });
});

describe('listFiles', () => {
  it('passes over symbolic links and the list of generated files', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.yaml'), '');
    writeFileSync(join(dir, '.hidden'), '');
    writeFileSync(join(dir, GENERATED_LIST), '# list\n');
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'sub', 'a.yaml'), join(dir, 'link.yaml'));
    expect(listFiles(dir)).toEqual(['.hidden', 'sub/a.yaml']);
  });
});
