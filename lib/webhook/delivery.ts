import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isDeleting, type Task, type TaskSpawner } from '../api/index.js';
import { genericId, genericVars, matchesGenericWebhook } from './generic.js';
import { githubVars, matchesGitHubWebhook, parseGitHubEvent } from './github.js';
import { linearVars, matchesLinearWebhook, parseLinearEvent } from './linear.js';
import { checkLinearTimestamp, type GenericAuth, verifyGeneric, verifyGitHub, verifyLinear, verifySlack } from './signature.js';
import { matchesSlack, parseSlackRequest, slackKey, slackVars } from './slack.js';
import { buildWebhookTask, WebhookTaskError, type WebhookTaskMeta, webhookTaskName } from './task.js';
import type { WebhookVars } from './vars.js';

/** The routes of the webhook server: `/webhook/github`, `/webhook/linear`, `/webhook/slack`, `/webhook/<source>`. */
export type Route = { readonly kind: 'github' | 'linear' | 'slack' } | { readonly kind: 'generic'; readonly source: string };

export const BUILTIN_ROUTES = ['github', 'linear', 'slack'] as const;

export function routeName(route: Route): string {
  return route.kind === 'generic' ? route.source : route.kind;
}

export interface DeliveryInput {
  readonly route: Route;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The shared secret (HMAC key, signing secret or bearer token) of the route. */
  readonly secret: string;
  /** Epoch milliseconds. */
  readonly now: number;
  /** The TaskSpawners of the server's namespace. */
  readonly spawners: Iterable<TaskSpawner>;
  /** How the generic route authenticates. @default - HMAC in X-Hub-Signature-256 */
  readonly genericAuth?: GenericAuth;
  /** The Slack bot's user id. @default - from the event's authorizations */
  readonly slackBotUserId?: string;
}

export interface PlannedTask {
  readonly spawner: TaskSpawner;
  readonly task: Task;
}

/** A Task whose spawner has contextSources: the shell fetches them, then builds it. */
export interface ContextualTask {
  readonly spawner: TaskSpawner;
  /** The Task's name. */
  readonly name: string;
  /** The delivery's variables, which the sources' url, headers and body render over. */
  readonly vars: WebhookVars;
  /** Throws WebhookTaskError when the Task cannot be built. */
  build(context: Readonly<Record<string, string>>): Task;
}

export type DeliveryPlan =
  /** Refused before anything was created: 400 (unreadable), 401/403 (authentication), nothing to retry. */
  | { readonly kind: 'refused'; readonly status: 400 | 401 | 403; readonly reason: string }
  /** Slack's URL verification: echo the challenge. */
  | { readonly kind: 'challenge'; readonly challenge: string }
  | {
      readonly kind: 'accepted';
      /** The sender's delivery id, when it sent one. */
      readonly deliveryId: string;
      /** Tasks to create, one per matching spawner. */
      readonly creates: readonly PlannedTask[];
      /** Tasks of matching spawners with contextSources, built once those are fetched. */
      readonly contextual: readonly ContextualTask[];
      /** Spawners that matched but whose Task cannot be built (the same delivery would fail again). */
      readonly failures: readonly string[];
      /** Why nothing was considered (e.g. a Slack message edit). */
      readonly ignored?: string;
    };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The source field a route serves. */
function servesRoute(spawner: TaskSpawner, route: Route): boolean {
  const when = spawner.spec?.when ?? {};
  switch (route.kind) {
    case 'github':
      return when.githubWebhook !== undefined;
    case 'linear':
      return when.linearWebhook !== undefined;
    case 'slack':
      return when.slack !== undefined;
    case 'generic':
      return when.webhook?.source === route.source;
  }
}

