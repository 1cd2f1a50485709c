// Eager checks of the event sources' props, reported on the Spawner.
import type { Construct } from 'constructs';
import {
  BODY_PATTERN_MAX_LENGTH,
  CHECK_RUN_NAME_MAX_LENGTH,
  COMMENT_SUBJECTS,
  GITHUB_WEBHOOK_MAX_EVENTS,
  LINEAR_ACTIONS,
  MAX_EXCLUDE_BODY_PATTERNS,
  PULL_REQUEST_EVENTS,
  SLACK_BOT_MESSAGE_POLICIES,
  SLACK_CHANNEL_PATTERN,
  type SourceName,
  WEBHOOK_SOURCE_PATTERN,
} from '../lib/api/task-spawner.js';
import { checkOneOf, PropError, show } from './_util.js';
import type { FilePatternsProps, GenericWebhookProps, GitHubWebhookProps, LinearWebhookProps, ReportingProps, SlackProps } from './source-props.js';

const OWNER_REPO = /^[^/\s]+\/[^/\s]+$/;

/** Checks the props of a webhook source; false for other sources. */
export function checkWebhookSource(scope: Construct, source: SourceName, props: unknown): boolean {
  switch (source) {
    case 'githubWebhook':
      checkGitHubWebhook(scope, props as GitHubWebhookProps);
      return true;
    case 'linearWebhook':
      checkLinearWebhook(scope, props as LinearWebhookProps);
      return true;
    case 'webhook':
      checkGenericWebhook(scope, props as GenericWebhookProps);
      return true;
    case 'slack':
      checkSlack(scope, props as SlackProps);
      return true;
    default:
      return false;
  }
}

export function checkReporting(scope: Construct, source: SourceName, reporting: ReportingProps | undefined): void {
  if (!reporting?.checks) return;
  const prop = `when.${source}.reporting.checks`;
  if (source === 'githubIssues') {
    throw new PropError(
      scope,
      prop,
      'is not supported for the githubIssues source: Check Runs belong to pull requests (use githubPullRequests or githubWebhook)',
    );
  }
  const name = reporting.checks.name;
  if (name !== undefined && (name.trim() === '' || name.length > CHECK_RUN_NAME_MAX_LENGTH)) {
    throw new PropError(scope, `${prop}.name`, `must be 1 to ${CHECK_RUN_NAME_MAX_LENGTH} characters, got ${show(name)}`);
  }
}

export function checkFilePatterns(scope: Construct, prop: string, patterns: FilePatternsProps | undefined): void {
  for (const key of ['include', 'exclude'] as const) {
    for (const p of patterns?.[key] ?? []) {
      if (p.trim() === '') throw new PropError(scope, `${prop}.${key}`, 'must not contain an empty pattern');
    }
  }
}

function nonEmptyList(scope: Construct, prop: string, list: readonly string[] | undefined, max?: number): void {
  if (!list || list.length === 0) throw new PropError(scope, prop, 'must list at least one value');
  if (max !== undefined && list.length > max) throw new PropError(scope, prop, `must list at most ${max} values, got ${list.length}`);
  for (const v of list) if (typeof v !== 'string' || v.trim() === '') throw new PropError(scope, prop, `must not contain an empty value, got ${show(v)}`);
}

function maxItems(scope: Construct, prop: string, list: readonly unknown[] | undefined, max: number): void {
  if (list && list.length > max) throw new PropError(scope, prop, `must have at most ${max} entries, got ${list.length}`);
}

function checkPatterns(scope: Construct, prop: string, list: readonly string[] | undefined, maxLength: number): void {
  for (const p of list ?? []) {
    if (p.length === 0 || p.length > maxLength) throw new PropError(scope, prop, `must hold patterns of 1 to ${maxLength} characters, got ${show(p)}`);
  }
}

