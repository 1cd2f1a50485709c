/**
 * Git's branch name rules, as `git check-ref-format --branch <name>` applies
 * them (git 2.39, refs.c `check_refname_format` on `refs/heads/<name>`),
 * plus one rule of kelos: the name is not `@`, which git reads as HEAD.
 *
 * A branch name is hostile input when it is rendered from an issue title or
 * a pull request's head ref: it ends up in git commands of the agent pod.
 */

/** What is wrong with `name` as a branch name, or undefined when git accepts it. */
export function branchNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.startsWith('-')) return 'it starts with "-"';
  if (name === 'HEAD') return 'it is "HEAD"';
  if (name === '@') return 'it is "@" (git reads it as HEAD)';
  if (name.endsWith('/')) return 'it ends with "/"';
  if (name.endsWith('.')) return 'it ends with "."';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return `it contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    if (FORBIDDEN.includes(ch)) return `it contains ${ch === ' ' ? 'a space' : `"${ch}"`}`;
  }
  for (const component of name.split('/')) {
    if (component === '') return 'it has an empty path component ("//" or a leading "/")';
    if (component.startsWith('.')) return `the component "${component}" starts with "."`;
    if (component.endsWith('.lock')) return `the component "${component}" ends with ".lock"`;
  }
  return undefined;
}

/** Characters no ref may contain (besides control characters). */
const FORBIDDEN = [' ', '~', '^', ':', '?', '*', '[', '\\'];

/** True when git accepts `name` as a branch name (see branchNameProblem). */
export function isValidBranchName(name: string): boolean {
  return branchNameProblem(name) === undefined;
}

/**
 * The error text for a branch name git would refuse: what, why, and what is
 * allowed. Control characters and long names are shown escaped and cut, so
 * the message is safe to log and to put in a status.
 */
export function invalidBranchMessage(name: string, problem: string): string {
  return `branch ${quoteForMessage(name)} is not a valid git branch name: ${problem} (see git check-ref-format --branch)`;
}

/** JSON-quoted and cut to `max` characters: a hostile value shown without its control characters. */
export function quoteForMessage(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
