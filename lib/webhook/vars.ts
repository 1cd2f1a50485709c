/**
 * The template variables of a webhook delivery. Every name of Kelos's
 * variable table is always defined (empty when it does not apply), so a
 * template written for one source renders for another; values come from the
 * delivery and are rendered as data, never parsed as template text.
 */
export type WebhookVars = Record<string, unknown>;

/** The names every webhook source defines (Kelos's promptTemplate variables). */
export const WEBHOOK_VAR_NAMES = [
  'ID',
  'Number',
  'Title',
  'Body',
  'URL',
  'Labels',
  'Comments',
  'Kind',
  'Event',
  'Action',
  'Sender',
  'Branch',
  'Ref',
  'Tag',
  'RefType',
  'Repository',
  'RepositoryOwner',
  'RepositoryName',
  'Payload',
  'ReviewState',
  'ReviewComments',
  'Type',
  'State',
  'IssueID',
  'CommentAuthor',
  'CommentBody',
  'CommentURL',
  'Time',
  'Schedule',
] as const;

export function baseVars(): WebhookVars {
  const vars: WebhookVars = {};
  for (const name of WEBHOOK_VAR_NAMES) vars[name] = '';
  return vars;
}

/** A string field of a parsed payload object ("" when absent or not a string). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

/** An object field ({} when absent or not an object). */
export function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Names of a list of `{name}` objects (GitHub and Linear labels). */
export function labelNames(v: unknown): string[] {
  return arr(v)
    .map((l) => str(obj(l).name))
    .filter((n) => n !== '');
}
