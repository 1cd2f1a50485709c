import { describe, expect, it } from 'vitest';
import { AgentType, Credentials, Spawner, type SpawnerProps, type TaskTemplateProps, When, Workspace } from '../../constructs/index.js';
import { rendered, setup } from './_helpers.js';

function base(chart: any): TaskTemplateProps {
  return {
    type: AgentType.CLAUDE_CODE,
    credentials: Credentials.oauth({ name: 'model-oauth' }),
    workspace: new Workspace(chart, 'repo', { repo: 'https://github.com/o/r.git', secret: { name: 'gh-token' } }),
  };
}

/** Renders one Spawner and returns its TaskSpawner's `when` and every object. */
function render(props: (chart: any) => Omit<SpawnerProps, keyof TaskTemplateProps> & Partial<TaskTemplateProps>) {
  const { app, chart } = setup();
  new Spawner(chart, 's', { ...base(chart), ...props(chart) });
  const out = rendered(app);
  return { when: out['TaskSpawner/s'].spec.when, out };
}

function fails(when: () => When, message: string | RegExp): void {
  const { chart } = setup();
  expect(() => new Spawner(chart, 's', { ...base(chart), when: when() })).toThrow(message);
}

describe('When.githubWebhook', () => {
  it('renders every field as Kelos writes it, and only the TaskSpawner', () => {
    const { when, out } = render(() => ({
      when: When.githubWebhook({
        repository: 'acme/app',
        events: ['issue_comment', 'pull_request_review', 'push'],
        excludeAuthors: ['ci[bot]'],
        filters: [
          { event: 'issue_comment', action: 'created', bodyPattern: '^/agent fix', commentOn: 'PullRequest', state: 'open', author: 'alice' },
          { event: 'pull_request_review', action: 'submitted', excludeBodyPatterns: ['LGTM'], draft: false, labels: ['a'], excludeLabels: ['b'] },
          { event: 'push', branch: 'main', filePatterns: { include: ['src/**'], exclude: ['*.md'] } },
        ],
        reporting: { enabled: true, checks: {} },
      }),
    }));
    expect(when).toEqual({
      githubWebhook: {
        repository: 'acme/app',
        events: ['issue_comment', 'pull_request_review', 'push'],
        excludeAuthors: ['ci[bot]'],
        filters: [
          { event: 'issue_comment', action: 'created', bodyPattern: '^/agent fix', commentOn: 'PullRequest', state: 'open', author: 'alice' },
          { event: 'pull_request_review', action: 'submitted', excludeBodyPatterns: ['LGTM'], draft: false, labels: ['a'], excludeLabels: ['b'] },
          { event: 'push', branch: 'main', filePatterns: { include: ['src/**'], exclude: ['*.md'] } },
        ],
        reporting: { enabled: true, checks: {} },
      },
    });
    // Deliveries are pushed to the namespace's webhook server: no poller, no RBAC of its own.
    expect(
      Object.keys(out)
        .filter((k) => !k.endsWith('/kelos-webhook-server') && k !== 'Namespace/team')
        .sort(),
    ).toEqual(['TaskSpawner/s', 'Workspace/repo']);
    expect(out['TaskSpawner/s'].metadata.annotations['kelos.dev/workload-compiled']).toBe('true');
  });

  it('fails without events, or with a filter for an event it does not listen to', () => {
    fails(() => When.githubWebhook({ events: [] }), `pipeline/s: 'when.githubWebhook.events' must list at least one value`);
    fails(
      () => When.githubWebhook({ events: ['issues'], filters: [{ event: 'issue_comment', action: 'created' }] }),
      `pipeline/s: 'when.githubWebhook.filters[0].event' must be one of the source's events ("issues"), got "issue_comment"`,
    );
    fails(
      () => When.githubWebhook({ events: Array.from({ length: 21 }, (_, i) => `e${i}`) }),
      /'when.githubWebhook.events' must list at most 20 values, got 21/,
    );
  });

  it('fails when Check Runs are asked for without a pull request event', () => {
    fails(
      () => When.githubWebhook({ events: ['issues'], reporting: { checks: { name: 'Agent' } } }),
      `pipeline/s: 'when.githubWebhook.reporting.checks' needs a pull request event in events (pull_request, pull_request_review, pull_request_review_comment, pull_request_target), got "issues"`,
    );
  });

  it('fails on a repository that is not owner/repo, and on a commentOn GitHub does not know', () => {
    fails(
      () => When.githubWebhook({ events: ['push'], repository: 'https://github.com/acme/app' }),
      `'when.githubWebhook.repository' must be "owner/repo", got "https://github.com/acme/app"`,
    );
    fails(
      () => When.githubWebhook({ events: ['issue_comment'], filters: [{ event: 'issue_comment', commentOn: 'Discussion' as any }] }),
      `'when.githubWebhook.filters[0].commentOn' must be one of "Issue", "PullRequest", got "Discussion"`,
    );
    fails(
      () => When.githubWebhook({ events: ['issue_comment'], filters: [{ event: 'issue_comment', excludeBodyPatterns: [''] }] }),
      `'when.githubWebhook.filters[0].excludeBodyPatterns' must hold patterns of 1 to 1024 characters, got ""`,
    );
  });

  it('fails without a workspace', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { type: AgentType.CODEX, credentials: Credentials.none(), when: When.githubWebhook({ events: ['push'] }) })).toThrow(
      `pipeline/s: 'workspace' is required when using the githubWebhook source`,
    );
  });
});

