import { describe, expect, it } from 'vitest';
import { isGitHubDotCom, parseRepo, RepoUrlError, tryParseRepo } from '../../lib/github/repo-url.js';

const gh = (owner: string, repo: string, protocol: string, host = 'github.com') => ({ owner, repo, host, hostname: host.replace(/:\d+$/, ''), protocol });

describe('parseRepo', () => {
  it.each([
    ['acme/app', { owner: 'acme', repo: 'app' }],
    ['acme/app.git', { owner: 'acme', repo: 'app' }],
    ['acme/app/', { owner: 'acme', repo: 'app' }],
    ['my_org-2/app.js', { owner: 'my_org-2', repo: 'app.js' }],
  ])('reads the shorthand %s', (text, want) => expect(parseRepo(text)).toEqual(want));

  it.each([
    ['https://github.com/acme/app', gh('acme', 'app', 'https')],
    ['https://github.com/acme/app.git', gh('acme', 'app', 'https')],
    ['https://github.com/acme/app/', gh('acme', 'app', 'https')],
    ['https://github.com/acme/app.git/', gh('acme', 'app', 'https')],
    ['https://github.com/acme/app.github.io', gh('acme', 'app.github.io', 'https')],
    ['HTTPS://GitHub.COM/acme/App', gh('acme', 'App', 'https')],
    ['https://github.com:443/acme/app', gh('acme', 'app', 'https')],
    ['http://127.0.0.1:8080/acme/app', gh('acme', 'app', 'http', '127.0.0.1:8080')],
    ['http://localhost:80/acme/app', gh('acme', 'app', 'http', 'localhost')],
    ['ssh://git@github.com/acme/app.git', gh('acme', 'app', 'ssh')],
    ['ssh://github.com/acme/app.git', gh('acme', 'app', 'ssh')],
    ['ssh://git@ghe.corp.io:2222/team/svc.git', gh('team', 'svc', 'ssh', 'ghe.corp.io:2222')],
    ['git://ghe.corp.io/team/svc.git', gh('team', 'svc', 'git', 'ghe.corp.io')],
    ['git@github.com:acme/app.git', gh('acme', 'app', 'ssh')],
    ['git@GHE.corp.io:team/svc', gh('team', 'svc', 'ssh', 'ghe.corp.io')],
    ['org-123@github.com:acme/app.git', gh('acme', 'app', 'ssh')],
    ['https://[::1]:9000/acme/app', gh('acme', 'app', 'https', '[::1]:9000')],
  ])('reads the URL %s', (text, want) => expect(parseRepo(text)).toEqual(want));

  it.each([
    ['https://ghe.corp.io:8443/team/svc', gh('team', 'svc', 'https', 'ghe.corp.io:8443')],
    ['https://git.corp.io/github/team/svc.git', gh('team', 'svc', 'https', 'git.corp.io')],
    ['https://gitlab.corp.io/group/sub/proj/', gh('sub', 'proj', 'https', 'gitlab.corp.io')],
    ['git@git.corp.io:scm/team/svc.git', gh('team', 'svc', 'ssh', 'git.corp.io')],
  ])('takes the last two segments behind an Enterprise path prefix: %s', (text, want) => expect(parseRepo(text)).toEqual(want));

  describe('refuses credentials in the URL, never repeating them', () => {
    it.each([
      'https://user:ghp_secret123@github.com/acme/app.git',
      'https://ghp_secret123@github.com/acme/app.git',
      'https://x-access-token:ghp_secret123@ghe.corp.io:8443/acme/app',
      'http://:ghp_secret123@127.0.0.1/acme/app',
      'git://ghp_secret123@ghe.corp.io/acme/app',
      'ssh://git:ghp_secret123@github.com/acme/app.git',
      'git:ghp_secret123@github.com:acme/app.git',
      'https://user:ghp_secret123@evil@github.com/acme/app',
    ])('%s', (text) => {
      const err = catchError(text);
      expect(err.reason).toMatch(/must not carry credentials/);
      expect(err.message).not.toContain('ghp_secret123');
    });

    it.each([
      'https://user:ghp_secret123/x@github.com/acme/app',
      'https://user:ghp_secret\n123@github.com/acme/app',
      'ftp://user:ghp_secret123@github.com/acme/app',
      'user:ghp_secret123/x@github.com:acme/app',
    ])('nor in the message when the URL is malformed otherwise: %j', (text) => {
      expect(catchError(text).message).not.toContain('ghp_secret');
    });
  });

  it.each([
    ['https://github.com/acme/../etc', /"\." or "\.\." path segments/],
    ['https://github.com/../acme/app', /"\." or "\.\." path segments/],
    ['https://ghe.corp/prefix/./acme/app', /"\." or "\.\." path segments/],
    ['acme/..', /"\." or "\.\." path segments/],
    ['../app', /"\." or "\.\." path segments/],
    ['acme/...git', /"\." or "\.\." path segments/],
    ['https://github.com/acme/%2e%2e', /may only contain letters, digits/],
    ['https://github.com/acme/app%0a', /may only contain letters, digits/],
    ['https://github.com/acme//app', /empty path segment/],
    ['git@github.com:/acme/app.git', /empty path segment/],
    ['acme/.git', /empty path segment/],
  ])('refuses the path of %j', (text, why) => expect(catchError(text).reason).toMatch(why));

  it.each([
    ' acme/app',
    'acme/app\n',
    'https://github.com/acme/app\n--upload-pack=touch /tmp/x',
    'https://git\thub.com/acme/app',
    'https://github.com/ac me/app',
    'acme/app\u0000',
    'acme/app\u2028',
    'https://github.com/acme/app\r',
  ])('refuses whitespace and control characters: %j', (text) => expect(catchError(text).reason).toMatch(/whitespace or control characters/));

  it.each([
    ['file:///etc/passwd', /scheme "file:\/\/" is not allowed/],
    ['ftp://github.com/acme/app', /scheme "ftp:\/\/" is not allowed/],
    ['git+ssh://git@github.com/acme/app', /scheme "git\+ssh:\/\/" is not allowed/],
    ['javascript:alert(1)//acme/app', /expected owner\/repo/],
    ['ext::sh', /expected owner\/repo/],
    ['C:/repos/app', /expected owner\/repo/],
    ['/srv/git/app', /empty path segment|expected owner\/repo/],
  ])('refuses the scheme of %j', (text, why) => expect(catchError(text).reason).toMatch(why));

  it.each([
    ['https://github.com/acme/app?ref=main', /query or a fragment/],
    ['https://github.com/acme/app#readme', /query or a fragment/],
    ['https://github.com', /no owner\/repo path/],
    ['https://github.com/', /no owner\/repo path/],
    ['https://github.com/acme', /no owner\/repo path/],
    ['https://github.com/acme/app/pull/5', /exactly owner\/repo/],
    ['https:///acme/app', /invalid host/],
    ['https://-evil.com/acme/app', /invalid host/],
    ['https://github.com\\@evil.com/acme/app', /must not carry credentials/],
    ['https://evil.com\\.github.com/acme/app', /invalid host/],
    ['https://github.com:99999/acme/app', /invalid port/],
    ['https://github.com:0/acme/app', /invalid port/],
    ['https://github.com:x/acme/app', /invalid host/],
    ['https://gïthub.com/acme/app', /invalid host/],
    ['-oProxyCommand=x@github.com:acme/app', /ssh user/],
    ['ssh://-oProxyCommand@github.com/acme/app', /ssh user/],
    ['https://github.com/-acme/app', /must not start with "-"/],
    ['acme/-app', /must not start with "-"/],
    ['github.com/acme', /expected owner\/repo/],
    ['acme', /expected owner\/repo/],
    ['acme/app/extra', /exactly owner\/repo/],
    ['ghe.corp:acme/app', /expected owner\/repo/],
    ['', /must not be empty/],
  ])('refuses %j', (text, why) => expect(catchError(text).reason).toMatch(why));

  it('names what is wrong and what is allowed, the input quoted and cut', () => {
    expect(() => parseRepo('just-a-name')).toThrow(
      'invalid repository "just-a-name": expected owner/repo, https://host/owner/repo, ssh://git@host/owner/repo or git@host:owner/repo',
    );
    expect(catchError('https://u:p@github.com/acme/app?x').input).toBe('"https://***@github.com/acme/app?x"');
    expect(catchError('u:p@github.com:acme/app').input).toBe('"***@github.com:acme/app"');
    const long = catchError(`acme/${'x'.repeat(500)} `);
    expect(long.input.length).toBeLessThan(210);
    expect(long).toBeInstanceOf(RepoUrlError);
  });

  it('refuses a value that is not a string', () => {
    expect(() => parseRepo(42 as unknown as string)).toThrow(/must be a string/);
  });
});

describe('tryParseRepo', () => {
  it('answers undefined instead of throwing', () => {
    expect(tryParseRepo('https://u:p@github.com/acme/app')).toBeUndefined();
    expect(tryParseRepo('git@github.com:acme/app.git')).toMatchObject({ owner: 'acme', repo: 'app' });
  });
});

describe('isGitHubDotCom', () => {
  it('is github.com and www.github.com only', () => {
    expect(isGitHubDotCom('github.com')).toBe(true);
    expect(isGitHubDotCom('www.github.com')).toBe(true);
    expect(isGitHubDotCom('github.com.evil.io')).toBe(false);
    expect(isGitHubDotCom('ghe.corp.io')).toBe(false);
    expect(isGitHubDotCom(undefined)).toBe(false);
  });
});

function catchError(text: string): RepoUrlError {
  try {
    parseRepo(text);
  } catch (err) {
    if (err instanceof RepoUrlError) return err;
    throw err;
  }
  throw new Error(`parseRepo accepted ${JSON.stringify(text)}`);
}
