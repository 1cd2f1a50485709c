// Signed (and badly signed) deliveries of each source, payloads shaped like
// the senders' own, and the TaskSpawners of Kelos's webhook examples.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { TaskSpawner } from '../../lib/api/index.js';

export const SECRET = 'a-webhook-secret-for-tests';

export interface Delivery {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const hmac = (secret: string, ...parts: string[]) => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

export function githubDelivery(event: string, payload: unknown, o: { delivery?: string; secret?: string; body?: string } = {}): Delivery {
  const body = o.body ?? JSON.stringify(payload);
  return {
    path: '/webhook/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': o.delivery ?? randomUUID(),
      'x-hub-signature-256': `sha256=${hmac(o.secret ?? SECRET, body)}`,
    },
    body: Buffer.from(body),
  };
}

export function linearDelivery(payload: Record<string, unknown>, o: { secret?: string; timestamp?: number; delivery?: string } = {}): Delivery {
  const body = JSON.stringify({ ...payload, webhookTimestamp: o.timestamp ?? Date.now() });
  return {
    path: '/webhook/linear',
    headers: {
      'content-type': 'application/json',
      'linear-delivery': o.delivery ?? randomUUID(),
      'linear-event': String(payload.type),
      'linear-signature': hmac(o.secret ?? SECRET, body),
    },
    body: Buffer.from(body),
  };
}

export function slackDelivery(payload: unknown, o: { secret?: string; timestampSeconds?: number; form?: boolean } = {}): Delivery {
  const body = o.form ? new URLSearchParams(payload as Record<string, string>).toString() : JSON.stringify(payload);
  const ts = String(o.timestampSeconds ?? Math.floor(Date.now() / 1000));
  return {
    path: '/webhook/slack',
    headers: {
      'content-type': o.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${hmac(o.secret ?? SECRET, `v0:${ts}:`, body)}`,
    },
    body: Buffer.from(body),
  };
}

export function genericDelivery(source: string, payload: unknown, o: { secret?: string; header?: string; bearer?: boolean } = {}): Delivery {
  const body = JSON.stringify(payload);
  const auth: Record<string, string> = o.bearer
    ? { authorization: `Bearer ${o.secret ?? SECRET}` }
    : { [(o.header ?? 'X-Hub-Signature-256').toLowerCase()]: `sha256=${hmac(o.secret ?? SECRET, body)}` };
  return { path: `/webhook/${source}`, headers: { 'content-type': 'application/json', ...auth }, body: Buffer.from(body) };
}

// Payloads shaped like GitHub's, Linear's, Slack's and Sentry's.

export const repository = { full_name: 'acme/app', name: 'app', owner: { login: 'acme' } };

export function issuePayload(
  o: { action?: string; number?: number; title?: string; body?: string; labels?: string[]; state?: string; sender?: string; pullRequest?: boolean } = {},
) {
  const number = o.number ?? 42;
  return {
    action: o.action ?? 'opened',
    issue: {
      number,
      title: o.title ?? 'Crash on start',
      body: o.body ?? 'The app crashes when started without a config file.',
      html_url: `https://github.com/acme/app/issues/${number}`,
      state: o.state ?? 'open',
      labels: (o.labels ?? ['bug']).map((name) => ({ name })),
      user: { login: 'reporter' },
      ...(o.pullRequest ? { pull_request: { url: `https://api.github.com/repos/acme/app/pulls/${number}` } } : {}),
    },
    repository,
    sender: { login: o.sender ?? 'reporter' },
  };
}

export function commentPayload(o: { body: string; author?: string; number?: number; state?: string; pullRequest?: boolean; id?: number }) {
  const issue = issuePayload({ number: o.number ?? 7, state: o.state, pullRequest: o.pullRequest, labels: [] }).issue;
  const id = o.id ?? 1001;
  return {
    action: 'created',
    issue,
    comment: {
      id,
      body: o.body,
      user: { login: o.author ?? 'maintainer' },
      html_url: `${issue.html_url}#issuecomment-${id}`,
      created_at: '2026-01-02T03:04:05Z',
    },
    repository,
    sender: { login: o.author ?? 'maintainer' },
  };
}

export function pullRequestPayload(
  o: { action?: string; number?: number; draft?: boolean; labels?: string[]; branch?: string; sha?: string; title?: string } = {},
) {
  const number = o.number ?? 9;
  return {
    action: o.action ?? 'opened',
    number,
    pull_request: {
      number,
      title: o.title ?? 'Add retries',
      body: 'Retries the upload.',
      html_url: `https://github.com/acme/app/pull/${number}`,
      state: 'open',
      draft: o.draft ?? false,
      labels: (o.labels ?? []).map((name) => ({ name })),
      head: { ref: o.branch ?? 'feature/retries', sha: o.sha ?? 'abc123' },
      base: { ref: 'main' },
    },
    repository,
    sender: { login: 'contributor' },
  };
}

export function linearIssuePayload(o: { action?: string; id?: string; title?: string; state?: string; labels?: string[]; createdAt?: string } = {}) {
  return {
    action: o.action ?? 'create',
    type: 'Issue',
    createdAt: o.createdAt ?? '2026-01-02T03:04:05.000Z',
    organizationId: 'org-1',
    webhookId: 'hook-1',
    url: 'https://linear.app/acme/issue/ENG-12/crash-on-start',
    data: {
      id: o.id ?? 'c0ffee00-0000-4000-8000-000000000012',
      identifier: 'ENG-12',
      title: o.title ?? 'Crash on start',
      description: 'The app crashes.',
      state: { id: 'st-1', name: o.state ?? 'Todo' },
      labels: (o.labels ?? ['agent-task']).map((name, i) => ({ id: `l${i}`, name })),
    },
  };
}

export function slackMention(o: { text?: string; user?: string; channel?: string; ts?: string; botId?: string; eventId?: string; type?: string } = {}) {
  return {
    type: 'event_callback',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event_id: o.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: 1767322800,
    authorizations: [{ user_id: 'UBOT00001', is_bot: true, team_id: 'T0001' }],
    event: {
      type: o.type ?? 'app_mention',
      user: o.user ?? 'UHUMAN001',
      text: o.text ?? '<@UBOT00001> please fix the flaky login test',
      channel: o.channel ?? 'C0123456789',
      ts: o.ts ?? '1767322800.000100',
      ...(o.botId ? { bot_id: o.botId } : {}),
    },
  };
}

export function sentryPayload(o: { eventId?: string; level?: string; platform?: string; title?: string } = {}) {
  return {
    action: 'created',
    data: {
      url: 'https://sentry.io/organizations/acme/issues/1234/',
      event: {
        event_id: o.eventId ?? 'b2f1c0de0000400080000000000000aa',
        title: o.title ?? "TypeError: Cannot read properties of undefined (reading 'id')",
        level: o.level ?? 'error',
        platform: o.platform ?? 'node',
      },
    },
  };
}

/** The TaskSpawner of a fixture file (Kelos's examples and self-development spawners), put in `namespace`. */
export function fixtureSpawner(file: string, namespace = 'default'): TaskSpawner {
  const docs = parseAllDocuments(readFileSync(join('test/fixtures/import', file), 'utf8')).map((d) => d.toJS());
  const s = docs.find((d) => d?.kind === 'TaskSpawner') as TaskSpawner;
  return { ...s, metadata: { ...s.metadata, namespace, uid: `uid-${s.metadata.name}` } };
}
