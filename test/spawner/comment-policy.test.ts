import { describe, expect, it } from 'vitest';
import {
  type CommandComment,
  CommentAuthorizer,
  evaluateCommentPolicy,
  hasCommand,
  ignoringTriggersOf,
  isBotAuthor,
  type ResolvedCommentPolicy,
  resolveCommentPolicy,
} from '../../lib/spawner/comment-policy.js';

const c = (author: string, body: string, createdAt: string): CommandComment => ({ author, body, createdAt });
const anyone = async () => true;
const policy = (p: Partial<ResolvedCommentPolicy>): ResolvedCommentPolicy => ({ excludeComments: [], allowedUsers: [], allowedTeams: [], ...p });

describe('hasCommand', () => {
  it('matches a whole trimmed line only', () => {
    expect(hasCommand('please\n  /kelos pick-up  \nthanks', ['/kelos pick-up'])).toBe(true);
    expect(hasCommand('I will /kelos pick-up later', ['/kelos pick-up'])).toBe(false);
    expect(hasCommand('/kelos pick-up-now', ['/kelos pick-up'])).toBe(false);
    expect(hasCommand(null, ['/x'])).toBe(false);
  });
});

describe('resolveCommentPolicy', () => {
  it('folds the legacy fields in', () => {
    expect(resolveCommentPolicy({ triggerComment: '/go', excludeComments: ['/stop'] })).toEqual(
      policy({ triggerComment: '/go', excludeComments: ['/stop'], minimumPermission: 'write' }),
    );
  });
  it('requires write for a trigger when the policy names no one (unlike Kelos v0.19, where anyone may trigger)', () => {
    expect(resolveCommentPolicy({ commentPolicy: { triggerComment: '/go' } }).minimumPermission).toBe('write');
    expect(resolveCommentPolicy({ triggerComment: '/go' }).minimumPermission).toBe('write');
    // What is set is kept: allowed users alone stay the only ones, a lower permission stays lower.
    expect(resolveCommentPolicy({ commentPolicy: { triggerComment: '/go', allowedUsers: ['ann'] } }).minimumPermission).toBeUndefined();
    expect(resolveCommentPolicy({ commentPolicy: { triggerComment: '/go', minimumPermission: 'triage' } }).minimumPermission).toBe('triage');
    // Excludes alone name no trigger: nothing to default.
    expect(resolveCommentPolicy({ commentPolicy: { excludeComments: ['/stop'] } }).minimumPermission).toBeUndefined();
  });
  it('fails when commentPolicy is combined with the legacy fields', () => {
    expect(() => resolveCommentPolicy({ triggerComment: '/go', commentPolicy: { triggerComment: '/go' } })).toThrow(
      /commentPolicy cannot be used with triggerComment or excludeComments/,
    );
  });
});

describe('evaluateCommentPolicy', () => {
  const item = { body: 'an issue', author: 'reporter' };

  it('includes everything when no command is configured', async () => {
    expect(await evaluateCommentPolicy(policy({}), item, [], anyone)).toEqual({ included: true });
  });

  it('with a trigger only: needs a trigger, and reports the newest one', async () => {
    const p = policy({ triggerComment: '/go' });
    expect(await evaluateCommentPolicy(p, item, [], anyone)).toEqual({ included: false });
    const got = await evaluateCommentPolicy(p, item, [c('a', '/go', '2025-01-01T00:00:00Z'), c('b', '/go', '2025-01-02T00:00:00Z')], anyone);
    expect(got).toEqual({ included: true, triggerTime: new Date('2025-01-02T00:00:00Z'), triggerAuthor: 'b' });
  });

  it('with a trigger only: a trigger in the body admits without a time', async () => {
    expect(await evaluateCommentPolicy(policy({ triggerComment: '/go' }), { body: 'text\n/go', author: 'r' }, [], anyone)).toEqual({
      included: true,
      triggerAuthor: 'r',
    });
  });

  it('with excludes only: any authorised exclude blocks', async () => {
    const p = policy({ excludeComments: ['/stop'] });
    expect(await evaluateCommentPolicy(p, item, [], anyone)).toEqual({ included: true });
    expect(await evaluateCommentPolicy(p, item, [c('a', '/stop', '2025-01-01T00:00:00Z')], anyone)).toEqual({ included: false });
  });

  it('with both: the most recent command wins (the needs-input loop)', async () => {
    const p = policy({ triggerComment: '/kelos pick-up', excludeComments: ['/kelos needs-input'] });
    const pick = c('maintainer', '/kelos pick-up', '2025-01-01T00:00:00Z');
    const needs = c('bot', '/kelos needs-input', '2025-01-02T00:00:00Z');
    const again = c('maintainer', '/kelos pick-up', '2025-01-03T00:00:00Z');
    expect(await evaluateCommentPolicy(p, item, [pick], anyone)).toEqual({
      included: true,
      triggerTime: new Date('2025-01-01T00:00:00Z'),
      triggerAuthor: 'maintainer',
    });
    expect(await evaluateCommentPolicy(p, item, [pick, needs], anyone)).toEqual({ included: false });
    expect(await evaluateCommentPolicy(p, item, [pick, needs, again], anyone)).toEqual({
      included: true,
      triggerTime: new Date('2025-01-03T00:00:00Z'),
      triggerAuthor: 'maintainer',
    });
  });

  it('with both: a body command decides only when no comment carries one, exclude first', async () => {
    const p = policy({ triggerComment: '/go', excludeComments: ['/stop'] });
    expect(await evaluateCommentPolicy(p, { body: '/go', author: 'r' }, [], anyone)).toEqual({ included: true, triggerAuthor: 'r' });
    expect(await evaluateCommentPolicy(p, { body: '/go\n/stop', author: 'r' }, [], anyone)).toEqual({ included: false });
    expect(await evaluateCommentPolicy(p, { body: '/stop', author: 'r' }, [c('a', '/go', '2025-01-01T00:00:00Z')], anyone)).toMatchObject({ included: true });
  });

  it('ignores commands from unauthorised authors, and asks only about command authors', async () => {
    const asked: string[] = [];
    const authorised = async (login: string) => {
      asked.push(login);
      return login === 'maintainer';
    };
    const p = policy({ triggerComment: '/go', excludeComments: ['/stop'], allowedUsers: ['maintainer'] });
    const comments = [
      c('maintainer', '/go', '2025-01-01T00:00:00Z'),
      c('chatter', 'hello', '2025-01-02T00:00:00Z'),
      c('stranger', '/stop', '2025-01-03T00:00:00Z'),
    ];
    expect(await evaluateCommentPolicy(p, item, comments, authorised)).toEqual({
      included: true,
      triggerTime: new Date('2025-01-01T00:00:00Z'),
      triggerAuthor: 'maintainer',
    });
    expect(asked).toEqual(['maintainer', 'stranger']);
  });
});

