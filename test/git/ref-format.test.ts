import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { branchNameProblem, invalidBranchMessage, isValidBranchName } from '../../lib/git/ref-format.js';

// Outside any repository, so that git does not expand @{-1}, @ or @{upstream}.
const dir = mkdtempSync(join(tmpdir(), 'kelos-ref-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gitAccepts(name: string): boolean {
  const r = spawnSync('git', ['check-ref-format', '--branch', name], {
    cwd: dir,
    env: { ...process.env, GIT_CEILING_DIRECTORIES: dir, GIT_DIR: join(dir, 'none') },
  });
  if (r.error) throw r.error;
  return r.status === 0;
}

const HOSTILE = [
  'main',
  'feature/x',
  'kelos-task-42',
  '-f main',
  '-f',
  '--force',
  '--upload-pack=touch /tmp/p',
  '$(id)',
  '`id`',
  'a;id',
  'a&&id',
  'a|id',
  'x\nmain',
  'x\rmain',
  'x\0y',
  'tab\there',
  'a..b',
  '..',
  '../../etc/passwd',
  'a/../b',
  'a b',
  'HEAD',
  'FETCH_HEAD',
  'ORIG_HEAD',
  'refs/heads/main',
  'origin/main',
  '@',
  '@{-1}',
  '@{upstream}',
  'a@{0}',
  'a@b',
  'x.lock',
  'x.lock/y',
  'y/x.lock',
  'x.lock.y',
  '.hidden',
  'a/.hidden',
  'a./b',
  'trailing.',
  'trailing/',
  '/leading',
  'double//slash',
  'a~1',
  'a^2',
  'a:b',
  'a?b',
  'a*b',
  'a[b',
  'a\\b',
  'a{b}',
  'ünïcødé',
  '分支',
  '😀',
  'del\u007f',
  'esc\u001b[31m',
  'nbsp\u00a0x',
  'rtl\u202emain',
  'zero\u200bwidth',
  'a/-b',
  '-a/b',
  'a'.repeat(300),
  `${'a'.repeat(250)}/b`,
  '{{.Title}}',
  "it's",
  'say "hi"',
  'a,b',
  'a=b',
  'a#b',
  'a%b',
  'a!b',
  'a+b',
];

/** Names built from the characters and pieces git cares about, from a seeded generator. */
function generated(count: number): string[] {
  const pieces = [
    'a',
    'b',
    'z',
    '0',
    '9',
    '-',
    '_',
    '.',
    '/',
    '@',
    '{',
    '}',
    '..',
    '.lock',
    '@{',
    ' ',
    '~',
    '^',
    ':',
    '?',
    '*',
    '[',
    '\\',
    '\t',
    '\n',
    '\u007f',
    'é',
    'HEAD',
    'x',
  ];
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + (next() % 6);
    let s = '';
    for (let j = 0; j < len; j++) s += pieces[next() % pieces.length];
    out.push(s);
  }
  return out;
}

describe('branchNameProblem', () => {
  // NUL cannot be passed in argv: git never sees such a name; kelos refuses it.
  const names = [...new Set([...HOSTILE, ...generated(360)])].filter((n) => !n.includes('\0') && n !== '@');

  it(`agrees with git check-ref-format --branch on ${names.length} hostile and generated names`, () => {
    expect(names.length).toBeGreaterThan(300);
    const disagreements = names.map((name) => ({ name, git: gitAccepts(name), kelos: isValidBranchName(name) })).filter((r) => r.git !== r.kelos);
    expect(disagreements).toEqual([]);
    // Both outcomes are covered, so the comparison can fail either way.
    const valid = names.filter(isValidBranchName).length;
    expect(valid).toBeGreaterThan(20);
    expect(names.length - valid).toBeGreaterThan(200);
  });

  it('refuses "@", which git accepts outside a repository but reads as HEAD inside one', () => {
    expect(gitAccepts('@')).toBe(true);
    expect(branchNameProblem('@')).toBe('it is "@" (git reads it as HEAD)');
  });

  it('refuses NUL', () => {
    expect(branchNameProblem('x\0y')).toBe('it contains the control character U+0000');
  });

  it.each([
    ['-f main', 'it starts with "-"'],
    ['a..b', 'it contains ".."'],
    ['x\nmain', 'it contains the control character U+000A'],
    ['a b', 'it contains a space'],
    ['x.lock/y', 'the component "x.lock" ends with ".lock"'],
  ])('explains %j', (name, problem) => {
    expect(branchNameProblem(name)).toBe(problem);
  });

  it('leaves shell syntax to quoting: git accepts $(id), and the name only ever reaches git as one quoted argument', () => {
    expect(gitAccepts('$(id)')).toBe(true);
    expect(branchNameProblem('$(id)')).toBeUndefined();
  });

  it('quotes the name in messages, control characters escaped and long names cut', () => {
    expect(invalidBranchMessage('x\nmain', 'it contains the control character U+000A')).toBe(
      'branch "x\\nmain" is not a valid git branch name: it contains the control character U+000A (see git check-ref-format --branch)',
    );
    expect(invalidBranchMessage('a'.repeat(500), 'p')).toContain(`"${'a'.repeat(120)}…"`);
  });
});
