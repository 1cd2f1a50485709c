import { describe, expect, it } from 'vitest';
import { githubApiBaseUrl, githubGraphqlUrl } from '../../lib/github/api-base-url.js';
import { parseRepo } from '../../lib/github/repo-url.js';

describe('githubApiBaseUrl', () => {
  it.each([
    ['acme/app', 'https://api.github.com'],
    ['https://github.com/acme/app.git', 'https://api.github.com'],
    ['https://www.github.com/acme/app', 'https://api.github.com'],
    ['git@github.com:acme/app.git', 'https://api.github.com'],
    ['ssh://git@github.com:22/acme/app.git', 'https://api.github.com'],
    ['https://ghe.corp.example/acme/app.git', 'https://ghe.corp.example/api/v3'],
    ['git@ghe.corp.example:acme/app.git', 'https://ghe.corp.example/api/v3'],
    ['git://ghe.corp.example/acme/app.git', 'https://ghe.corp.example/api/v3'],
    ['https://ghe.corp.example:8443/scm/acme/app', 'https://ghe.corp.example:8443/api/v3'],
    ['https://ghe.corp.example:443/acme/app', 'https://ghe.corp.example/api/v3'],
    ['http://127.0.0.1:8080/acme/app', 'http://127.0.0.1:8080/api/v3'],
    // The ssh port is not the API's.
    ['ssh://git@ghe.corp.example:2222/acme/app.git', 'https://ghe.corp.example/api/v3'],
  ])('the API of %s is %s', (repo, api) => {
    expect(githubApiBaseUrl(parseRepo(repo))).toBe(api);
  });

  it('uses api.github.com when there is no repository', () => {
    expect(githubApiBaseUrl(undefined)).toBe('https://api.github.com');
  });

  it('lets an explicit URL win, trimmed and without trailing slashes', () => {
    expect(githubApiBaseUrl(parseRepo('https://github.com/acme/app'), ' https://proxy.local/api/ ')).toBe('https://proxy.local/api');
    expect(githubApiBaseUrl(parseRepo('git@ghe.corp:acme/app'), '')).toBe('https://ghe.corp/api/v3');
  });
});

describe('githubGraphqlUrl', () => {
  it.each([
    ['https://api.github.com', 'https://api.github.com/graphql'],
    ['https://api.github.com/', 'https://api.github.com/graphql'],
    ['https://ghe.corp.example/api/v3', 'https://ghe.corp.example/api/graphql'],
    ['http://127.0.0.1:8080/api/v3/', 'http://127.0.0.1:8080/api/graphql'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/graphql'],
  ])('the GraphQL endpoint beside %s is %s', (rest, graphql) => {
    expect(githubGraphqlUrl(rest)).toBe(graphql);
  });
});
