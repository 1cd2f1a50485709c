// Generates docs/template-variables.md from lib/api/template-variables.ts:
// `npm run docs:template-variables`; a test fails when the file is not current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SOURCES } from '../lib/api/task-spawner.js';
import {
  CONTEXT_VARIABLE,
  DEPENDENCY_FIELDS,
  FIELD_MAPPING_NOTE,
  POLLING_SOURCES,
  SOURCE_VARIABLES,
  TASK_PROMPT_VARIABLES,
  type TemplateVariable,
} from '../lib/api/template-variables.js';

export const TEMPLATE_VARIABLES_DOC = 'docs/template-variables.md';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '\\n');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function table(variables: readonly TemplateVariable[], prefix = '.'): string {
  return [
    '| variable | holds | example |',
    '|---|---|---|',
    ...variables.map((x) => `| \`${prefix}${x.name}${x.object ? '.…' : ''}\` | ${cell(x.description)} | ${cell(code(x.example))} |`),
  ].join('\n');
}

/** The text of docs/template-variables.md. */
export function templateVariablesDoc(): string {
  const section = (s: (typeof SOURCES)[number]) => `### \`${s}\`\n\n${table(SOURCE_VARIABLES[s])}\n${s === 'webhook' ? `\n${FIELD_MAPPING_NOTE}\n` : ''}`;
  const polling = SOURCES.filter((s) => POLLING_SOURCES.includes(s))
    .map(section)
    .join('\n');
  const events = SOURCES.filter((s) => !POLLING_SOURCES.includes(s))
    .map(section)
    .join('\n');
  return `<!-- Generated from lib/api/template-variables.ts by \`npm run docs:template-variables\`; do not edit. -->
# Template variables

Prompts, branches and Task metadata are Go \`text/template\` text: \`{{.Title}}\`,
\`{{if .Comments}}…{{end}}\`, \`{{index .Deps "scaffold" "Results" "branch"}}\`.
A variable the data does not have is an error when the template is rendered
(Go's \`missingkey=error\`), so \`kelos synth\` and \`kelos validate\` check every
template against the variables below: a template that does not parse, reads
a variable its source does not have or leaves empty (\`{{.Titel}}\`,
\`{{.Branch}}\` of an issue), or reads a \`.Deps\` entry that is not in
\`dependsOn\`, is refused with the variable it likely meant. Fields read
inside \`with\` or \`range\` bodies, or through \`$variables\`, are not traced.

## Which template sees what

| template | rendered by | variables |
|---|---|---|
| TaskSpawner \`taskTemplate.promptTemplate\` | the spawner, once per item | the source's (below); \`.Context\` with \`contextSources\`; with \`taskTemplate.dependsOn\` also \`.Name\` and \`.Deps\` |
| TaskSpawner \`taskTemplate.branch\` | the spawner, once per item | the source's; \`.Context\` with \`contextSources\` |
| TaskSpawner \`taskTemplate.metadata\` label and annotation values | the spawner, once per item | the source's; \`.Context\` with \`contextSources\` |
| TaskSpawner \`taskTemplate.contextSources[].http\` \`url\`, \`body\`, header values | the spawner, before the Task's templates | the source's |
| Task \`prompt\` | the controller, only when the Task has \`dependsOn\` | \`.Name\`, \`.Deps\` |

A Task prompt without \`dependsOn\` is used as written: \`{{\` in it is text.

## Polling and cron sources

The spawner defines every variable of these tables for every item, empty
(\`0\` for \`.Number\`) when its source has no value for it; reading one that a
source leaves empty is refused as a mistake.

${polling}
## Event sources

The variables of Kelos v0.39's event sources, set when the delivery carries
them. \`.Payload\` holds the whole delivery, so its fields are not checked.

${events}
## \`.Context\`

${table([CONTEXT_VARIABLE])}

Each name must be one of the taskTemplate's \`contextSources\`; a value is the
fetched text, with no fields.

## Task prompts: \`.Name\` and \`.Deps\`

${table(TASK_PROMPT_VARIABLES)}

Each entry of \`.Deps\` (\`.Deps.<task>\`, or \`index .Deps "<task>"\` for names with \`-\`):

${table(DEPENDENCY_FIELDS, '.Deps.<task>.')}

\`dependsOn\` names Tasks in the Task's own namespace; a Task in another
namespace is never found and the dependant waits forever, so synth and
\`kelos validate\` refuse it.
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(TEMPLATE_VARIABLES_DOC, templateVariablesDoc());
