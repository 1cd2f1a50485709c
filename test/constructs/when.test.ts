import { describe, expect, it } from 'vitest';
import { AgentType, Credentials, Spawner, When, Workspace } from '../../constructs/index.js';
import { rendered, setup } from './_helpers.js';

function spawner(repo: string) {
  const { app, chart } = setup();
  const workspace = new Workspace(chart, 'ws', { repo: 'https://github.com/o/r.git' });
  new Spawner(chart, 's', { type: AgentType.CLAUDE_CODE, credentials: Credentials.none(), workspace, when: When.githubPullRequests({ repo }) });
  return rendered(app)['TaskSpawner/s'].spec.when.githubPullRequests.repo;
}

describe('When', () => {
  it.each(['upstream-org/app', 'https://github.com/upstream-org/app.git', 'git@ghe.corp:team/app.git', 'ssh://git@ghe.corp:2222/team/app'])(
    'keeps the repository %s as written',
    (repo) => expect(spawner(repo)).toBe(repo),
  );

  it('fails when the source repository carries credentials, without repeating them', () => {
    let message = '';
    try {
      spawner('https://x-access-token:ghp_secret@github.com/acme/app.git');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `pipeline/s: 'when.githubPullRequests.repo' must be "owner/repo" or a repository URL, got "https://***@github.com/acme/app.git": ` +
        'must not carry credentials (user:password@ or token@); put the token in the Workspace Secret',
    );
  });

  it.each([
    ['github.com/acme', /expected owner\/repo/],
    ['https://github.com/acme/../app', /"\." or "\.\." path segments/],
    ['acme/app\n', /whitespace or control characters/],
    ['file:///etc/acme/app', /scheme "file:\/\/" is not allowed/],
  ])('fails when the source repository is %j', (repo, why) => {
    expect(() => spawner(repo)).toThrow(why);
    expect(() => spawner(repo)).toThrow(/^pipeline\/s: 'when.githubPullRequests.repo' must be "owner\/repo" or a repository URL, got /);
  });
});