describe('When.linearWebhook', () => {
  it('renders types and filters', () => {
    const { when } = render(() => ({
      when: When.linearWebhook({
        types: ['Issue'],
        filters: [{ type: 'Issue', action: 'create', states: ['Todo'], labels: ['agent'], excludeLabels: ['manual'] }],
      }),
    }));
    expect(when).toEqual({
      linearWebhook: { types: ['Issue'], filters: [{ type: 'Issue', action: 'create', states: ['Todo'], labels: ['agent'], excludeLabels: ['manual'] }] },
    });
  });

  it('fails without types, or with a filter for a type it does not listen to', () => {
    fails(() => When.linearWebhook({ types: [] }), `'when.linearWebhook.types' must list at least one value`);
    fails(
      () => When.linearWebhook({ types: ['Issue'], filters: [{ type: 'Comment' }] }),
      `'when.linearWebhook.filters[0].type' must be one of the source's types ("Issue"), got "Comment"`,
    );
    fails(
      () => When.linearWebhook({ types: ['Issue'], filters: [{ action: 'delete' as any }] }),
      `'when.linearWebhook.filters[0].action' must be one of "create", "update", "remove", "", got "delete"`,
    );
  });

  it('fails without a workspace', () => {
    const { chart } = setup();
    expect(() => new Spawner(chart, 's', { type: AgentType.CODEX, credentials: Credentials.none(), when: When.linearWebhook({ types: ['Issue'] }) })).toThrow(
      `'workspace' is required when using the linearWebhook source`,
    );
  });
});

describe('When.webhook', () => {
  it('renders source, field mapping and filters, and needs no workspace', () => {
    const { app, chart } = setup();
    new Spawner(chart, 'alerts', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.none(),
      when: When.webhook({
        source: 'sentry',
        fieldMapping: { id: '$.data.event.event_id', title: '$.data.event.title', level: '$.data.event.level' },
        filters: [
          { field: '$.data.event.level', value: 'error' },
          { field: '$.data.event.platform', pattern: '^(go|node)' },
        ],
      }),
      promptTemplate: '{{.Title}} ({{.level}})',
    });
    expect(rendered(app)['TaskSpawner/alerts'].spec.when).toEqual({
      webhook: {
        source: 'sentry',
        fieldMapping: { id: '$.data.event.event_id', title: '$.data.event.title', level: '$.data.event.level' },
        filters: [
          { field: '$.data.event.level', value: 'error' },
          { field: '$.data.event.platform', pattern: '^(go|node)' },
        ],
      },
    });
  });

  it("fails without an 'id' mapping, on a bad source name, and on a filter with both value and pattern", () => {
    fails(
      () => When.webhook({ source: 'sentry', fieldMapping: { title: '$.t' } }),
      `pipeline/s: 'when.webhook.fieldMapping' must map 'id': it names the Task and deduplicates deliveries`,
    );
    fails(
      () => When.webhook({ source: 'Sentry', fieldMapping: { id: '$.id' } }),
      /'when.webhook.source' must be lowercase letters, digits and inner hyphens .*, got "Sentry"/,
    );
    fails(
      () => When.webhook({ source: 's', fieldMapping: { id: '$.id' }, filters: [{ field: '$.a', value: 'x', pattern: 'y' }] }),
      `'when.webhook.filters[0]' must set exactly one of value and pattern`,
    );
    fails(
      () => When.webhook({ source: 's', fieldMapping: { id: '$.id' }, filters: [{ field: '$.a' }] }),
      `'when.webhook.filters[0]' must set exactly one of value and pattern`,
    );
  });
});

