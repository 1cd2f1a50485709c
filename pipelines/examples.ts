// The Kelos examples 01–07, 10, 11 and 13, written with the constructs. Each
// renders the same custom resources as the example's YAML (Secrets are
// referenced, not rendered); the webhook examples share the namespace's
// webhook server.
import { Chart, type ChartProps, Cron, Duration } from 'cdk8s';
import type { Construct } from 'constructs';
import { Agent, AgentType, Credentials, Spawner, Task, WebhookServer, When, Workspace } from '../constructs/index.js';

export class Examples extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'kelos-examples', ...props });

    const claudeOauth = Credentials.oauth({ name: 'claude-oauth-token' });
    const workspace = new Workspace(this, 'my-workspace', {
      repo: 'https://github.com/your-org/your-repo.git',
      ref: 'main',
      secret: { name: 'github-token' },
    });

    // 01: a single Task, no repository.
    new Task(this, 'simple-task', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.apiKey({ name: 'anthropic-api-key' }),
      prompt: 'Write a Python script that prints the first 20 Fibonacci numbers.',
    });

    // 02: a Task in a workspace.
    new Task(this, 'add-tests', {
      type: AgentType.CLAUDE_CODE,
      credentials: claudeOauth,
      workspace,
      prompt: 'Add unit tests for all untested functions and open a PR with the changes.',
    });

    // 03: a spawner for GitHub issues labelled "bug".
    new Spawner(this, 'fix-bugs', {
      type: AgentType.CLAUDE_CODE,
      credentials: claudeOauth,
      workspace,
      when: When.githubIssues({ labels: ['bug'], state: 'open' }),
      promptTemplate: 'Fix the following GitHub issue and open a PR with the fix.\n\nIssue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n',
      ttlAfterFinished: Duration.hours(1),
      pollInterval: Duration.minutes(5),
      maxConcurrency: 3,
    });

    // 04: a weekly cron spawner.
    new Spawner(this, 'weekly-dependency-update', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.apiKey({ name: 'anthropic-api-key' }),
      workspace,
      when: When.cron(Cron.schedule({ minute: '0', hour: '9', weekDay: '1' })),
      promptTemplate: 'Check for outdated dependencies, update them to the latest compatible\nversions, run the tests, and open a PR with the changes.\n',
      ttlAfterFinished: Duration.hours(1),
    });

    // 05: a Task with an AgentConfig (instructions and a plugin skill).
    const reviewer = new Agent(this, 'code-reviewer', {
      agentsMd:
        '# Code Review Guidelines\n\n- Focus on correctness, readability, and security\n- Flag any OWASP Top 10 vulnerabilities\n- Suggest tests for untested code paths\n- Keep feedback actionable and concise\n',
      plugins: [
        {
          name: 'reviewer',
          skills: {
            review:
              'Review the current PR diff for issues.\nFocus on: correctness, security, performance, readability.\nPost a summary as a PR comment using `gh pr comment`.\n',
          },
        },
      ],
    });
    new Task(this, 'review-pr', {
      type: AgentType.CLAUDE_CODE,
      credentials: claudeOauth,
      workspace,
      agents: [reviewer],
      prompt: 'Review the latest PR and provide feedback using /review.',
    });

    // 06: a fork workflow — issues from upstream, work on the fork.
    const fork = new Workspace(this, 'my-fork', {
      repo: 'https://github.com/your-user/upstream-repo.git',
      ref: 'main',
      secret: { name: 'github-token' },
      remotes: [{ name: 'upstream', url: 'https://github.com/upstream-org/upstream-repo.git' }],
    });
    new Spawner(this, 'fork-issue-fixer', {
      type: AgentType.CLAUDE_CODE,
      credentials: claudeOauth,
      workspace: fork,
      when: When.githubIssues({ repo: 'https://github.com/upstream-org/upstream-repo.git', labels: ['bug'], state: 'open' }),
      branch: 'kelos-task-{{.Number}}',
      promptTemplate:
        'Fix the following GitHub issue from the upstream repository and open a\nPR from this fork back to upstream.\n\nIssue #{{.Number}}: {{.Title}}\n\n{{.Body}}\n',
      ttlAfterFinished: Duration.hours(1),
      pollInterval: Duration.minutes(5),
      maxConcurrency: 3,
    });

    // The webhook server of the namespace, behind an Ingress with TLS (Kelos's helm-values-webhook.yaml).
    new WebhookServer(this, 'webhooks', {
      github: { secret: { name: 'github-webhook-secret' } },
      linear: { secret: { name: 'linear-webhook-secret' } },
      generic: { sentry: { secret: { name: 'sentry-webhook-secret' }, signatureHeader: 'Sentry-Hook-Signature' } },
      ingress: {
        host: 'webhooks.your-domain.com',
        className: 'nginx',
        tlsSecret: { name: 'webhooks-tls' },
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' },
      },
    });

    // 10: GitHub webhook deliveries as they happen: new issues, pull requests, comments and reviews.
    new Spawner(this, 'github-webhook-responder', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.apiKey({ name: 'claude-credentials' }),
      workspace,
      when: When.githubWebhook({
        events: ['issues', 'pull_request', 'issue_comment', 'pull_request_review'],
        excludeAuthors: ['dependabot[bot]', 'renovate[bot]'],
        filters: [
          { event: 'issues', action: 'opened' },
          { event: 'pull_request', action: 'opened', draft: false },
          { event: 'pull_request', action: 'labeled', labels: ['review-requested'] },
          { event: 'issues', action: 'opened', labels: ['bug'], excludeLabels: ['wontfix', 'duplicate'] },
          { event: 'issue_comment', action: 'created', bodyPattern: '/kelos' },
          { event: 'pull_request_review', action: 'submitted', author: 'senior-reviewer' },
        ],
        // Status comments and a Check Run, made by the webhook server with the Workspace's token.
        reporting: { enabled: true, checks: {} },
      }),
      branch: 'kelos-webhook-{{.Event}}-{{.ID}}',
      promptTemplate:
        '# GitHub {{.Event}} Event: {{.Action}}\n\n- **Triggered by**: @{{.Sender}}\n{{- if .Title}}\n- **Title**: {{.Title}}\n{{- end}}\n{{- with index . "URL"}}\n- **URL**: {{.}}\n{{- end}}\n\nPlease review this event and take appropriate action.\n',
      taskLabels: { 'kelos.dev/trigger': 'webhook', 'kelos.dev/event': '{{.Event}}', 'kelos.dev/action': '{{.Action}}' },
      taskAnnotations: { 'kelos.dev/github-url': '{{.URL}}', 'kelos.dev/github-sender': '{{.Sender}}' },
      ttlAfterFinished: Duration.hours(1),
    });

    // 11: Linear issues in Todo or In Progress labelled agent-task.
    const linearFilter = { states: ['Todo', 'In Progress'], labels: ['agent-task'], excludeLabels: ['no-automation'] };
    new Spawner(this, 'linear-webhook-example', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.oauth({ name: 'claude-credentials' }),
      workspace,
      when: When.linearWebhook({
        types: ['Issue'],
        filters: [
          { action: 'create', ...linearFilter },
          { action: 'update', ...linearFilter },
        ],
      }),
      branch: 'linear-task-{{.ID}}',
      promptTemplate:
        'Linear {{.Type}} {{.Action}}: {{.Title}}\n\nLinear Issue ID: {{.ID}}\nState: {{.State}}\nLabels: {{.Labels}}\n\nPlease analyze this Linear issue and provide recommendations or implement any requested changes.\n',
      ttlAfterFinished: Duration.hours(1),
      maxConcurrency: 3,
    });

    // 13: Sentry errors of Python, Go or Node services, through a generic webhook.
    new Spawner(this, 'sentry-error-responder', {
      type: AgentType.CLAUDE_CODE,
      credentials: Credentials.oauth({ name: 'claude-credentials' }),
      workspace,
      when: When.webhook({
        source: 'sentry',
        fieldMapping: {
          id: '$.data.event.event_id',
          title: '$.data.event.title',
          url: '$.data.url',
          level: '$.data.event.level',
          platform: '$.data.event.platform',
        },
        filters: [
          { field: '$.data.event.level', value: 'error' },
          { field: '$.data.event.platform', pattern: '^(python|go|node)' },
        ],
      }),
      branch: 'sentry-{{.ID}}',
      promptTemplate:
        'A new Sentry error was reported.\n\nTitle:    {{.Title}}\nLevel:    {{.level}}\nPlatform: {{.platform}}\nURL:      {{.URL}}\n\nInvestigate the stack trace in the payload and open a PR with a fix.\n',
      ttlAfterFinished: Duration.hours(1),
      maxConcurrency: 3,
    });

    // 07: a three-stage pipeline on one branch; each stage reads the previous one's results.
    const stage = { type: AgentType.CLAUDE_CODE, credentials: Credentials.oauth({ name: 'claude-credentials' }), workspace, branch: 'feature/auth' };
    const scaffold = new Task(this, 'scaffold', {
      ...stage,
      prompt:
        'Scaffold a user authentication module with the following:\n- A login endpoint (POST /auth/login)\n- A registration endpoint (POST /auth/register)\n- JWT token generation and validation\n- Basic middleware for protected routes\n\nCreate the code, commit your changes, and push the branch.\n',
    });
    const writeTests = new Task(this, 'write-tests', {
      ...stage,
      dependsOn: [scaffold],
      prompt:
        'The scaffold task created an auth module on branch {{index .Deps "scaffold" "Results" "branch"}}.\n\nWrite comprehensive tests for the authentication module:\n- Unit tests for token generation and validation\n- Integration tests for login and registration endpoints\n- Edge cases: invalid credentials, expired tokens, duplicate registration\n\nRun the tests to make sure they pass. Commit and push.\n',
    });
    new Task(this, 'open-pr', {
      ...stage,
      dependsOn: [writeTests],
      prompt:
        'The auth module and its tests are ready on branch {{index .Deps "write-tests" "Results" "branch"}}.\n\nReview the full diff (git diff main...HEAD) and open a pull request:\n- Write a clear title and description summarizing the changes\n- List the endpoints added and test coverage\n- Reference any relevant issues\n\nUse `gh pr create` to open the PR.\n',
    });
  }
}
