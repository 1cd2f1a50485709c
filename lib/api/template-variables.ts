import type { SourceName } from './task-spawner.js';

// What the templates of a TaskSpawner and of a Task can read, as data: the
// checks of synth and `kelos validate` read it, and docs/template-variables.md
// is generated from it.

/** One variable a template reads as `{{.Name}}`. */
export interface TemplateVariable {
  readonly name: string;
  /** What it holds, in one sentence. */
  readonly description: string;
  /** A value it could hold, for the documentation. */
  readonly example: string;
  /** It holds an object whose fields are not known in advance (a delivery's JSON): `.Payload.issue.title`. */
  readonly object?: boolean;
}

/**
 * Every variable a polling or cron spawner defines for its templates. It
 * defines all of them for every item of those sources (Kelos does the same);
 * a source leaves the ones it has no value for empty (0 for Number), so using
 * one of those is a mistake.
 */
export const SPAWNER_VARIABLES = [
  'ID',
  'Number',
  'Title',
  'Body',
  'URL',
  'Labels',
  'Comments',
  'Kind',
  'Branch',
  'ReviewState',
  'ReviewComments',
  'ChangedFiles',
  'Time',
  'Schedule',
] as const;
export type SpawnerVariable = (typeof SPAWNER_VARIABLES)[number];

/** The sources whose items define every SPAWNER_VARIABLES entry (empty when not set). */
export const POLLING_SOURCES: readonly SourceName[] = ['githubIssues', 'githubPullRequests', 'cron', 'jira'];

const v = (name: SpawnerVariable, description: string, example: string): TemplateVariable => ({ name, description, example });
/** A variable of an event source (Kelos v0.39 names), set when the delivery carries it. */
const e = (name: string, description: string, example: string, object = false): TemplateVariable => ({
  name,
  description,
  example,
  ...(object ? { object } : {}),
});
const PAYLOAD = (what: string, example: string) => e('Payload', `The whole ${what}, parsed: its fields by their JSON names.`, example, true);

const COMMENTS = 'Comment bodies, oldest first, joined by `\\n---\\n`; the newest that fit in 64 KiB.';

