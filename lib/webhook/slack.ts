import type { Slack } from '../api/task-spawner.js';
import { matchesPattern } from './patterns.js';
import { arr, baseVars, obj, str, type WebhookVars } from './vars.js';

/** A Slack message (Events API `message` / `app_mention`) or slash command. */
export interface SlackMessage {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  /** The message's own timestamp (its id within the channel). */
  readonly ts: string;
  readonly threadTs: string;
  readonly isBot: boolean;
  /** Sent by the bot this server answers for. */
  readonly isSelf: boolean;
  readonly isSlashCommand: boolean;
  /** `<channel>:<command>:<trigger_id>` for a slash command. */
  readonly slashId: string;
  /** The bot's user id (mentions of it trigger). */
  readonly botUserId: string;
  readonly payload: Record<string, unknown>;
}

/** What a Slack request is: the URL check, a message to consider, or something kelos does not act on. */
export type SlackRequest =
  | { readonly kind: 'challenge'; readonly challenge: string }
  | { readonly kind: 'message'; readonly message: SlackMessage; readonly eventId: string }
  | { readonly kind: 'ignored'; readonly reason: string };

/** Message subtypes that are new messages; the others (edits, deletions, joins) are not acted on. */
const NEW_MESSAGE_SUBTYPES = new Set(['', 'bot_message', 'thread_broadcast', 'file_share']);

/**
 * Reads a Slack Events API body (JSON) or slash command (form fields).
 * `botUserId` is the configured bot user; else the event's authorizations say.
 */
export function parseSlackRequest(body: Record<string, unknown>, form: boolean, botUserId = ''): SlackRequest {
  if (form) {
    const channel = str(body.channel_id);
    const command = str(body.command);
    const triggerId = str(body.trigger_id);
    if (!command || !triggerId) return { kind: 'ignored', reason: 'not a slash command' };
    const text = str(body.text);
    return {
      kind: 'message',
      eventId: triggerId,
      message: {
        channel,
        user: str(body.user_id),
        text,
        ts: '',
        threadTs: '',
        isBot: false,
        isSelf: false,
        isSlashCommand: true,
        slashId: `${channel}:${command}:${triggerId}`,
        botUserId,
        payload: body,
      },
    };
  }
  if (body.type === 'url_verification') return { kind: 'challenge', challenge: str(body.challenge) };
  if (body.type !== 'event_callback') return { kind: 'ignored', reason: `request type "${str(body.type)}" is not acted on` };
  const event = obj(body.event);
  const type = str(event.type);
  if (type !== 'message' && type !== 'app_mention') return { kind: 'ignored', reason: `event type "${type}" is not acted on` };
  const subtype = str(event.subtype);
  if (!NEW_MESSAGE_SUBTYPES.has(subtype)) return { kind: 'ignored', reason: `message subtype "${subtype}" is not a new message` };
  const bot = botUserId || str(obj(arr(body.authorizations).find((a) => obj(a).is_bot === true) ?? arr(body.authorizations)[0]).user_id);
  const user = str(event.user);
  const isBot = subtype === 'bot_message' || str(event.bot_id) !== '';
  return {
    kind: 'message',
    eventId: str(body.event_id),
    message: {
      channel: str(event.channel),
      user,
      text: str(event.text),
      ts: str(event.ts),
      threadTs: str(event.thread_ts),
      isBot,
      isSelf: bot !== '' && user === bot,
      isSlashCommand: false,
      slashId: '',
      botUserId: bot,
      payload: body,
    },
  };
}

/** `<@U123>` or `<@U123|name>` anywhere in the text. */
export function mentions(text: string, userId: string): boolean {
  return userId !== '' && (text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`));
}

/** The text without the @-mentions it starts with. */
export function stripLeadingMentions(text: string): string {
  let s = text.trim();
  while (s.startsWith('<@')) {
    const end = s.indexOf('>');
    if (end < 0) break;
    s = s.slice(end + 1).trim();
  }
  return s;
}

/**
 * Whether a message matches a slack source: its channel is listed (when
 * channels are), slash commands then pass; a bot's message passes the bot
 * message policy; one trigger matches (each needs a mention of the bot unless
 * mentionOptional; no triggers: any mention of the bot); no exclude pattern
 * matches. Patterns see the text without its leading mentions.
 */
export function matchesSlack(source: Slack, m: SlackMessage): boolean {
  if (source.channels?.length && !source.channels.includes(m.channel)) return false;
  if (m.isSlashCommand) return true;
  if (m.isBot) {
    const policy = source.botMessagePolicy ?? 'None';
    if (policy === 'None') return false;
    if (policy === 'OthersOnly' && m.isSelf) return false;
  }
  const mentioned = mentions(m.text, m.botUserId);
  const stripped = stripLeadingMentions(m.text);
  const triggers = source.triggers ?? [];
  const triggered =
    triggers.length === 0 ? mentioned : triggers.some((t) => matchesPattern(t.pattern ?? '', stripped) && (t.mentionOptional === true || mentioned));
  if (!triggered) return false;
  return !(source.excludePatterns ?? []).some((p) => matchesPattern(p, stripped));
}

export function slackVars(m: SlackMessage): WebhookVars {
  const text = m.isSlashCommand ? m.text : stripLeadingMentions(m.text);
  const permalink =
    m.ts && m.channel
      ? `https://slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}${m.threadTs && m.threadTs !== m.ts ? `?thread_ts=${m.threadTs}` : ''}`
      : '';
  return {
    ...baseVars(),
    ID: m.isSlashCommand ? m.slashId : m.ts,
    Title: text.split('\n', 1)[0] ?? '',
    Body: text,
    URL: permalink,
    Kind: 'SlackMessage',
    Sender: m.user,
    Payload: m.payload,
  };
}

/** The identity of a message across Slack's retries and its double delivery (`message` and `app_mention`). */
export function slackKey(m: SlackMessage): string {
  return m.isSlashCommand ? `slash:${m.slashId}` : `message:${m.channel}:${m.ts}`;
}
