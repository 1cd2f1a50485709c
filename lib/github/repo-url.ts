/** A repository named by `owner/repo` or by a clone URL. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
  /** `hostname[:port]`, lowercase, the scheme's default port left out; undefined for `owner/repo`. */
  readonly host?: string;
  /** The host without its port; undefined for `owner/repo`. */
  readonly hostname?: string;
  /** How the URL reaches the host (`git@host:owner/repo` is ssh); undefined for `owner/repo`. */
  readonly protocol?: RepoProtocol;
}

export type RepoProtocol = 'https' | 'http' | 'ssh' | 'git';

const FORMS = 'owner/repo, https://host/owner/repo, ssh://git@host/owner/repo or git@host:owner/repo';
const DEFAULT_PORT: Record<RepoProtocol, string> = { https: '443', http: '80', ssh: '22', git: '9418' };
const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i;
const SCP = /^([^@/:]+)@([^/:]+):(.*)$/;
const HOSTNAME = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/i;
const IPV6 = /^\[[0-9a-f:.]+\]$/i;
const USER = /^\w[\w.-]*$/;
const SEGMENT = /^[\w.-]+$/;

/** Repository text kelos does not accept; the message names what is wrong, never a credential. */
export class RepoUrlError extends Error {
  /** The text as given, quoted, credentials masked, cut at 200 characters. */
  readonly input: string;

  constructor(
    text: string,
    /** What is wrong and what is allowed. */
    readonly reason: string,
  ) {
    const input = quote(text);
    super(`invalid repository ${input}: ${reason}`);
    this.name = 'RepoUrlError';
    this.input = input;
  }
}

/**
 * Parses repository text: `owner/repo`, `https://host/owner/repo`,
 * `http://…`, `ssh://user@host[:port]/owner/repo`, `git://host/owner/repo`
 * or `user@host:owner/repo`, each with an optional `.git` and trailing
 * slashes. On hosts other than github.com the owner and repository are the
 * last two path segments (GitHub Enterprise behind a path prefix). Refuses,
 * with a RepoUrlError: credentials in the URL (only ssh may name a user),
 * whitespace and control characters, other schemes, queries and fragments,
 * `.`/`..` and percent-encoded path segments.
 */
export function parseRepo(text: string): RepoRef {
  const fail = (reason: string): never => {
    throw new RepoUrlError(text, reason);
  };
  if (typeof text !== 'string') return fail('must be a string');
  if (text === '') return fail(`must not be empty; expected ${FORMS}`);
  if (/[\s\p{Cc}]/u.test(text)) return fail('must not contain whitespace or control characters');

  const url = SCHEME_URL.exec(text);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    if (!isProtocol(scheme)) return fail(`scheme "${scheme}://" is not allowed; use https://, http://, ssh:// or git://`);
    const authority = url[2]!;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const user = authority.slice(0, at);
      if (scheme !== 'ssh' || user.includes(':')) return fail(CREDENTIALS);
      if (!USER.test(user)) return fail('the ssh user may only contain letters, digits, "_", "." and "-"');
    }
    const { hostname, port } = hostPort(authority.slice(at + 1), fail);
    const rest = url[3]!;
    if (/[?#]/.test(rest)) return fail('must not have a query or a fragment');
    if (!rest.startsWith('/')) return fail(`has no owner/repo path; expected ${FORMS}`);
    const host = port && port !== DEFAULT_PORT[scheme] ? `${hostname}:${port}` : hostname;
    return { ...ownerRepo(rest.slice(1), isGitHubDotCom(hostname), fail), host, hostname, protocol: scheme };
  }

  if (/^[^/@]*:.*@/.test(text)) return fail(CREDENTIALS);
  const scp = SCP.exec(text);
  if (scp) {
    if (!USER.test(scp[1]!)) return fail('the ssh user may only contain letters, digits, "_", "." and "-"');
    const { hostname } = hostPort(scp[2]!, fail);
    return { ...ownerRepo(scp[3]!, isGitHubDotCom(hostname), fail), host: hostname, hostname, protocol: 'ssh' };
  }

  if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.includes('@') || !text.includes('/')) return fail(`expected ${FORMS}`);
  const { owner, repo } = ownerRepo(text, true, fail);
  if (!/^[\w-]+$/.test(owner)) return fail(`expected ${FORMS}`);
  return { owner, repo };
}

/** `parseRepo`, or undefined for text it refuses. */
export function tryParseRepo(text: string): RepoRef | undefined {
  try {
    return parseRepo(text);
  } catch {
    return undefined;
  }
}

/** github.com itself (not an Enterprise host). */
export function isGitHubDotCom(hostname: string | undefined): boolean {
  return hostname === 'github.com' || hostname === 'www.github.com';
}

const CREDENTIALS = 'must not carry credentials (user:password@ or token@); put the token in the Workspace Secret';
/** The RepoUrlError reason of a URL that carries credentials (checked before the path). */
export const REPO_CREDENTIALS_REASON = CREDENTIALS;

function isProtocol(scheme: string): scheme is RepoProtocol {
  return Object.hasOwn(DEFAULT_PORT, scheme);
}

function hostPort(text: string, fail: (reason: string) => never): { hostname: string; port?: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(text);
  const hostname = m?.[1]?.toLowerCase() ?? '';
  if (!m || !(HOSTNAME.test(hostname) || IPV6.test(hostname))) return fail('has an invalid host');
  const port = m[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return fail(`has an invalid port ${port}`);
  return port === undefined ? { hostname } : { hostname, port };
}

/** The last two segments of a path (`exact`: the only two), after trailing slashes and one `.git` are dropped. */
function ownerRepo(path: string, exact: boolean, fail: (reason: string) => never): { owner: string; repo: string } {
  const segments = path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/');
  if (segments.length < 2) return fail(`has no owner/repo path; expected ${FORMS}`);
  for (const s of segments) {
    if (s === '') return fail('has an empty path segment');
    if (s === '.' || s === '..') return fail('must not contain "." or ".." path segments');
    if (!SEGMENT.test(s)) return fail(`path segment "${s.slice(0, 100)}" may only contain letters, digits, "_", "." and "-"`);
  }
  if (exact && segments.length !== 2) return fail(`must name exactly owner/repo; expected ${FORMS}`);
  const owner = segments[segments.length - 2]!;
  const repo = segments[segments.length - 1]!;
  if (owner.startsWith('-') || repo.startsWith('-')) return fail('owner and repository must not start with "-"');
  return { owner, repo };
}

/** Quoted for a message: control characters escaped, userinfo masked, long text cut. */
function quote(text: unknown): string {
  if (typeof text !== 'string') return String(text);
  // Up to the last `@`: a password may hold any character.
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const masked = url ? text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[\s\S]*@/i, '$1***@') : text.replace(/^[^/@]*:[\s\S]*@/, '***@');
  return JSON.stringify(masked.length > 200 ? `${masked.slice(0, 200)}…` : masked);
}
