// The pipeline that develops kelos itself: seven spawners sharing one
// Workspace, one set of credentials and one way of running the agent.
import { readFileSync } from 'node:fs';
import { Chart, type ChartProps, Cron, Duration } from 'cdk8s';
import type { Construct } from 'constructs';
import { Agent, AgentType, Credentials, Model, Spawner, type TaskTemplateProps, When, Workspace } from '../constructs/index.js';

const prompt = (name: string) => readFileSync(new URL(`./prompts/${name}.md`, import.meta.url), 'utf8');

/** Instructions every agent of the pipeline gets; only the identity line differs. */
function instructions(role: string): string {
  return `# kelos ${role}

## Environment
You run in an ephemeral container. File system changes disappear when the task ends:
persist your work as pull requests, issues or comments.

## Identity
- Start every comment on an issue or PR with "🤖 **kelos ${role}**" on its own line,
  so humans can tell your comments from theirs.

## Standards
- Do not create duplicate issues: check existing ones first with \`gh issue list\`.
- Keep changes minimal and focused; add or improve tests with every code change.

## Project conventions
- \`npm run typecheck\`, \`npm test\` and \`npm run check\` (dist/ is current) must pass before you push.
- Never edit dist/ by hand: change the pipelines or constructs and run \`npm run synth\`.
- Logs start with a capital letter and end without punctuation.
- Commit messages do not contain PR links.
`;
}

export class SelfDevelopment extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'kelos-dev', ...props });

    const workspace = new Workspace(this, 'kelos-agent', {
      repo: 'https://github.com/kelos-ts/kelos.git',
      ref: 'main',
      secret: { name: 'github-token' },
    });
    const developer = new Agent(this, 'kelos-dev-agent', { agentsMd: instructions('Agent') });

    // What every spawner of this pipeline shares.
    const common: TaskTemplateProps = {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.oauth({ name: 'kelos-credentials' }),
      model: Model.OPUS,
      workspace,
      agents: [developer],
      ttlAfterFinished: Duration.hours(1),
      podOverrides: {
        resources: {
          requests: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '4Gi' },
          limits: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '4Gi' },
        },
        env: [
          { name: 'GIT_AUTHOR_NAME', value: 'kelos-bot' },
          { name: 'GIT_AUTHOR_EMAIL', value: 'kelos-bot@users.noreply.github.com' },
          { name: 'GIT_COMMITTER_NAME', value: 'kelos-bot' },
          { name: 'GIT_COMMITTER_EMAIL', value: 'kelos-bot@users.noreply.github.com' },
        ],
      },
    };
    // Scheduled agents keep their Tasks for ten days, for review.
    const scheduled: TaskTemplateProps = { ...common, ttlAfterFinished: Duration.days(10) };
    const everyMinute = Duration.minutes(1);

    new Spawner(this, 'kelos-workers', {
      ...common,
      agents: [new Agent(this, 'kelos-workers-agent', { agentsMd: instructions('Worker Agent') })],
      when: When.githubIssues({
        labels: ['actor/kelos'],
        excludeLabels: ['kelos/needs-input'],
        // Said explicitly: kelos would default to write; Kelos v0.19 lets anyone trigger.
        commentPolicy: { triggerComment: '/kelos pick-up', excludeComments: ['/kelos needs-input'], minimumPermission: 'write' },
        priorityLabels: ['priority/critical-urgent', 'priority/important-soon', 'priority/important-longterm', 'priority/backlog'],
      }),
      branch: 'kelos-task-{{.Number}}',
      promptTemplate: prompt('worker'),
      maxConcurrency: 3,
      pollInterval: everyMinute,
    });

    new Spawner(this, 'kelos-pr-responder', {
      ...common,
      when: When.githubPullRequests({
        labels: ['generated-by-kelos'],
        state: 'open',
        draft: false,
        commentPolicy: { triggerComment: '/kelos pick-up', excludeComments: ['/kelos needs-input'], minimumPermission: 'write' },
      }),
      branch: '{{.Branch}}',
      promptTemplate: prompt('pr-responder'),
      maxConcurrency: 2,
      pollInterval: everyMinute,
    });

    new Spawner(this, 'kelos-planner', {
      ...common,
      agents: [new Agent(this, 'kelos-planner-agent', { agentsMd: instructions('Planner Agent') })],
      when: When.githubIssues({ commentPolicy: { triggerComment: '/kelos plan', excludeComments: ['/kelos planned'], minimumPermission: 'write' } }),
      promptTemplate: prompt('planner'),
      maxConcurrency: 2,
      pollInterval: everyMinute,
    });

    new Spawner(this, 'kelos-triage', {
      ...common,
      when: When.githubIssues({ types: ['issues'], state: 'open', labels: ['needs-actor'], excludeLabels: ['triage-accepted'] }),
      promptTemplate: prompt('triage'),
      maxConcurrency: 8,
      pollInterval: everyMinute,
    });

    new Spawner(this, 'kelos-fake-user', {
      ...scheduled,
      model: Model.SONNET,
      agents: [new Agent(this, 'kelos-fake-user-agent', { agentsMd: instructions('User Agent') })],
      when: When.cron(Cron.schedule({ minute: '0', hour: '9' })),
      promptTemplate: prompt('fake-user'),
      maxConcurrency: 1,
    });

    new Spawner(this, 'kelos-fake-strategist', {
      ...scheduled,
      agents: [new Agent(this, 'kelos-fake-strategist-agent', { agentsMd: instructions('Strategist Agent') })],
      when: When.cron(Cron.schedule({ minute: '0', hour: '*/12' })),
      promptTemplate: prompt('fake-strategist'),
      maxConcurrency: 1,
    });

    new Spawner(this, 'kelos-self-update', {
      ...scheduled,
      agents: [new Agent(this, 'kelos-self-update-agent', { agentsMd: instructions('Self-Update Agent') })],
      when: When.cron(Cron.schedule({ minute: '0', hour: '6' })),
      branch: 'kelos-self-update-{{.ID}}',
      promptTemplate: prompt('self-update'),
      maxConcurrency: 1,
    });
  }
}
