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
}

/**
 * Every variable a spawner defines for its templates. The spawner defines all
 * of them for every item (Kelos does the same); a source leaves the ones it
 * has no value for empty (0 for Number), so using one of those is a mistake.
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
  'Time',
  'Schedule',
] as const;
export type SpawnerVariable = (typeof SPAWNER_VARIABLES)[number];

const v = (name: SpawnerVariable, description: string, example: string): TemplateVariable => ({ name, description, example });

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
};

/** What a dependency offers under `.Deps.<task>`. */
export const DEPENDENCY_FIELDS: readonly TemplateVariable[] = [
  { name: 'Name', description: 'The dependency\'s Task name.', example: 'scaffold' },
  {
    name: 'Results',
    description: 'The `key: value` results its agent printed (`branch`, `commit`, `base-branch`, `pr`, `cost-usd`, `input-tokens`, `output-tokens`, and any other key), by key.',
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
  { name: 'Name', description: 'The Task\'s own name.', example: 'write-tests' },
  {
    name: 'Deps',
    description: 'The Tasks of `dependsOn`, by name: `.Deps.<task>.Name`, `.Results` and `.Outputs` (dependency names with `-` need `index`).',
    example: '{{index .Deps "scaffold" "Results" "branch"}}',
  },
];