function parseBody(route: Route, headers: IncomingHttpHeaders, body: Buffer): { form: boolean; payload: Record<string, unknown> } | string {
  const type = (header(headers, 'content-type') ?? '').toLowerCase();
  if (route.kind === 'slack' && type.startsWith('application/x-www-form-urlencoded')) {
    return { form: true, payload: Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return `the body is not JSON: ${(err as Error).message}`;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'the body must be a JSON object';
  return { form: false, payload: payload as Record<string, unknown> };
}

/**
 * Decides what a delivery becomes, without I/O: it verifies the signature
 * over the raw body (and the timestamp, for Linear and Slack), parses the
 * body, and for every TaskSpawner of the route that is not suspended and
 * whose filters match, builds the Task, named after the spawner and the
 * delivery's identity taken from signed content (GitHub: the body; Linear:
 * the body without its send time; Slack: the message; generic: the mapped
 * id, else the body). A spawner with contextSources gets a ContextualTask
 * instead (its Task needs fetched values). The shell creates the Tasks.
 */
export function planDelivery(input: DeliveryInput): DeliveryPlan {
  const { route, headers, body, secret, now } = input;
  const auth =
    route.kind === 'github'
      ? verifyGitHub(body, header(headers, 'x-hub-signature-256'), secret)
      : route.kind === 'linear'
        ? verifyLinear(body, header(headers, 'linear-signature'), secret)
        : route.kind === 'slack'
          ? verifySlack(body, header(headers, 'x-slack-request-timestamp'), header(headers, 'x-slack-signature'), secret, now)
          : verifyGeneric(body, headers, input.genericAuth ?? { type: 'hmac', header: 'X-Hub-Signature-256' }, secret);
  if (!auth.ok) return { kind: 'refused', status: auth.status, reason: auth.reason };

  const parsed = parseBody(route, headers, body);
  if (typeof parsed === 'string') return { kind: 'refused', status: 400, reason: parsed };
  const { payload, form } = parsed;

  const spawners = [...input.spawners].filter((s) => servesRoute(s, route) && !s.spec.suspend && !isDeleting(s));
  const creates: PlannedTask[] = [];
  const contextual: ContextualTask[] = [];
  const failures: string[] = [];
  const source = routeName(route);
  const plan = (spawner: TaskSpawner, matches: () => boolean, vars: () => WebhookVars, event: string, key: string, meta: WebhookTaskMeta) => {
    const name = spawner.metadata.name!;
    try {
      if (!matches()) return;
      const taskName = webhookTaskName(name, event, key);
      if (spawner.spec.taskTemplate.contextSources?.length) {
        const v = vars();
        contextual.push({ spawner, name: taskName, vars: v, build: (context) => buildWebhookTask(spawner, v, taskName, meta, context) });
      } else {
        creates.push({ spawner, task: buildWebhookTask(spawner, vars(), taskName, meta) });
      }
    } catch (err) {
      failures.push(err instanceof WebhookTaskError ? err.message : `TaskSpawner ${name}: ${(err as Error).message}`);
    }
  };
  const accepted = (deliveryId: string, ignored?: string): DeliveryPlan => ({
    kind: 'accepted',
    deliveryId,
    creates,
    contextual,
    failures,
    ...(ignored ? { ignored } : {}),
  });

  switch (route.kind) {
    case 'github': {
      const event = header(headers, 'x-github-event');
      if (!event) return { kind: 'refused', status: 400, reason: 'missing X-GitHub-Event header' };
      const deliveryId = header(headers, 'x-github-delivery') ?? '';
      const e = parseGitHubEvent(event, payload);
      const key = `body:${sha256(body)}`;
      const meta = { source, ...(deliveryId ? { deliveryId } : {}), ...(e.origin ? { origin: e.origin } : {}) };
      for (const s of spawners)
        plan(
          s,
          () => matchesGitHubWebhook(s.spec.when.githubWebhook!, e),
          () => githubVars(e),
          event,
          key,
          meta,
        );
      return accepted(deliveryId);
    }
    case 'linear': {
      const stale = checkLinearTimestamp(payload.webhookTimestamp, now);
      if (!stale.ok) return { kind: 'refused', status: stale.status, reason: stale.reason };
      const deliveryId = header(headers, 'linear-delivery') ?? '';
      const e = parseLinearEvent(payload);
      // Linear signs each attempt with a new webhookTimestamp: the rest of the body is the delivery.
      const { webhookTimestamp: _, ...rest } = payload;
      const key = `body:${sha256(JSON.stringify(rest))}`;
      const meta = { source, ...(deliveryId ? { deliveryId } : {}) };
      for (const s of spawners)
        plan(
          s,
          () => matchesLinearWebhook(s.spec.when.linearWebhook!, e),
          () => linearVars(e),
          e.type,
          key,
          meta,
        );
      return accepted(deliveryId);
    }
    case 'slack': {
      const req = parseSlackRequest(payload, form, input.slackBotUserId);
      if (req.kind === 'challenge') return req;
      if (req.kind === 'ignored') return accepted('', req.reason);
      const m = req.message;
      const meta = { source, ...(req.eventId ? { deliveryId: req.eventId } : {}) };
      for (const s of spawners)
        plan(
          s,
          () => matchesSlack(s.spec.when.slack!, m),
          () => slackVars(m),
          m.isSlashCommand ? 'command' : 'message',
          slackKey(m),
          meta,
        );
      return accepted(req.eventId);
    }
    case 'generic': {
      const bodyKey = `body:${sha256(body)}`;
      for (const s of spawners) {
        const src = s.spec.when.webhook!;
        let id: string;
        try {
          id = genericId(src, payload);
        } catch (err) {
          failures.push(`TaskSpawner ${s.metadata.name}: ${(err as Error).message}`);
          continue;
        }
        plan(
          s,
          () => matchesGenericWebhook(src, payload),
          () => genericVars(src, payload),
          '',
          id ? `id:${id}` : bodyKey,
          { source, ...(id ? { deliveryId: id } : {}) },
        );
      }
      return accepted('');
    }
  }
}
