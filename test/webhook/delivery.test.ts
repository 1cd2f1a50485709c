import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TaskSpawner } from '../../lib/api/index.js';
import { type DeliveryInput, planDelivery, type Route } from '../../lib/webhook/delivery.js';
import { webhookTaskName } from '../../lib/webhook/task.js';
import {
  commentPayload,
  type Delivery,
  fixtureSpawner,
  genericDelivery,
  githubDelivery,
  issuePayload,
  linearDelivery,
  linearIssuePayload,
  pullRequestPayload,
  SECRET,
  sentryPayload,
  slackDelivery,
  slackMention,
} from './_deliveries.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');
const example10 = fixtureSpawner('examples/10-taskspawner-github-webhook/taskspawner.yaml');
const example11 = fixtureSpawner('examples/11-taskspawner-linear-webhook/taskspawner.yaml');
const example13 = fixtureSpawner('examples/13-taskspawner-generic-webhook/taskspawner.yaml');
const workers = fixtureSpawner('self-development-webhooks/kelos-workers.yaml');
const prResponder = fixtureSpawner('self-development-webhooks/kelos-pr-responder.yaml');

function plan(d: Delivery, spawners: TaskSpawner[], extra: Partial<DeliveryInput> = {}) {
  const name = d.path.split('/')[2]!;
  const route: Route = name === 'github' || name === 'linear' || name === 'slack' ? { kind: name } : { kind: 'generic', source: name };
  return planDelivery({ route, headers: d.headers, body: d.body, secret: SECRET, now: NOW, spawners, ...extra });
}

