// The golden path's pipeline, as a user writes one: the controller, a
// Workspace, a Spawner that turns issues labelled `agent` into Claude Code
// Tasks that open a pull request, and a Task that depends on the spawned Task
// for issue #1 and reads its pull request through .Deps. The test renders it
// with `kelos synth --app "npx tsx test/e2e/golden-path.pipeline.ts"`; what
// points at the test network (the git server, the GitHub API, the model API,
// the CA of the GitHub server) comes in GOLDEN_PATH as JSON.
import { Chart, Duration } from 'cdk8s';
import { AgentType, Credentials, KelosApp, KelosController, Model, Spawner, Task, When, Workspace } from '../../constructs/index.js';
import { GITHUB_CA_FILE, GITHUB_CA_PATH } from './_github-tls.js';

export interface GoldenPathValues {
  readonly namespace: string;
  /** The repository on the git server. */
  readonly repo: string;
  /** The GitHub API base URL the spawner polls. */
  readonly githubApiBaseUrl: string;
  /** The CA that signed the GitHub server's certificate, for gh. */
  readonly githubCa: string;
  /** Model API base URLs: the spawned Tasks', the dependant Task's. */
  readonly fixerModelUrl: string;
  readonly reviewModelUrl: string;
  readonly model: string;
  readonly image: string;
}

const v = JSON.parse(process.env.GOLDEN_PATH ?? 'null') as GoldenPathValues | null;
if (!v) throw new Error('GOLDEN_PATH must hold the test network values as JSON');

// The CLI's own switches: nothing but the model API.
const quiet = [
  { name: 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', value: '1' },
  { name: 'DISABLE_AUTOUPDATER', value: '1' },
  { name: 'DISABLE_TELEMETRY', value: '1' },
  { name: 'DISABLE_ERROR_REPORTING', value: '1' },
];

const app = new KelosApp({ namespaces: false });
new KelosController(app, 'kelos-system', { namespaces: [v.namespace], secretNamespaces: [v.namespace], createNamespaces: false });

const team = new Chart(app, 'team', { namespace: v.namespace });
const repo = new Workspace(team, 'app', { repo: v.repo, ref: 'main', secret: { name: 'github-token' }, files: { [GITHUB_CA_FILE]: v.githubCa } });
const common = {
  type: AgentType.CLAUDE_CODE,
  credentials: Credentials.apiKey({ name: 'anthropic' }),
  model: Model.of(v.model),
  image: v.image,
};

new Spawner(team, 'fixer', {
  ...common,
  workspace: repo,
  when: When.githubIssues({ labels: ['agent'] }),
  githubApiBaseUrl: v.githubApiBaseUrl,
  pollInterval: Duration.seconds(2),
  branch: 'agent/issue-{{.Number}}',
  promptTemplate: 'Fix issue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n\nOpen a pull request when you are done.',
  podOverrides: {
    env: [
      { name: 'ANTHROPIC_BASE_URL', value: v.fixerModelUrl },
      ...quiet,
      // gh speaks HTTPS to a GitHub Enterprise host; Go reads its trusted CAs from here.
      { name: 'SSL_CERT_FILE', value: GITHUB_CA_PATH },
    ],
  },
});

new Task(team, 'review', {
  ...common,
  dependsOn: [Task.fromName(team, 'fixer-1', 'fixer-1')],
  prompt: 'Review the pull request {{index .Deps "fixer-1" "Results" "pr"}} (branch {{index .Deps "fixer-1" "Results" "branch"}}).',
  podOverrides: { env: [{ name: 'ANTHROPIC_BASE_URL', value: v.reviewModelUrl }, ...quiet] },
});

app.synth();
