// Props of the When sources that receive events (GitHub, Linear, generic and
// Slack webhooks) and of what polling GitHub sources share with them
// (reporting, changed-file filters). Field names are Kelos's.
import type { COMMENT_SUBJECTS, LINEAR_ACTIONS, SLACK_BOT_MESSAGE_POLICIES } from '../lib/api/task-spawner.js';

/** Changed-file filter with doublestar globs (e.g. `internal/**`, `*.md`): exclude first, then include. */
export interface FilePatternsProps {
  /** At least one changed file left after `exclude` must match one of these. @default - any file left passes */
  readonly include?: readonly string[];
  /** Changed files matching one of these are dropped first; an item with no file left is skipped. @default - none dropped */
  readonly exclude?: readonly string[];
}

/** Reporting back to GitHub while a spawned Task runs. */
export interface ReportingProps {
  /** Comment on the issue or pull request when the Task starts and ends, editing one comment. @default false */
  readonly enabled?: boolean;
  /**
   * Create a Check Run on the pull request head for each Task spawned from a
   * pull request (for branch protection and merge queues); needs a token with
   * `checks:write`. Not for `githubIssues`; on `githubWebhook`, `events` must
   * include a pull request event.
   * @default - no Check Runs
   */
  readonly checks?: CheckRunProps;
}

export interface CheckRunProps {
  /** Check Run name, at most 100 characters (branch protection rules refer to it). @default "Kelos: <spawner name>" */
  readonly name?: string;
}

/** One filter on GitHub webhook deliveries: every field set must match. */
export interface GitHubWebhookFilterProps {
  /** The event this filter applies to; one of the source's `events`. */
  readonly event: string;
  /** The delivery's action, e.g. `opened`, `created`, `submitted`. @default - any action */
  readonly action?: string;
  /** Labels the issue or pull request must all carry. @default - any */
  readonly labels?: readonly string[];
  /** Skip issues or pull requests with any of these labels. @default - none */
  readonly excludeLabels?: readonly string[];
  /** State of the issue or pull request: `open` or `closed`. @default - any */
  readonly state?: string;
  /** Branch (exact or glob) of push events and of branch create events. @default - any */
  readonly branch?: string;
  /** Tag (exact or glob) of tag create events and release events. @default - any */
  readonly tag?: string;
  /** Only drafts (true) or only ready pull requests (false). @default - both */
  readonly draft?: boolean;
  /** Only deliveries sent by this user. @default - any sender */
  readonly author?: string;
  /** Skip deliveries sent by these users. @default - none */
  readonly excludeAuthors?: readonly string[];
  /**
   * A case-sensitive substring the comment or review body must contain, at most 1024 characters.
   * @deprecated use `bodyPattern`
   * @default - any body
   */
  readonly bodyContains?: string;
  /** An RE2 expression the comment or review body must match, at most 1024 characters. @default - any body */
  readonly bodyPattern?: string;
  /** Skip deliveries whose comment or review body matches one of these RE2 expressions (at most 10). @default - none */
  readonly excludeBodyPatterns?: readonly string[];
  /** For `issue_comment`: only comments on plain issues or only on pull requests. @default - both */
  readonly commentOn?: (typeof COMMENT_SUBJECTS)[number];
  /** Only pushes or pull requests that change matching files. @default - no file filter */
  readonly filePatterns?: FilePatternsProps;
}

export interface GitHubWebhookProps {
  /** GitHub event types to accept (1–20), e.g. `issues`, `issue_comment`, `pull_request`, `pull_request_review`, `push`. */
  readonly events: readonly string[];
  /** Only deliveries from this repository, `owner/repo`. @default - any repository */
  readonly repository?: string;
  /** Skip deliveries sent by these users (bots), before any filter. @default - none */
  readonly excludeAuthors?: readonly string[];
  /** Filters; a delivery passes when one matches. @default - every delivery of `events` */
  readonly filters?: readonly GitHubWebhookFilterProps[];
  /** Status comments, and Check Runs for pull request events. @default - no reporting */
  readonly reporting?: ReportingProps;
}

/** One filter on Linear webhook deliveries: every field set must match. */
export interface LinearWebhookFilterProps {
  /** The resource type this filter applies to; one of the source's `types`. @default - every type of `types` */
  readonly type?: string;
  /** The delivery's action: `create`, `update` or `remove`. @default - any action */
  readonly action?: (typeof LINEAR_ACTIONS)[number];
  /** Workflow state names, e.g. `Todo`, `In Progress`. @default - any state */
  readonly states?: readonly string[];
  /** Labels the issue must all carry. @default - any */
  readonly labels?: readonly string[];
  /** Skip issues with any of these labels. @default - none */
  readonly excludeLabels?: readonly string[];
}

export interface LinearWebhookProps {
  /** Linear resource types to accept (at least one), e.g. `Issue`, `Comment`, `Project`. */
  readonly types: readonly string[];
  /** Filters; a delivery passes when one matches. @default - every delivery of `types` */
  readonly filters?: readonly LinearWebhookFilterProps[];
}

/** A condition on a generic webhook delivery: exactly one of `value` and `pattern`. */
export interface GenericWebhookFilterProps {
  /** JSONPath of the value to test, e.g. `$.data.level`. */
  readonly field: string;
  /** The value must equal this. @default - no exact match (use `pattern`) */
  readonly value?: string;
  /** The value must match this regular expression. @default - no pattern (use `value`) */
  readonly pattern?: string;
}

export interface GenericWebhookProps {
  /** Name of the sender, e.g. `sentry`: lowercase letters, digits, inner hyphens. Deliveries arrive at `/webhook/<source>`. */
  readonly source: string;
  /**
   * Template variables from the delivery: variable name → JSONPath. `id` is
   * required (it names the Task and deduplicates deliveries); `id`, `title`,
   * `body` and `url` are also `{{.ID}}`, `{{.Title}}`, `{{.Body}}`, `{{.URL}}`.
   */
  readonly fieldMapping: Readonly<Record<string, string>>;
  /** Conditions that must all hold. @default - every delivery */
  readonly filters?: readonly GenericWebhookFilterProps[];
}

/** A message trigger of the Slack source. */
export interface SlackTriggerProps {
  /** Unanchored RE2 expression over the message text, leading @-mentions removed; at most 256 characters. @default - any message */
  readonly pattern?: string;
  /** Fire on a pattern match even when the bot is not @-mentioned. @default false */
  readonly mentionOptional?: boolean;
}

export interface SlackProps {
  /** Channel IDs (e.g. `C0123456789`) to listen in, at most 64. @default - every channel the bot was invited to */
  readonly channels?: readonly string[];
  /** Bot messages that may trigger: `None`, `OthersOnly` (never its own), `All` (beware of loops). @default "None" */
  readonly botMessagePolicy?: (typeof SLACK_BOT_MESSAGE_POLICIES)[number];
  /** Triggers (at most 8); one match is enough. @default - every @-mention of the bot */
  readonly triggers?: readonly SlackTriggerProps[];
  /** Skip messages matching one of these RE2 expressions (at most 10; not slash commands). @default - none */
  readonly excludePatterns?: readonly string[];
}