function accepted(d: Delivery, spawners: TaskSpawner[], extra: Partial<DeliveryInput> = {}) {
  const p = plan(d, spawners, extra);
  if (p.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(p)}`);
  return p;
}

const spawnerWith = (base: TaskSpawner, patch: (s: TaskSpawner) => void): TaskSpawner => {
  const s = structuredClone(base);
  patch(s);
  return s;
};

describe('GitHub deliveries', () => {
  it('turns an opened issue into the Task of Kelos example 10', () => {
    const p = accepted(githubDelivery('issues', issuePayload({ labels: ['bug'] }), { delivery: 'guid-1' }), [example10]);
    expect(p.failures).toEqual([]);
    expect(p.creates).toHaveLength(1);
    const task = p.creates[0]!.task;
    expect(task.metadata.name).toMatch(/^github-webhook-responder-issues-[0-9a-f]{12}$/);
    expect(task.spec.prompt).toBe('GitHub issues (opened) from @reporter\nTitle: Crash on start\nTriage this issue.\n');
    expect(task.spec.branch).toBe('agent-webhook-issues-42');
    expect(task.spec.workspaceRef).toEqual({ name: 'my-repo-workspace' });
    expect(task.metadata.labels).toEqual({ 'kelos.dev/trigger': 'webhook', 'kelos.dev/event': 'issues', 'kelos.dev/taskspawner': 'github-webhook-responder' });
    expect(task.metadata.annotations).toMatchObject({
      'kelos.dev/github-sender': 'reporter',
      'kelos.dev/webhook-source': 'github',
      'kelos.dev/webhook-delivery': 'guid-1',
      'kelos.dev/source-kind': 'issue',
      'kelos.dev/source-number': '42',
      'kelos.dev/source-repo': 'acme/app',
    });
    expect(task.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'kelos.dev/v1alpha1',
        kind: 'TaskSpawner',
        name: 'github-webhook-responder',
        uid: 'uid-github-webhook-responder',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('names the Task after the signed body, so a redelivery names the same Task', () => {
    const payload = issuePayload();
    const a = accepted(githubDelivery('issues', payload, { delivery: 'guid-1' }), [example10]);
    const b = accepted(githubDelivery('issues', payload, { delivery: 'guid-1' }), [example10]);
    const c = accepted(githubDelivery('issues', issuePayload({ number: 43 }), { delivery: 'guid-2' }), [example10]);
    expect(a.creates[0]!.task.metadata.name).toBe(b.creates[0]!.task.metadata.name);
    expect(c.creates[0]!.task.metadata.name).not.toBe(a.creates[0]!.task.metadata.name);
  });

  it('fails when the signature is missing, made with another secret, or over another body', () => {
    const good = githubDelivery('issues', issuePayload());
    const { 'x-hub-signature-256': _, ...unsigned } = good.headers;
    expect(plan({ ...good, headers: unsigned }, [example10])).toEqual({ kind: 'refused', status: 401, reason: 'missing X-Hub-Signature-256 header' });
    expect(plan(githubDelivery('issues', issuePayload(), { secret: 'another' }), [example10])).toMatchObject({ kind: 'refused', status: 401 });
    const tampered = { ...good, body: Buffer.from(good.body.toString().replace('Crash', 'Crush')) };
    expect(plan(tampered, [example10])).toMatchObject({ kind: 'refused', status: 401, reason: 'X-Hub-Signature-256 does not match the body' });
  });

  it('fails with 400 when a signed body is not JSON or the event header is missing', () => {
    expect(plan(githubDelivery('issues', undefined, { body: '{"action":' }), [example10])).toMatchObject({ kind: 'refused', status: 400 });
    const d = githubDelivery('issues', issuePayload());
    const { 'x-github-event': _, ...headers } = d.headers;
    expect(plan({ ...d, headers }, [example10])).toMatchObject({ kind: 'refused', status: 400, reason: 'missing X-GitHub-Event header' });
  });

  it('applies event lists, excludeAuthors, actions, labels, draft and authors', () => {
    const creates = (event: string, payload: unknown) => accepted(githubDelivery(event, payload), [example10]).creates.length;
    expect(creates('issues', issuePayload({ action: 'closed' }))).toBe(0);
    expect(creates('issues', issuePayload({ sender: 'dependabot[bot]' }))).toBe(0);
    expect(creates('push', { ref: 'refs/heads/main', repository, sender: { login: 'a' } })).toBe(0);
    expect(creates('pull_request', pullRequestPayload({ draft: true }))).toBe(0);
    expect(creates('pull_request', pullRequestPayload({ draft: false }))).toBe(1);
    expect(creates('pull_request', pullRequestPayload({ action: 'labeled', labels: ['review-requested'] }))).toBe(1);
    expect(creates('pull_request', pullRequestPayload({ action: 'labeled', labels: ['other'] }))).toBe(0);
    const review = (login: string) => ({
      ...pullRequestPayload(),
      action: 'submitted',
      review: { body: 'LGTM', user: { login }, html_url: 'u' },
      sender: { login },
    });
    expect(creates('pull_request_review', review('lead-reviewer'))).toBe(1);
    expect(creates('pull_request_review', review('someone'))).toBe(0);
  });

  it('gives pull request events their head branch', () => {
    const task = accepted(githubDelivery('pull_request', pullRequestPayload({ branch: 'fix/retries' })), [example10]).creates[0]!.task;
    expect(task.spec.branch).toBe('agent-webhook-pull_request-9');
    const vars = spawnerWith(
      example10,
      (s) => (s.spec.taskTemplate.promptTemplate = '{{.Branch}} {{.URL}} {{.Repository}} {{.RepositoryOwner}}/{{.RepositoryName}} {{.Kind}}'),
    );
    expect(accepted(githubDelivery('pull_request', pullRequestPayload({ branch: 'fix/retries' })), [vars]).creates[0]!.task.spec.prompt).toBe(
      'fix/retries https://github.com/acme/app/pull/9 acme/app acme/app webhook',
    );
  });
});

const repository = { full_name: 'kelos-ts/kelos', name: 'kelos', owner: { login: 'kelos-ts' } };

describe('GitHub deliveries of a spawner with reporting', () => {
  const SHA = 'a'.repeat(40);
  const reporting = (reporting: NonNullable<TaskSpawner['spec']['when']['githubWebhook']>['reporting'], templateAnnotations?: Record<string, string>) =>
    spawnerWith(example10, (s) => {
      s.spec.when.githubWebhook!.reporting = reporting;
      if (templateAnnotations) s.spec.taskTemplate.metadata = { ...s.spec.taskTemplate.metadata, annotations: templateAnnotations };
    });

  it('marks the Task for reporting and keeps the pull request head a check run is made on', () => {
    const p = accepted(githubDelivery('pull_request', pullRequestPayload({ sha: SHA })), [reporting({ enabled: true, checks: {} })]);
    expect(p.creates[0]!.task.metadata.annotations).toMatchObject({
      'kelos.dev/source-kind': 'pull-request',
      'kelos.dev/source-number': '9',
      'kelos.dev/source-repo': 'acme/app',
      'kelos.dev/source-sha': SHA,
      'kelos.dev/reported': 'pending',
    });
  });

  it('keeps no head that is not a full commit id, and none for a comment on a pull request', () => {
    for (const sha of ['abc123', `${SHA}\n`, 'main', `${'A'.repeat(40)}`, '../../refs/heads/main']) {
      const p = accepted(githubDelivery('pull_request', pullRequestPayload({ sha })), [reporting({ enabled: true, checks: {} })]);
      expect(p.creates[0]!.task.metadata.annotations).not.toHaveProperty('kelos.dev/source-sha');
      expect(p.creates[0]!.task.metadata.annotations!['kelos.dev/reported']).toBe('pending');
    }
    const c = accepted(githubDelivery('issue_comment', commentPayload({ body: '/agent please', pullRequest: true })), [reporting({ enabled: true })]);
    expect(c.creates[0]!.task.metadata.annotations).toMatchObject({ 'kelos.dev/source-kind': 'pull-request', 'kelos.dev/reported': 'pending' });
    expect(c.creates[0]!.task.metadata.annotations).not.toHaveProperty('kelos.dev/source-sha');
  });

  it('does not trust the report annotations a taskTemplate sets', () => {
    const forged = { 'kelos.dev/reported': 'succeeded', 'kelos.dev/report-comment-id': '1', 'kelos.dev/source-sha': SHA };
    const quiet = accepted(githubDelivery('pull_request', pullRequestPayload()), [reporting(undefined, forged)]).creates[0]!.task;
    for (const k of Object.keys(forged)) expect(quiet.metadata.annotations).not.toHaveProperty(k);
    const loud = accepted(githubDelivery('pull_request', pullRequestPayload()), [reporting({ enabled: true }, forged)]).creates[0]!.task;
    expect(loud.metadata.annotations!['kelos.dev/reported']).toBe('pending');
    expect(loud.metadata.annotations).not.toHaveProperty('kelos.dev/report-comment-id');
    expect(loud.metadata.annotations).not.toHaveProperty('kelos.dev/source-sha');
  });
});

describe('the comment policy of webhook comments (Kelos self-development spawners)', () => {
  const comment = (o: Parameters<typeof commentPayload>[0]) => ({ ...commentPayload(o), repository });
  const matching = (payload: unknown) => accepted(githubDelivery('issue_comment', payload), [workers, prResponder]).creates.map((c) => c.spawner.metadata.name);

  it('admits a maintainer\'s "/kelos pick-up" on an open issue to the workers, on a pull request to the responder', () => {
    expect(matching(comment({ body: 'Looks good.\n/kelos pick-up' }))).toEqual(['kelos-workers']);
    expect(matching(comment({ body: '/kelos pick-up', pullRequest: true }))).toEqual(['kelos-pr-responder']);
  });

  it('admits nothing from another author, an excluded bot, a closed issue, another repository or without the command', () => {
    expect(matching(comment({ body: '/kelos pick-up', author: 'drive-by' }))).toEqual([]);
    expect(matching(comment({ body: '/kelos pick-up', author: 'kelos-bot[bot]' }))).toEqual([]);
    expect(matching(comment({ body: '/kelos pick-up', state: 'closed' }))).toEqual([]);
    expect(matching({ ...comment({ body: '/kelos pick-up' }), repository: { full_name: 'evil/fork', name: 'fork', owner: { login: 'evil' } } })).toEqual([]);
    expect(matching(comment({ body: 'please pick this up' }))).toEqual([]);
  });

  it('keeps excludeBodyPatterns over bodyPattern, and commentOn only for issue_comment', () => {
    const s = spawnerWith(workers, (x) => {
      x.spec.when.githubWebhook!.filters![0]!.excludeBodyPatterns = ['(?i)\\bwip\\b'];
    });
    const d = (body: string) => accepted(githubDelivery('issue_comment', comment({ body })), [s]).creates.length;
    expect(d('/kelos pick-up')).toBe(1);
    expect(d('/kelos pick-up WIP')).toBe(0);
  });

  it('gives each comment its own Task, so a second command after a finished run is a new Task', () => {
    const a = accepted(githubDelivery('issue_comment', comment({ body: '/kelos pick-up', id: 1 })), [workers]).creates[0]!.task;
    const b = accepted(githubDelivery('issue_comment', comment({ body: '/kelos pick-up', id: 2 })), [workers]).creates[0]!.task;
    expect(a.metadata.name).not.toBe(b.metadata.name);
    expect(a.spec.branch).toBe('kelos-task-7');
  });
});

describe('Linear deliveries', () => {
  it('turns a Todo issue with agent-task into the Task of Kelos example 11', () => {
    const p = accepted(linearDelivery(linearIssuePayload(), { timestamp: NOW }), [example11]);
    expect(p.creates).toHaveLength(1);
    const t = p.creates[0]!.task;
    expect(t.metadata.name).toMatch(/^linear-webhook-example-issue-[0-9a-f]{12}$/);
    expect(t.spec.branch).toBe('linear-c0ffee00-0000-4000-8000-000000000012');
    expect(t.spec.prompt).toBe('Linear Issue create: Crash on start (Todo, labels agent-task)\n');
  });

  it('filters on action, state and labels', () => {
    const n = (o: Parameters<typeof linearIssuePayload>[0]) => accepted(linearDelivery(linearIssuePayload(o), { timestamp: NOW }), [example11]).creates.length;
    expect(n({ state: 'Done' })).toBe(0);
    expect(n({ labels: ['agent-task', 'no-automation'] })).toBe(0);
    expect(n({ labels: [] })).toBe(0);
    expect(n({ action: 'remove' })).toBe(0);
    expect(n({ action: 'update', state: 'In Progress' })).toBe(1);
  });

  it('names one Task for a retry signed at another time', () => {
    const a = accepted(linearDelivery(linearIssuePayload(), { timestamp: NOW - 30_000 }), [example11]).creates[0]!.task.metadata.name;
    const b = accepted(linearDelivery(linearIssuePayload(), { timestamp: NOW }), [example11]).creates[0]!.task.metadata.name;
    expect(a).toBe(b);
  });

  it('fails on a bad signature (401) and an old or missing webhookTimestamp (403)', () => {
    expect(plan(linearDelivery(linearIssuePayload(), { timestamp: NOW, secret: 'x' }), [example11])).toMatchObject({ status: 401 });
    expect(plan(linearDelivery(linearIssuePayload(), { timestamp: NOW - 61_000 }), [example11])).toMatchObject({ status: 403 });
    const d = linearDelivery(linearIssuePayload(), { timestamp: NOW });
    const body = JSON.stringify(linearIssuePayload());
    const resigned = { ...d, body: Buffer.from(body), headers: { ...d.headers, 'linear-signature': createHmac('sha256', SECRET).update(body).digest('hex') } };
    expect(plan(resigned, [example11])).toMatchObject({ status: 403, reason: 'webhookTimestamp is missing' });
  });
});

describe('Slack deliveries', () => {
  const slack = spawnerWith(example13, (s) => {
    s.metadata.name = 'slack-helper';
    s.spec.when = { slack: { channels: ['C0123456789'] } };
    s.spec.taskTemplate.branch = undefined;
    s.spec.taskTemplate.promptTemplate = '{{.Title}} ({{.Kind}}, {{.URL}})';
  });
  const nowSeconds = Math.floor(NOW / 1000);

  it('turns a mention of the bot into a Task', () => {
    const p = accepted(slackDelivery(slackMention(), { timestampSeconds: nowSeconds }), [slack]);
    expect(p.creates.map((c) => c.task.spec.prompt)).toEqual([
      'please fix the flaky login test (SlackMessage, https://slack.com/archives/C0123456789/p1767322800000100)',
    ]);
  });

  it('names one Task for the message and the app_mention events of one message', () => {
    const a = accepted(slackDelivery(slackMention({ type: 'app_mention' }), { timestampSeconds: nowSeconds }), [slack]).creates[0]!.task.metadata.name;
    const b = accepted(slackDelivery(slackMention({ type: 'message' }), { timestampSeconds: nowSeconds }), [slack]).creates[0]!.task.metadata.name;
    expect(a).toBe(b);
  });

  it('applies channels, mentions, triggers, excludes and the bot message policy', () => {
    const n = (s: TaskSpawner, m: ReturnType<typeof slackMention>) => accepted(slackDelivery(m, { timestampSeconds: nowSeconds }), [s]).creates.length;
    expect(n(slack, slackMention({ channel: 'C9999999999' }))).toBe(0);
    expect(n(slack, slackMention({ text: 'please fix it' }))).toBe(0);
    expect(n(slack, slackMention({ botId: 'B1' }))).toBe(0);
    const others = spawnerWith(slack, (s) => (s.spec.when.slack!.botMessagePolicy = 'OthersOnly'));
    expect(n(others, slackMention({ botId: 'B1', user: 'UOTHERBOT' }))).toBe(1);
    expect(n(others, slackMention({ botId: 'B1', user: 'UBOT00001' }))).toBe(0);
    const triggered = spawnerWith(slack, (s) => {
      s.spec.when.slack!.triggers = [{ pattern: '^fix\\b', mentionOptional: true }];
      s.spec.when.slack!.excludePatterns = ['(?i)later'];
    });
    expect(n(triggered, slackMention({ text: 'fix the login test' }))).toBe(1);
    expect(n(triggered, slackMention({ text: '<@UBOT00001> fix it later' }))).toBe(0);
  });

  it('answers the URL check, and passes over message edits', () => {
    expect(plan(slackDelivery({ type: 'url_verification', challenge: 'abc' }, { timestampSeconds: nowSeconds }), [slack])).toEqual({
      kind: 'challenge',
      challenge: 'abc',
    });
    const edit = slackMention();
    (edit.event as Record<string, unknown>).subtype = 'message_changed';
    expect(accepted(slackDelivery(edit, { timestampSeconds: nowSeconds }), [slack])).toMatchObject({
      creates: [],
      ignored: 'message subtype "message_changed" is not a new message',
    });
  });

  it('turns a slash command into a Task', () => {
    const cmd = { command: '/agent', text: 'upgrade the linter', channel_id: 'C0123456789', user_id: 'U1', trigger_id: '123.456.abc' };
    const p = accepted(slackDelivery(cmd, { timestampSeconds: nowSeconds, form: true }), [slack]);
    expect(p.creates[0]!.task.spec.prompt).toBe('upgrade the linter (SlackMessage, )');
  });

  it('fails on a bad signature (401) and a timestamp more than five minutes old (403)', () => {
    expect(plan(slackDelivery(slackMention(), { timestampSeconds: nowSeconds, secret: 'x' }), [slack])).toMatchObject({ status: 401 });
    expect(plan(slackDelivery(slackMention(), { timestampSeconds: nowSeconds - 301 }), [slack])).toMatchObject({ status: 403 });
  });
});

describe('generic deliveries', () => {
  it('turns an error event into the Task of Kelos example 13', () => {
    const p = accepted(genericDelivery('sentry', sentryPayload()), [example13]);
    const t = p.creates[0]!.task;
    expect(t.metadata.name).toBe(webhookTaskName(example13.metadata.name!, '', 'id:b2f1c0de0000400080000000000000aa'));
    expect(t.spec.branch).toBe('error-b2f1c0de0000400080000000000000aa');
    expect(t.spec.prompt).toBe(
      "New error: TypeError: Cannot read properties of undefined (reading 'id') (error) at https://sentry.io/organizations/acme/issues/1234/. Find the cause and open a PR.\n",
    );
  });

  it('applies every filter: value, pattern, and a missing field', () => {
    const n = (payload: unknown) => accepted(genericDelivery('sentry', payload), [example13]).creates.length;
    expect(n(sentryPayload({ level: 'warning' }))).toBe(0);
    expect(n(sentryPayload({ platform: 'ruby' }))).toBe(0);
    expect(n({ data: { event: { event_id: 'x', level: 'error' } } })).toBe(0);
    expect(n(sentryPayload({ platform: 'python' }))).toBe(1);
  });

  it('accepts a bearer token when the source is so configured, and refuses a wrong one', () => {
    const bearer = { genericAuth: { type: 'bearer' as const } };
    expect(accepted(genericDelivery('sentry', sentryPayload(), { bearer: true }), [example13], bearer).creates).toHaveLength(1);
    expect(plan(genericDelivery('sentry', sentryPayload(), { bearer: true, secret: 'nope' }), [example13], bearer)).toMatchObject({ status: 401 });
    expect(plan(genericDelivery('sentry', sentryPayload()), [example13], bearer)).toMatchObject({ status: 401, reason: 'missing Authorization header' });
  });

  it('serves only the spawners of its source, and none that is suspended', () => {
    const other = spawnerWith(example13, (s) => {
      s.metadata.name = 'other';
      s.spec.when.webhook!.source = 'pagerduty';
    });
    const suspended = spawnerWith(example13, (s) => {
      s.metadata.name = 'suspended';
      s.spec.suspend = true;
    });
    expect(accepted(genericDelivery('sentry', sentryPayload()), [example13, other, suspended]).creates.map((c) => c.spawner.metadata.name)).toEqual([
      example13.metadata.name!,
    ]);
  });
});

describe('hostile payloads', () => {
  const hostile = '{{.Payload}} {{template "x"}} {{range 99999999}}{{end}} --upload-pack=touch /tmp/pwned $(id) `id`';

  it('renders template syntax and option-like text from a payload as data, once', () => {
    const s = spawnerWith(example10, (x) => (x.spec.taskTemplate.promptTemplate = 'Title: {{.Title}}\nBody: {{.Body}}'));
    const t = accepted(githubDelivery('issues', issuePayload({ title: hostile, body: '{{index .Deps "a" "Results" "secret"}}' })), [s]).creates[0]!.task;
    expect(t.spec.prompt).toBe(`Title: ${hostile}\nBody: {{index .Deps "a" "Results" "secret"}}`);
  });

  it('keeps the payload out of the prompt template of a spawner with dependsOn', () => {
    const s = spawnerWith(example10, (x) => {
      x.spec.taskTemplate.promptTemplate = 'Title: {{.Title}}';
      x.spec.taskTemplate.dependsOn = ['setup'];
    });
    const t = accepted(githubDelivery('issues', issuePayload({ title: hostile })), [s]).creates[0]!.task;
    expect(t.spec.prompt).toBe('Title: {{.Title}}');
    expect(JSON.parse(t.metadata.annotations!['kelos.dev/prompt-values']!).Title).toBe(hostile);
  });

  it('fails, naming the spawner, when the branch a payload renders is not a valid ref', () => {
    for (const title of ['-x', 'a..b', 'a b', 'x.lock', 'a~1', 'refs/heads/../../etc', '--upload-pack=evil']) {
      const s = spawnerWith(example10, (x) => (x.spec.taskTemplate.branch = '{{.Title}}'));
      const p = accepted(githubDelivery('issues', issuePayload({ title })), [s]);
      expect(p.creates).toEqual([]);
      expect(p.failures).toEqual([expect.stringMatching(/^TaskSpawner github-webhook-responder: branch ".*" is not a valid git branch name: /)]);
    }
  });

  it('fails when a label value rendered from a payload is not one', () => {
    const s = spawnerWith(example10, (x) => (x.spec.taskTemplate.metadata!.labels!['kelos.dev/sender'] = '{{.Sender}}'));
    const p = accepted(githubDelivery('issues', issuePayload({ sender: 'evil bot; rm -rf /' })), [s]);
    expect(p.failures).toEqual([expect.stringContaining('metadata.labels[kelos.dev/sender] rendered "evil bot; rm -rf /", not a label value')]);
  });

  it('ends a template that runs away on a payload with a failure, not a hang', () => {
    const s = spawnerWith(
      example13,
      (x) =>
        (x.spec.taskTemplate.promptTemplate =
          '{{range .Payload.data.items}}{{range $.Payload.data.items}}{{range $.Payload.data.items}}x{{end}}{{end}}{{end}}'),
    );
    const items = Array.from({ length: 400 }, (_, i) => i);
    const p = accepted(genericDelivery('sentry', { ...sentryPayload(), data: { ...sentryPayload().data, items } }), [s]);
    expect(p.creates).toEqual([]);
    expect(p.failures[0]).toMatch(/^TaskSpawner error-responder: promptTemplate: .*budget/);
  });
});
