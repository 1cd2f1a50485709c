import { posix } from 'node:path';

/** Quotes a value for POSIX sh: single quotes, with embedded quotes escaped. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * A workspace file path made safe to join under the repository: relative,
 * forward slashes, no escape with `..`. Returns the cleaned path or why not.
 */
export function sanitizeRelativePath(path: string): { path: string } | { error: string } {
  if (path.trim() === '') return { error: 'path is empty' };
  if (path.includes('\\')) return { error: 'path must use forward slashes' };
  if (path.includes('\0')) return { error: 'path must not contain NUL' };
  if (path.startsWith('/')) return { error: 'absolute paths are not allowed' };
  const clean = posix.normalize(path).replace(/\/+$/, '');
  if (clean === '.' || clean === '') return { error: 'path resolves to the repository root' };
  if (clean === '..' || clean.startsWith('../')) return { error: 'path escapes the repository root' };
  return { path: clean };
}

/** A plugin, skill, agent or MCP server name used as one path component. */
export function checkComponentName(name: string, what: string): string | undefined {
  if (name === '') return `${what} name is empty`;
  if (/[/\\\0]/.test(name)) return `${what} name "${name}" contains a path separator`;
  if (name === '.' || name === '..') return `${what} name "${name}" is a path traversal`;
  return undefined;
}