describe('triggers by bots and by the spawner itself', () => {
  const p = ignoringTriggersOf(policy({ triggerComment: '/go', excludeComments: ['/stop'] }), 'Kelos-Bot');
  const item = { body: 'an issue', author: 'reporter' };

  it.each([
    ['a [bot] login', c('dependabot[bot]', '/go', '2025-01-02T00:00:00Z')],
    ['a Bot account', { ...c('ci-runner', '/go', '2025-01-02T00:00:00Z'), authorType: 'Bot' }],
    ['the spawner identity, in any case', c('kelos-bot', 'Echoing the request:\n/go', '2025-01-02T00:00:00Z')],
  ])('ignores a trigger by %s', async (_, comment) => {
    expect(await evaluateCommentPolicy(p, item, [comment], anyone)).toEqual({ included: false });
    // An older human trigger still counts, with its own time.
    const human = c('maintainer', '/go', '2025-01-01T00:00:00Z');
    expect(await evaluateCommentPolicy(p, item, [human, comment], anyone)).toEqual({
      included: true,
      triggerTime: new Date('2025-01-01T00:00:00Z'),
      triggerAuthor: 'maintainer',
    });
  });

  it('ignores a trigger in a body written by a bot or by the spawner', async () => {
    expect(await evaluateCommentPolicy(p, { body: '/go', author: 'renovate[bot]' }, [], anyone)).toEqual({ included: false });
    expect(await evaluateCommentPolicy(p, { body: '/go', author: 'kelos-bot' }, [], anyone)).toEqual({ included: false });
  });

  it('still honours their exclude commands (the agent hands an item back)', async () => {
    const human = c('maintainer', '/go', '2025-01-01T00:00:00Z');
    expect(await evaluateCommentPolicy(p, item, [human, c('kelos-bot', '/stop', '2025-01-02T00:00:00Z')], anyone)).toEqual({ included: false });
  });

  it('tells bots apart', () => {
    expect(isBotAuthor('github-actions[bot]')).toBe(true);
    expect(isBotAuthor('someone', 'Bot')).toBe(true);
    expect(isBotAuthor('botanist', 'User')).toBe(false);
  });
});

describe('CommentAuthorizer', () => {
  const lookups = (roles: Record<string, string>, teams: Record<string, string>, calls: string[]) => ({
    repositoryRole: async (login: string) => {
      calls.push(`role:${login}`);
      return roles[login];
    },
    teamMembershipState: async (org: string, slug: string, login: string) => {
      calls.push(`team:${org}/${slug}:${login}`);
      return teams[login];
    },
  });

  it('lets anyone in when no authorisation is configured', async () => {
    const calls: string[] = [];
    const a = new CommentAuthorizer(policy({ triggerComment: '/go' }), lookups({}, {}, calls));
    expect(await a.isAuthorised('whoever')).toBe(true);
    expect(calls).toEqual([]);
  });

  it('accepts allowed users without a lookup, active team members and sufficient roles', async () => {
    const calls: string[] = [];
    const a = new CommentAuthorizer(
      policy({ allowedUsers: ['Ann'], allowedTeams: ['acme/core'], minimumPermission: 'write' }),
      lookups({ writer: 'write', reader: 'read', member: 'read', pending: 'read' }, { member: 'active', pending: 'pending' }, calls),
    );
    expect(await a.isAuthorised('ann')).toBe(true);
    expect(await a.isAuthorised('writer')).toBe(true);
    expect(await a.isAuthorised('member')).toBe(true);
    expect(await a.isAuthorised('pending')).toBe(false);
    expect(await a.isAuthorised('reader')).toBe(false);
    expect(calls).not.toContain('role:ann');
  });

  it('caches each decision for the life of the authorizer', async () => {
    const calls: string[] = [];
    const a = new CommentAuthorizer(policy({ minimumPermission: 'write' }), lookups({ w: 'admin' }, {}, calls));
    await a.isAuthorised('w');
    await a.isAuthorised('W');
    expect(calls).toEqual(['role:w']);
  });

  it('propagates lookup failures instead of deciding, and asks again afterwards', async () => {
    let fail = true;
    const a = new CommentAuthorizer(policy({ minimumPermission: 'write' }), {
      repositoryRole: async () => {
        if (fail) throw new Error('boom');
        return 'write';
      },
      teamMembershipState: async () => undefined,
    });
    await expect(a.isAuthorised('x')).rejects.toThrow('boom');
    fail = false;
    expect(await a.isAuthorised('x')).toBe(true);
  });
});
