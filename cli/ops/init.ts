// `kelos init`: the config file, or with --project a new pipelines repository.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { kelosPackageJson } from '../../lib/render/images.js';
import { UserError } from '../errors.js';
import { CONFIG_TEMPLATE, defaultConfigPath, expandHome } from './config.js';

/** Writes the config template with mode 0600 in a directory of mode 0700. */
export function initConfig(path: string | undefined, force: boolean): string {
  const file = resolve(expandHome(path ?? defaultConfigPath()));
  if (existsSync(file) && !force) throw new UserError(`config file ${file} already exists: edit it, or pass --force to replace it`);
  const dir = dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  writeFileSync(file, CONFIG_TEMPLATE, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return file;
}

/** The files of a new pipelines project, by relative path. */
export function projectFiles(name: string, kelosSpec = `^${kelosPackageJson().version}`): Record<string, string> {
  const own = kelosPackageJson();
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      synth: 'kelos synth',
      check: 'kelos check',
      validate: 'kelos validate dist',
      typecheck: 'tsc --noEmit',
    },
    // cdk8s and constructs at the versions kelos uses, so there is one copy of each.
    dependencies: {
      cdk8s: own.dependencies.cdk8s,
      constructs: own.dependencies.constructs,
      kelos: kelosSpec,
    },
    devDependencies: {
      '@types/node': own.devDependencies['@types/node'],
      tsx: own.dependencies.tsx,
      typescript: own.devDependencies.typescript,
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      noEmit: true,
      types: ['node'],
    },
    include: ['pipelines/**/*.ts'],
  };
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'tsconfig.json': JSON.stringify(tsconfig, null, 2) + '\n',
    'cdk8s.yaml': 'language: typescript\napp: npx tsx pipelines/main.ts\noutput: dist\n',
    '.gitignore': 'node_modules/\n',
    '.gitattributes': 'dist/** linguist-generated=true\n',
    'pipelines/main.ts': MAIN_TS,
    '.github/workflows/kelos.yaml': WORKFLOW,
    'README.md': readme(name),
  };
}

const MAIN_TS = `// The pipelines of this repository. \`npm run synth\` renders them into dist/
// (review the YAML in pull requests; apply it with kubectl or sync it with
// ArgoCD); \`npm run check\` fails when dist/ is out of date, and CI runs it.
import { Chart, Duration } from 'cdk8s';
import { AgentType, Credentials, KelosApp, Spawner, When, Workspace } from 'kelos';

const app = new KelosApp();

// To manage the kelos controller and CRDs from this repository too (instead
// of \`kelos install\`), render them into dist/kelos-system/:
// new KelosController(app, 'kelos-system');

// One chart per namespace: its objects render into dist/agents/.
const chart = new Chart(app, 'agents', { namespace: 'agents' });

// The repository the agents work in. Secret "github-token" holds GITHUB_TOKEN;
// create Secrets with kubectl, their values never belong in git.
const repo = new Workspace(chart, 'my-repo', {
  repo: 'https://github.com/your-org/your-repo.git',
  ref: 'main',
  secret: { name: 'github-token' },
});

// A spawner: each open issue labelled "kelos" becomes a Task, at most two at
// a time, each on its own branch. Secret "claude-credentials" holds
// CLAUDE_CODE_OAUTH_TOKEN (use Credentials.apiKey for ANTHROPIC_API_KEY).
new Spawner(chart, 'issue-worker', {
  type: AgentType.CLAUDE_CODE,
  credentials: Credentials.oauth({ name: 'claude-credentials' }),
  workspace: repo,
  when: When.githubIssues({ labels: ['kelos'], state: 'open' }),
  branch: 'kelos-task-{{.Number}}',
  promptTemplate: 'Fix issue #{{.Number}}: {{.Title}}\\n\\n{{.Body}}\\n\\nOpen a pull request with the fix.\\n',
  maxConcurrency: 2,
  // Finished Tasks are deleted after an hour.
  ttlAfterFinished: Duration.hours(1),
});

app.synth();
`;

const WORKFLOW = `name: kelos
on:
  push:
    branches: [main]
  pull_request:
jobs:
  pipelines:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - name: Typecheck the pipelines
        run: npm run typecheck
      - name: Synthesise and fail when the committed dist/ differs
        run: npx kelos check
      - name: Validate the kelos objects of dist/
        run: npx kelos validate dist
`;

function readme(name: string): string {
  return `# ${name}

Agent pipelines for [kelos](https://github.com/kelos-ts/kelos), written as
typed constructs in \`pipelines/\` and rendered into \`dist/\`.

\`\`\`sh
npm install
npm run synth      # pipelines/*.ts -> dist/
npm run check      # fails when dist/ is out of date (CI runs this)
kubectl apply -f dist/agents/
\`\`\`

Never edit \`dist/\` by hand: change the pipelines and synthesise again.
`;
}

/** Scaffolds a pipelines project in `dir` (which must be empty unless `force`). */
export function initProject(dir: string, force: boolean, kelosSpec?: string): string[] {
  const root = resolve(expandHome(dir));
  if (existsSync(root) && readdirSync(root).length > 0 && !force) {
    throw new UserError(`${root} is not empty: choose a new directory, or pass --force to write the project files into it`);
  }
  const name =
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+|[-]+$/g, '') || 'pipelines';
  const files = projectFiles(name, kelosSpec);
  const written: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    written.push(join(dir, path));
  }
  return written;
}

export function runInit(opts: { config?: string; force: boolean; project?: string; kelos?: string }): void {
  if (opts.project !== undefined) {
    const written = initProject(opts.project, opts.force, opts.kelos);
    for (const f of written) process.stdout.write(`Created ${f}\n`);
    process.stdout.write(`\nNext: cd ${opts.project} && npm install && npm run synth\n`);
    return;
  }
  const file = initConfig(opts.config, opts.force);
  process.stdout.write(`Created ${file}: set oauthToken or apiKey in it, then run \`kelos run -p "your prompt"\`\n`);
}