function checkGitHubWebhook(scope: Construct, p: GitHubWebhookProps): void {
  const prop = (name: string) => `when.githubWebhook.${name}`;
  nonEmptyList(scope, prop('events'), p.events, GITHUB_WEBHOOK_MAX_EVENTS);
  if (p.repository !== undefined && !OWNER_REPO.test(p.repository)) {
    throw new PropError(scope, prop('repository'), `must be "owner/repo", got ${show(p.repository)}`);
  }
  (p.filters ?? []).forEach((f, i) => {
    const at = (name: string) => prop(`filters[${i}].${name}`);
    if (!p.events.includes(f.event)) {
      throw new PropError(scope, at('event'), `must be one of the source's events (${p.events.map((e) => `"${e}"`).join(', ')}), got ${show(f.event)}`);
    }
    checkOneOf(scope, at('commentOn'), f.commentOn, COMMENT_SUBJECTS);
    for (const key of ['bodyContains', 'bodyPattern'] as const) {
      const v = f[key];
      if (v !== undefined && v.length > BODY_PATTERN_MAX_LENGTH)
        throw new PropError(scope, at(key), `must be at most ${BODY_PATTERN_MAX_LENGTH} characters, got ${v.length}`);
    }
    maxItems(scope, at('excludeBodyPatterns'), f.excludeBodyPatterns, MAX_EXCLUDE_BODY_PATTERNS);
    checkPatterns(scope, at('excludeBodyPatterns'), f.excludeBodyPatterns, BODY_PATTERN_MAX_LENGTH);
    checkFilePatterns(scope, at('filePatterns'), f.filePatterns);
  });
  checkReporting(scope, 'githubWebhook', p.reporting);
  if (p.reporting?.checks && !p.events.some((e) => (PULL_REQUEST_EVENTS as readonly string[]).includes(e))) {
    throw new PropError(
      scope,
      prop('reporting.checks'),
      `needs a pull request event in events (${PULL_REQUEST_EVENTS.join(', ')}), got ${p.events.map((e) => `"${e}"`).join(', ')}`,
    );
  }
}

function checkLinearWebhook(scope: Construct, p: LinearWebhookProps): void {
  const prop = (name: string) => `when.linearWebhook.${name}`;
  nonEmptyList(scope, prop('types'), p.types);
  (p.filters ?? []).forEach((f, i) => {
    const at = (name: string) => prop(`filters[${i}].${name}`);
    if (f.type !== undefined && !p.types.includes(f.type)) {
      throw new PropError(scope, at('type'), `must be one of the source's types (${p.types.map((t) => `"${t}"`).join(', ')}), got ${show(f.type)}`);
    }
    checkOneOf(scope, at('action'), f.action, LINEAR_ACTIONS);
  });
}

function checkGenericWebhook(scope: Construct, p: GenericWebhookProps): void {
  const prop = (name: string) => `when.webhook.${name}`;
  if (!new RegExp(WEBHOOK_SOURCE_PATTERN).test(p.source ?? '')) {
    throw new PropError(
      scope,
      prop('source'),
      `must be lowercase letters, digits and inner hyphens (it is the URL path /webhook/<source>), got ${show(p.source)}`,
    );
  }
  const mapping = p.fieldMapping ?? {};
  if (!('id' in mapping)) throw new PropError(scope, prop('fieldMapping'), "must map 'id': it names the Task and deduplicates deliveries");
  for (const [k, v] of Object.entries(mapping)) {
    if (k === '' || v.trim() === '')
      throw new PropError(scope, prop('fieldMapping'), `must map non-empty names to non-empty JSONPaths, got ${show(k)}: ${show(v)}`);
  }
  (p.filters ?? []).forEach((f, i) => {
    if (!f.field?.trim()) throw new PropError(scope, prop(`filters[${i}].field`), 'must be a JSONPath, got an empty value');
    if ((f.value !== undefined) === (f.pattern !== undefined && f.pattern !== '')) {
      throw new PropError(scope, prop(`filters[${i}]`), 'must set exactly one of value and pattern');
    }
  });
}

function checkSlack(scope: Construct, p: SlackProps): void {
  const prop = (name: string) => `when.slack.${name}`;
  maxItems(scope, prop('channels'), p.channels, 64);
  for (const c of p.channels ?? []) {
    if (!new RegExp(SLACK_CHANNEL_PATTERN).test(c)) throw new PropError(scope, prop('channels'), `must hold channel IDs such as "C0123456789", got ${show(c)}`);
  }
  checkOneOf(scope, prop('botMessagePolicy'), p.botMessagePolicy, SLACK_BOT_MESSAGE_POLICIES);
  maxItems(scope, prop('triggers'), p.triggers, 8);
  (p.triggers ?? []).forEach((t, i) => {
    if (t.pattern !== undefined && t.pattern.length > 256)
      throw new PropError(scope, prop(`triggers[${i}].pattern`), `must be at most 256 characters, got ${t.pattern.length}`);
  });
  maxItems(scope, prop('excludePatterns'), p.excludePatterns, 10);
  checkPatterns(scope, prop('excludePatterns'), p.excludePatterns, 256);
}