describe('When.slack', () => {
  it('renders channels, bot policy, triggers and exclude patterns', () => {
    const { when } = render(() => ({
      when: When.slack({
        channels: ['C0123456789'],
        botMessagePolicy: 'OthersOnly',
        triggers: [{ pattern: '^fix ' }, { pattern: 'deploy broke', mentionOptional: true }],
        excludePatterns: ['^ignore'],
      }),
    }));
    expect(when).toEqual({
      slack: {
        channels: ['C0123456789'],
        botMessagePolicy: 'OthersOnly',
        triggers: [{ pattern: '^fix ' }, { pattern: 'deploy broke', mentionOptional: true }],
        excludePatterns: ['^ignore'],
      },
    });
  });

  it('renders an empty source as {} (every mention)', () => {
    expect(render(() => ({ when: When.slack() })).when).toEqual({ slack: {} });
  });

  it('fails on a channel name instead of an ID, and on too many triggers', () => {
    fails(() => When.slack({ channels: ['#general'] }), `'when.slack.channels' must hold channel IDs such as "C0123456789", got "#general"`);
    fails(() => When.slack({ triggers: Array.from({ length: 9 }, () => ({ pattern: 'x' })) }), `'when.slack.triggers' must have at most 8 entries, got 9`);
    fails(() => When.slack({ botMessagePolicy: 'Bots' as any }), `'when.slack.botMessagePolicy' must be one of "None", "All", "OthersOnly", got "Bots"`);
  });
});

describe('reporting and filePatterns of the polling GitHub sources', () => {
  it('renders them on githubPullRequests and githubIssues', () => {
    const prs = render(() => ({
      when: When.githubPullRequests({
        filePatterns: { include: ['**/*.go'], exclude: ['vendor/**'] },
        reporting: { enabled: true, checks: { name: 'Go review' } },
      }),
    }));
    expect(prs.when).toEqual({
      githubPullRequests: { filePatterns: { include: ['**/*.go'], exclude: ['vendor/**'] }, reporting: { enabled: true, checks: { name: 'Go review' } } },
    });
    expect(prs.out['Deployment/s-spawner']).toBeDefined();
    expect(render(() => ({ when: When.githubIssues({ reporting: { enabled: true } }) })).when).toEqual({ githubIssues: { reporting: { enabled: true } } });
  });

  it('fails on Check Runs for issues, a Check Run name over 100 characters, and an empty file pattern', () => {
    fails(
      () => When.githubIssues({ reporting: { checks: {} } }),
      /pipeline\/s: 'when.githubIssues.reporting.checks' is not supported for the githubIssues source/,
    );
    fails(
      () => When.githubPullRequests({ reporting: { checks: { name: 'x'.repeat(101) } } }),
      /'when.githubPullRequests.reporting.checks.name' must be 1 to 100 characters/,
    );
    fails(
      () => When.githubPullRequests({ filePatterns: { exclude: [' '] } }),
      `'when.githubPullRequests.filePatterns.exclude' must not contain an empty pattern`,
    );
  });
});

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