/** The variables each source sets, in the order the documentation lists them. */
export const SOURCE_VARIABLES: Readonly<Record<SourceName, readonly TemplateVariable[]>> = {
  githubIssues: [
    v('ID', 'The issue number as text; the Task is named `<spawner>-<ID>`.', '42'),
    v('Number', 'The issue number.', '42'),
    v('Title', 'The issue title.', 'Crash on empty input'),
    v('Body', 'The issue body (Markdown).', 'Steps to reproduce: …'),
    v('URL', 'The issue page.', 'https://github.com/acme/app/issues/42'),
    v('Labels', 'Label names, joined by `, `.', 'bug, p1'),
    v('Comments', COMMENTS, 'I see it too.\\n---\\n/kelos pick-up'),
    v('Kind', '`Issue`, or `PR` for a pull request listed with `types: [pulls]`.', 'Issue'),
  ],
  githubPullRequests: [
    v('ID', 'The pull request number as text; the Task is named `<spawner>-<ID>`.', '7'),
    v('Number', 'The pull request number.', '7'),
    v('Title', 'The pull request title.', 'Add retries'),
    v('Body', 'The pull request description (Markdown).', 'Fixes #42'),
    v('URL', 'The pull request page.', 'https://github.com/acme/app/pull/7'),
    v('Labels', 'Label names, joined by `, `.', 'needs-review'),
    v('Comments', COMMENTS, 'LGTM once CI passes'),
    v('Kind', 'Always `PR`.', 'PR'),
    v('Branch', 'The head branch of the pull request.', 'feature/retries'),
    v('ReviewState', '`approved` or `changes_requested` on the head commit, empty when no reviewer decided.', 'changes_requested'),
    v('ReviewComments', 'Inline review comments on the head commit, joined like Comments.', 'src/retry.ts:12: off by one'),
    v(
      'ChangedFiles',
      "The paths the pull request changes, one a line, in GitHub's order (at most 3,000, as GitHub lists them).",
      'src/retry.ts\\nsrc/retry.test.ts',
    ),
  ],
  cron: [
    v('ID', 'The tick as `YYYYMMDD-HHMM` (UTC); the Task is named `<spawner>-<ID>`.', '20250106-0900'),
    v('Title', 'The tick time, RFC 3339 (the same as Time).', '2025-01-06T09:00:00Z'),
    v('Time', 'The tick time, RFC 3339, UTC.', '2025-01-06T09:00:00Z'),
    v('Schedule', 'The schedule as written in the TaskSpawner.', '0 9 * * 1'),
  ],
  jira: [
    v('ID', 'The issue key; the Task is named `<spawner>-<ID>` (lowercased).', 'PROJ-123'),
    v('Number', 'The number of the issue key.', '123'),
    v('Title', 'The issue summary.', 'Export fails for large files'),
    v('Body', 'The issue description, as plain text.', 'When the file is over 2 GB …'),
    v('URL', 'The issue page, `<baseUrl>/browse/<key>`.', 'https://acme.atlassian.net/browse/PROJ-123'),
    v('Labels', 'Label names, joined by `, `.', 'backend'),
    v('Comments', `${COMMENTS} Plain text.`, 'Reproduced on 2.3'),
    v('Kind', 'The issue type.', 'Bug'),
  ],
  githubWebhook: [
    e('ID', 'The issue or pull request number as text; the head commit SHA of a push.', '42'),
    e('Number', 'The issue or pull request number (not set for pushes).', '42'),
    e('Title', 'The issue or pull request title; `Push to <branch>` for a push.', 'Crash on empty input'),
    e('Body', 'The issue or pull request body, when it has one.', 'Steps to reproduce: …'),
    e('URL', 'The issue or pull request page.', 'https://github.com/acme/app/issues/42'),
    e('Branch', 'The pull request head branch, or the pushed branch.', 'feature/retries'),
    e('Kind', 'Always `webhook`.', 'webhook'),
    e('Event', 'The GitHub event type.', 'issue_comment'),
    e('Action', "The delivery's action.", 'created'),
    e('Sender', 'The login of the user who caused the delivery.', 'octocat'),
    e('Ref', 'The full ref of a push.', 'refs/heads/main'),
    e('Repository', 'The repository, `owner/repo`.', 'acme/app'),
    e('RepositoryOwner', 'The repository owner.', 'acme'),
    e('RepositoryName', 'The repository name.', 'app'),
    e('CommentAuthor', 'The author of the comment or review.', 'octocat'),
    e('CommentBody', 'The comment or review body.', '/kelos plan'),
    e('CommentURL', 'The comment or review page.', 'https://github.com/acme/app/issues/42#issuecomment-1'),
    PAYLOAD('GitHub delivery', '{{.Payload.issue.user.login}}'),
  ],
  linearWebhook: [
    e('ID', 'The Linear resource ID.', '4b1c…'),
    e('Title', 'The issue title.', 'Export fails for large files'),
    e('Kind', 'Always `LinearWebhook`.', 'LinearWebhook'),
    e('Type', 'The resource type.', 'Issue'),
    e('Action', "The delivery's action: `create`, `update` or `remove`.", 'create'),
    e('State', 'The workflow state name.', 'Todo'),
    e('Labels', 'Label names, joined by `, `.', 'bug, backend'),
    e('IssueID', 'The issue of a `Comment` delivery; empty for other types.', '4b1c…'),
    PAYLOAD('Linear delivery', '{{.Payload.data.priority}}'),
  ],
  webhook: [
    e('ID', 'The `id` of fieldMapping.', 'evt-123'),
    e('Title', 'The `title` of fieldMapping; empty when it has none.', 'Error rate above 5%'),
    e('Body', 'The `body` of fieldMapping; empty when it has none.', 'Service checkout …'),
    e('URL', 'The `url` of fieldMapping; empty when it has none.', 'https://sentry.example.com/issues/123'),
    e('Kind', 'Always `GenericWebhook`.', 'GenericWebhook'),
    PAYLOAD('delivery', '{{.Payload.data.level}}'),
  ],
  slack: [
    e('ID', 'The message timestamp (or the slash command invocation); the Task is named after it.', '1712345678.000100'),
    e('Number', 'A counter of the messages the spawner received.', '3'),
    e('Title', 'The name of the user who wrote the message.', 'Ada Lovelace'),
    e('Body', 'The message text, the trigger removed.', 'please bump the Go version'),
    e('URL', 'The message permalink.', 'https://acme.slack.com/archives/C0123456789/p1712345678000100'),
    e('Labels', 'The channel name and ID, joined by `, `.', 'dev, C0123456789'),
    e('Kind', 'Always `SlackMessage`.', 'SlackMessage'),
  ],
};

/** The generic webhook's other variables: the keys of its fieldMapping. */
export const FIELD_MAPPING_NOTE = 'Every key of `fieldMapping` is a variable too, as written: `fieldMapping: {severity: "$.level"}` gives `{{.severity}}`.';

/** `.Context`: the values of the taskTemplate's contextSources, by name. */
export const CONTEXT_VARIABLE: TemplateVariable = {
  name: 'Context',
  description:
    "With `contextSources`: each source's fetched value by its name, `.Context.<name>`, in the prompt, branch and metadata templates (not in the context sources' own templates).",
  example: '{{.Context.jira}}',
};

/** What a dependency offers under `.Deps.<task>`. */
export const DEPENDENCY_FIELDS: readonly TemplateVariable[] = [
  { name: 'Name', description: "The dependency's Task name.", example: 'scaffold' },
  {
    name: 'Results',
    description:
      'The `key: value` results its agent printed (`branch`, `commit`, `base-branch`, `pr`, `cost-usd`, `input-tokens`, `output-tokens`, and any other key), by key.',
    example: '{{index .Deps "scaffold" "Results" "branch"}}',
  },
  { name: 'Outputs', description: 'The raw `key: value` lines its agent printed, in order.', example: '{{range .Deps.scaffold.Outputs}}{{.}} {{end}}' },
];

/**
 * Variables bound when a Task's prompt is rendered, which happens only when the
 * Task has `dependsOn` (a prompt without it is used as written). A spawner's
 * promptTemplate reads them too when its taskTemplate has `dependsOn`.
 */
export const TASK_PROMPT_VARIABLES: readonly TemplateVariable[] = [
  { name: 'Name', description: "The Task's own name.", example: 'write-tests' },
  {
    name: 'Deps',
    description: 'The Tasks of `dependsOn`, by name: `.Deps.<task>.Name`, `.Results` and `.Outputs` (dependency names with `-` need `index`).',
    example: '{{index .Deps "scaffold" "Results" "branch"}}',
  },
];
