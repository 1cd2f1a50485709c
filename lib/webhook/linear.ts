import type { LinearWebhook } from '../api/task-spawner.js';
import { baseVars, labelNames, obj, str, type WebhookVars } from './vars.js';

/** What kelos reads of a Linear delivery. */
export interface LinearEvent {
  /** The resource type: `Issue`, `Comment`, `Project`, … */
  readonly type: string;
  /** `create`, `update` or `remove`. */
  readonly action: string;
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  /** The workflow state's name (issues). */
  readonly state: string;
  readonly labels: readonly string[];
  /** The parent issue of a Comment. */
  readonly issueId: string;
  readonly payload: Record<string, unknown>;
}

export function parseLinearEvent(payload: Record<string, unknown>): LinearEvent {
  const data = obj(payload.data);
  return {
    type: str(payload.type),
    action: str(payload.action),
    id: str(data.id),
    title: str(data.title) || str(data.name),
    body: str(data.description) || str(data.body),
    url: str(payload.url) || str(data.url),
    state: str(obj(data.state).name),
    labels: labelNames(data.labels),
    issueId: str(data.issueId) || str(obj(data.issue).id),
    payload,
  };
}

/**
 * Whether a delivery matches a linearWebhook source: its type is listed and,
 * when filters are given, one filter matches (OR); within a filter every field
 * set must match. Comment deliveries carry no labels, so a label filter does
 * not match them.
 */
export function matchesLinearWebhook(source: LinearWebhook, e: LinearEvent): boolean {
  if (!source.types.includes(e.type)) return false;
  const filters = source.filters ?? [];
  if (filters.length === 0) return true;
  return filters.some(
    (f) =>
      (!f.type || f.type === e.type) &&
      (!f.action || f.action === e.action) &&
      (!f.states?.length || f.states.includes(e.state)) &&
      (f.labels ?? []).every((l) => e.labels.includes(l)) &&
      !(f.excludeLabels ?? []).some((l) => e.labels.includes(l)),
  );
}

export function linearVars(e: LinearEvent): WebhookVars {
  return {
    ...baseVars(),
    ID: e.id,
    Title: e.title,
    Body: e.body,
    URL: e.url,
    Labels: e.labels.join(', '),
    Kind: 'LinearWebhook',
    Action: e.action,
    Type: e.type,
    State: e.state,
    IssueID: e.issueId,
    Payload: e.payload,
  };
}
