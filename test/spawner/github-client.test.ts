import { describe, expect, it } from 'vitest';
import { githubApiBaseUrl, parseRepo } from '../../lib/spawner/github-client.js';

describe('parseRepo', () => {
  it.each([
    ['acme/app', { owner: 'acme', repo: 'app' }],
    ['https://github.com/acme/app.git', { host: 'github.com', owner: 'acme', repo: 'app', scheme: 'https' }],
    ['https://ghe.corp.io/team/svc/', { host: 'ghe.corp.io', owner: 'team', repo: 'svc', scheme: 'https' }],
    ['http://127.0.0.1:8080/acme/app', { host: '127.0.0.1:8080', owner: 'acme', repo: 'app', scheme: 'http' }],
    ['git@ghe.corp.io:team/svc.git', { host: 'ghe.corp.io', owner: 'team', repo: 'svc', scheme: 'https' }],
    ['ssh://git@github.com/acme/app.git', { host: 'github.com', owner: 'acme', repo: 'app', scheme: 'https' }],
  ])('parses %s', (text, want) => expect(parseRepo(text)).toEqual(want));

  it('fails on something that is not a repository', () => {
    expect(() => parseRepo('just-a-name')).toThrow(/expected owner\/repo or a repository URL/);
  });
});

describe('githubApiBaseUrl', () => {
  it('uses api.github.com for github.com and the shorthand', () => {
    expect(githubApiBaseUrl(parseRepo('https://github.com/acme/app'))).toBe('https://api.github.com');
    expect(githubApiBaseUrl(parseRepo('acme/app'))).toBe('https://api.github.com');
  });
  it('derives GitHub Enterprise Server URLs from the host', () => {
    expect(githubApiBaseUrl(parseRepo('git@ghe.corp.io:team/svc.git'))).toBe('https://ghe.corp.io/api/v3');
    expect(githubApiBaseUrl(parseRepo('http://127.0.0.1:8080/acme/app'))).toBe('http://127.0.0.1:8080/api/v3');
  });
  it('lets an explicit URL win', () => {
    expect(githubApiBaseUrl(parseRepo('https://github.com/acme/app'), 'https://proxy.local/api/')).toBe('https://proxy.local/api');
  });
});
