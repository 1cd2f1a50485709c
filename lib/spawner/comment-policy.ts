import type { CommentPolicy, GitHubIssues, GitHubPullRequests, Permission } from '../api/index.js';
import { type PermissionLookups, permissionAtLeast } from '../github/permissions.js';

/** A comment policy with the legacy fields folded in. */
export interface ResolvedCommentPolicy {
  readonly triggerComment?: string;
  readonly excludeComments: readonly string[];
  readonly allowedUsers: readonly string[];
  readonly allowedTeams: readonly string[];
  readonly minimumPermission?: Permission;
  /** Logins (lowercase) whose comments never trigger: the spawner's own GitHub identity. */
  readonly ignoredTriggerAuthors?: readonly string[];
}

/**
 * The permission a trigger command needs when the policy names no one:
 * `write`. Kelos v0.19 lets anyone trigger then; kelos does not, on purpose
 * (a stranger's comment would start an agent with the repository's token).
 */
export const DEFAULT_TRIGGER_PERMISSION: Permission = 'write';

/**
 * Folds `commentPolicy` or the legacy `triggerComment`/`excludeComments` into
 * one shape. A trigger command with no `allowedUsers`, `allowedTeams` or
 * `minimumPermission` gets `minimumPermission: write` (DEFAULT_TRIGGER_PERMISSION),
 * for every command of the policy.
 */
export function resolveCommentPolicy(
  source: Pick<GitHubIssues | GitHubPullRequests, 'commentPolicy' | 'triggerComment' | 'excludeComments'>,
): ResolvedCommentPolicy {
  const legacy = (source.triggerComment?.trim() ?? '') !== '' || (source.excludeComments?.length ?? 0) > 0;
  const p: CommentPolicy | undefined = source.commentPolicy;
  let resolved: ResolvedCommentPolicy;
  if (p) {
    if (legacy) throw new Error('commentPolicy cannot be used with triggerComment or excludeComments');
    resolved = {
      ...(p.triggerComment?.trim() ? { triggerComment: p.triggerComment.trim() } : {}),
      excludeComments: (p.excludeComments ?? []).map((c) => c.trim()).filter(Boolean),
      allowedUsers: p.allowedUsers ?? [],
      allowedTeams: p.allowedTeams ?? [],
      ...(p.minimumPermission ? { minimumPermission: p.minimumPermission } : {}),
    };
  } else {
    resolved = {
      ...(source.triggerComment?.trim() ? { triggerComment: source.triggerComment.trim() } : {}),
      excludeComments: (source.excludeComments ?? []).map((c) => c.trim()).filter(Boolean),
      allowedUsers: [],
      allowedTeams: [],
    };
  }
  if (resolved.triggerComment !== undefined && !authorizationConfigured(resolved)) {
    resolved = { ...resolved, minimumPermission: DEFAULT_TRIGGER_PERMISSION };
  }
  return resolved;
}

/** The policy with `login`'s trigger commands ignored (the spawner's own identity). */
export function ignoringTriggersOf(policy: ResolvedCommentPolicy, login: string | undefined): ResolvedCommentPolicy {
  const key = login?.trim().toLowerCase();
  if (!key) return policy;
  return { ...policy, ignoredTriggerAuthors: [...new Set([...(policy.ignoredTriggerAuthors ?? []), key])] };
}

/** A GitHub App or other bot account: `type: Bot`, or a login ending in `[bot]`. */
export function isBotAuthor(login: string, type?: string): boolean {
  return type === 'Bot' || /\[bot\]$/i.test(login.trim());
}

/** Whether a trigger command by this author counts: never from a bot or an ignored identity. */
function triggerAuthorAllowed(policy: ResolvedCommentPolicy, login: string, type?: string): boolean {
  if (isBotAuthor(login, type)) return false;
  return !(policy.ignoredTriggerAuthors ?? []).includes(login.trim().toLowerCase());
}

export function commandsEnabled(policy: ResolvedCommentPolicy): boolean {
  return policy.triggerComment !== undefined || policy.excludeComments.length > 0;
}

export function authorizationConfigured(policy: ResolvedCommentPolicy): boolean {
  return policy.allowedUsers.length > 0 || policy.allowedTeams.length > 0 || policy.minimumPermission !== undefined;
}

/** True when a whole trimmed line of `body` equals one of `commands`. */
export function hasCommand(body: string | null | undefined, commands: readonly string[]): boolean {
  if (!body || commands.length === 0) return false;
  return body.split('\n').some((line) => commands.includes(line.trim()));
}

export interface CommandComment {
  readonly author: string;
  /** GitHub's `user.type` (`User`, `Bot`, `Organization`), when known. */
  readonly authorType?: string;
  readonly body: string;
  /** RFC 3339. */
  readonly createdAt: string;
}

export interface PolicyDecision {
  readonly included: boolean;
  /** The authorised trigger comment's time when it admitted the item. */
  readonly triggerTime?: Date;
  /** Who gave the trigger that admitted the item (a comment's author, or the item's for a body trigger). */
  readonly triggerAuthor?: string;
}

