// Generates docs/template-variables.md from lib/api/template-variables.ts:
// `npm run docs:template-variables`; a test fails when the file is not current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SOURCES } from '../lib/api/task-spawner.js';
import { DEPENDENCY_FIELDS, SOURCE_VARIABLES, TASK_PROMPT_VARIABLES, type TemplateVariable } from '../lib/api/template-variables.js';

export const TEMPLATE_VARIABLES_DOC = 'docs/template-variables.md';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '\\n');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function table(variables: readonly TemplateVariable[], prefix = '.'): string {
  return [
    '| variable | holds | example |',
    '|---|---|---|',
    ...variables.map((x) => `| \`${prefix}${x.name}\` | ${cell(x.description)} | ${cell(code(x.example))} |`),
  ].join('\n');
}

/** The text of docs/template-variables.md. */
export function templateVariablesDoc(): string {
  const sources = SOURCES.map((s) => `### \`${s}\`\n\n${table(SOURCE_VARIABLES[s])}\n`).join('\n');
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
| TaskSpawner \`taskTemplate.promptTemplate\` | the spawner, once per item | the source's (below); with \`taskTemplate.dependsOn\` also \`.Name\` and \`.Deps\` |
| TaskSpawner \`taskTemplate.branch\` | the spawner, once per item | the source's |
| TaskSpawner \`taskTemplate.metadata\` label and annotation values | the spawner, once per item | the source's |
| Task \`prompt\` | the controller, only when the Task has \`dependsOn\` | \`.Name\`, \`.Deps\` |

A Task prompt without \`dependsOn\` is used as written: \`{{\` in it is text.

## Variables of each source

The spawner defines every variable below for every item, empty (\`0\` for
\`.Number\`) when its source has no value for it; reading one that a source
leaves empty is refused as a mistake.

${sources}
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
