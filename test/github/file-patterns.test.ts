import { describe, expect, it } from 'vitest';
import { compileGlob, fileFilter, matchesFilePatterns, matchesGlob } from '../../lib/github/file-patterns.js';

const matches = (glob: string, path: string) => compileGlob(glob).matches(path);

describe('compileGlob', () => {
  it('keeps * and ? within a segment and lets a whole ** span any number of them', () => {
    expect(matches('*.md', 'README.md')).toBe(true);
    expect(matches('*.md', 'docs/README.md')).toBe(false);
    expect(matches('**/*.go', 'main.go')).toBe(true);
    expect(matches('**/*.go', 'cmd/kelos/main.go')).toBe(true);
    expect(matches('vendor/**', 'vendor')).toBe(true);
    expect(matches('vendor/**', 'vendor/a/b.go')).toBe(true);
    expect(matches('vendor/**', 'vendored/a.go')).toBe(false);
    expect(matches('a/**/b', 'a/b')).toBe(true);
    expect(matches('a/**/b', 'a/x/y/b')).toBe(true);
    expect(matches('file?.ts', 'file1.ts')).toBe(true);
    expect(matches('file?.ts', 'file/.ts')).toBe(false);
    expect(matches('.github/**', '.github/workflows/ci.yaml')).toBe(true);
  });

  it('reads classes, alternatives and escapes as Go doublestar does', () => {
    expect(matches('[a-c].ts', 'b.ts')).toBe(true);
    expect(matches('[!a-c].ts', 'b.ts')).toBe(false);
    expect(matches('[^a-c].ts', 'd.ts')).toBe(true);
    expect(matches('[^a].ts', '/.ts')).toBe(false);
    expect(matches('*.{ts,tsx}', 'app.tsx')).toBe(true);
    expect(matches('{docs/**,*.md}', 'docs/a/b.txt')).toBe(true);
    expect(matches('{docs/**,*.md}', 'src/a.md')).toBe(false);
    expect(matches('\\*.md', '*.md')).toBe(true);
    expect(matches('\\*.md', 'a.md')).toBe(false);
    expect(matches('a.(b)+', 'a.(b)+')).toBe(true);
    expect(matches('a.(b)+', 'axbb')).toBe(false);
  });

  it('matches a path built to make backtracking globs slow, in one pass', () => {
    expect(matches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });

  it('fails when a glob is malformed, naming it and where it is', () => {
    expect(() => compileGlob('src/[a', 'filePatterns.include[0]')).toThrow('filePatterns.include[0]: "src/[a" has an unclosed [');
    expect(() => compileGlob('{a,b', 'g')).toThrow('has an unclosed {');
    expect(() => compileGlob('a\\', 'g')).toThrow('ends with an escaping');
    expect(() => compileGlob('[z-a]', 'g')).toThrow('runs backwards');
    expect(() => compileGlob('*'.repeat(1025), 'g')).toThrow('at most 1024 characters');
  });
});

describe('fileFilter', () => {
  it('drops excluded files first, then needs one file left to match include', () => {
    const f = fileFilter({ include: ['**/*.go'], exclude: ['vendor/**'] })!;
    expect(f(['vendor/x/y.go', 'README.md'])).toBe(false);
    expect(f(['vendor/x/y.go', 'cmd/main.go'])).toBe(true);
    expect(f([])).toBe(false);
  });

  it('passes any file left when there is no include, and is undefined with no globs', () => {
    const docsOnly = fileFilter({ exclude: ['docs/**', '*.md'] })!;
    expect(docsOnly(['docs/a.md', 'README.md'])).toBe(false);
    expect(docsOnly(['docs/a.md', 'src/a.ts'])).toBe(true);
    expect(fileFilter({})).toBeUndefined();
    expect(fileFilter(undefined)).toBeUndefined();
  });

  it('fails when a glob is malformed, naming the list and index', () => {
    expect(() => fileFilter({ exclude: ['ok', '[x'] }, 'githubPullRequests.filePatterns')).toThrow('githubPullRequests.filePatterns.exclude[1]');
  });
});

describe('matchesGlob and matchesFilePatterns (webhook filters)', () => {
  it('matches branch names exactly or as globs; a malformed glob only itself', () => {
    expect(matchesGlob('release/*', 'release/1.2')).toBe(true);
    expect(matchesGlob('release/*', 'release/1.2/hotfix')).toBe(false);
    expect(matchesGlob('feature/{x', 'feature/{x')).toBe(true);
    expect(matchesGlob('feature/{x', 'feature/x')).toBe(false);
  });

  it('has the semantics of fileFilter', () => {
    expect(matchesFilePatterns(['internal/auth/token.go'], { include: ['internal/auth/**'] })).toBe(true);
    expect(matchesFilePatterns(['docs/a.md'], { exclude: ['docs/**'] })).toBe(false);
    expect(matchesFilePatterns(['docs/a.md', 'b.ts'], { exclude: ['docs/**'] })).toBe(true);
  });
});