/**
 * Applies a comment policy: with a trigger only, an authorised trigger (in
 * the body or a comment) admits the item; with excludes only, an authorised
 * exclude blocks it; with both, the most recent authorised command wins, and
 * a body command only decides when no comment carries one (exclude first).
 * `authorised` is asked only for authors of comments that carry a command.
 * Trigger commands of bots (`[bot]` logins, `type: Bot`) and of
 * `policy.ignoredTriggerAuthors` do not count; their excludes do (an agent
 * hands an item back with an exclude command).
 */
export async function evaluateCommentPolicy(
  policy: ResolvedCommentPolicy,
  item: { readonly body: string | null | undefined; readonly author: string; readonly authorType?: string },
  comments: readonly CommandComment[],
  authorised: (login: string) => Promise<boolean>,
): Promise<PolicyDecision> {
  if (!commandsEnabled(policy)) return { included: true };
  const trigger = policy.triggerComment ? [policy.triggerComment] : [];
  const excludes = policy.excludeComments;

  let bodyTrigger = false;
  let bodyExclude = false;
  const bodyHasTrigger = hasCommand(item.body, trigger) && triggerAuthorAllowed(policy, item.author, item.authorType);
  if (bodyHasTrigger || hasCommand(item.body, excludes)) {
    if (await authorised(item.author)) {
      bodyTrigger = bodyHasTrigger;
      bodyExclude = hasCommand(item.body, excludes);
    }
  }

  // The latest authorised comment of each kind: by time, then by position.
  let lastTrigger: { at: number; index: number; author: string } | undefined;
  let lastExclude: { at: number; index: number; author: string } | undefined;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    const isTrigger = hasCommand(c.body, trigger) && triggerAuthorAllowed(policy, c.author, c.authorType);
    const isExclude = hasCommand(c.body, excludes);
    if (!isTrigger && !isExclude) continue;
    if (!(await authorised(c.author))) continue;
    const at = Date.parse(c.createdAt);
    const mark = { at: Number.isNaN(at) ? -Infinity : at, index: i, author: c.author };
    const later = (prev: typeof mark | undefined) => !prev || mark.at > prev.at || (mark.at === prev.at && mark.index > prev.index);
    if (isTrigger && later(lastTrigger)) lastTrigger = mark;
    if (isExclude && later(lastExclude)) lastExclude = mark;
  }
  const timeOf = (m: { at: number; author: string } | undefined) =>
    m ? { ...(Number.isFinite(m.at) ? { triggerTime: new Date(m.at) } : {}), triggerAuthor: m.author } : {};
  const byBody = { included: true, triggerAuthor: item.author };

  if (excludes.length === 0) {
    if (lastTrigger) return { included: true, ...timeOf(lastTrigger) };
    return bodyTrigger ? byBody : { included: false };
  }
  if (trigger.length === 0) return { included: !lastExclude && !bodyExclude };

  if (lastTrigger && lastExclude) {
    const triggerWins = lastTrigger.at > lastExclude.at || (lastTrigger.at === lastExclude.at && lastTrigger.index > lastExclude.index);
    return triggerWins ? { included: true, ...timeOf(lastTrigger) } : { included: false };
  }
  if (lastTrigger) return { included: true, ...timeOf(lastTrigger) };
  if (lastExclude) return { included: false };
  if (bodyExclude) return { included: false };
  return bodyTrigger ? byBody : { included: false };
}

/**
 * Decides whether a user may give commands: an allowed user, or an active
 * member of an allowed team, or a collaborator with at least the minimum
 * permission; anyone when none is set. Create one per cycle: its lookups are
 * cached for that cycle only. The sources keep each thread's policy decision
 * while the thread is unchanged (issues: `updated_at` and comment count; pull
 * requests: `updated_at` and head SHA), so a revoked permission takes effect
 * on a thread when it next changes.
 */
export class CommentAuthorizer {
  private readonly cache = new Map<string, Promise<boolean>>();
  private readonly allowedUsers: Set<string>;

  constructor(
    private readonly policy: ResolvedCommentPolicy,
    private readonly lookups: PermissionLookups,
  ) {
    this.allowedUsers = new Set(policy.allowedUsers.map((u) => u.trim().toLowerCase()).filter(Boolean));
  }

  isAuthorised(login: string): Promise<boolean> {
    if (!authorizationConfigured(this.policy)) return Promise.resolve(true);
    const key = login.trim().toLowerCase();
    if (!key) return Promise.resolve(false);
    if (this.allowedUsers.has(key)) return Promise.resolve(true);
    let decision = this.cache.get(key);
    if (!decision) {
      decision = this.decide(key);
      this.cache.set(key, decision);
      // A failed lookup is not a decision: let the next ask try again.
      decision.catch(() => this.cache.delete(key));
    }
    return decision;
  }

  private async decide(login: string): Promise<boolean> {
    let firstError: unknown;
    if (this.policy.minimumPermission) {
      try {
        if (permissionAtLeast(await this.lookups.repositoryRole(login), this.policy.minimumPermission)) return true;
      } catch (err) {
        firstError = err;
      }
    }
    for (const team of this.policy.allowedTeams) {
      const [org, slug] = team.split('/', 2).map((s) => s.trim());
      if (!org || !slug) throw new Error(`invalid team "${team}": expected org/team-slug`);
      try {
        if ((await this.lookups.teamMembershipState(org, slug, login))?.toLowerCase() === 'active') return true;
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
    return false;
  }
}
