// `kelos init`: the config file, or with --project a new pipelines repository.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The files of a new pipelines project, by relative path; `kelosSpec` is the version spec of its kelos dependency. */
export function projectFiles(name: string, kelosSpec: string): Record<string, string> {
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
    // cdk8s and constructs at the versions kelos is tested with (kelos takes them as peers: one copy of each).
    dependencies: {
      cdk8s: own.devDependencies.cdk8s,
      constructs: own.devDependencies.constructs,
      kelos: kelosSpec,
    },
    devDependencies: {
      '@types/node': own.devDependencies['@types/node'],
      'cdk8s-cli': own.devDependencies['cdk8s-cli'],
      tsx: own.devDependencies.tsx,
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
    'README.md': readme(name, kelosSpec),
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

function readme(name: string, kelosSpec: string): string {
  const vendored = kelosSpec.startsWith(`file:${VENDOR}/`)
    ? `\nkelos comes from \`${kelosSpec.slice('file:'.length)}\`, a package tarball kept with this
repository (kelos is not on the npm registry yet). To upgrade, copy a newer tarball
into \`${VENDOR}/\` and run \`npm install ./${VENDOR}/kelos-<version>.tgz\`.
`
    : '';
  return `# ${name}

Agent pipelines for [kelos](https://github.com/kelos-ts/kelos), written as
typed constructs in \`pipelines/\` and rendered into \`dist/\`.

\`\`\`sh
npm install
npm run synth      # pipelines/*.ts -> dist/ (\`npx cdk8s synth\` does the same)
npm run check      # fails when dist/ is out of date (CI runs this)
kubectl apply -f dist/agents/
\`\`\`

Never edit \`dist/\` by hand: change the pipelines and synthesise again.
${vendored}`;
}

/** Where a new project keeps the kelos package tarball it depends on. */
export const VENDOR = 'vendor';

/**
 * Scaffolds a pipelines project in `dir` (which must be empty unless `force`).
 * kelos is not on the npm registry yet, so by default the project depends on
 * a tarball of the running kelos, packed into `vendor/`; `kelos` may instead
 * name a tarball or a kelos directory to pack, or an npm version spec.
 */
export function initProject(dir: string, force: boolean, kelos?: string): string[] {
  const root = resolve(expandHome(dir));
  if (existsSync(root) && readdirSync(root).length > 0 && !force) {
    throw new UserError(`${root} is not empty: choose a new directory, or pass --force to write the project files into it`);
  }
  const name =
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+|[-]+$/g, '') || 'pipelines';
  mkdirSync(root, { recursive: true });
  const written: string[] = [];
  let spec = kelos;
  if (spec === undefined || existsSync(resolve(expandHome(spec)))) {
    const tarball = vendorKelos(root, spec === undefined ? kelosPackageRoot() : resolve(expandHome(spec)));
    spec = `file:${VENDOR}/${tarball}`;
    written.push(join(dir, VENDOR, tarball));
  }
  const files = projectFiles(name, spec);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    written.push(join(dir, path));
  }
  return written;
}

/** Copies a kelos tarball, or packs a kelos directory, into `<project>/vendor/`; returns the file name. */
function vendorKelos(project: string, from: string): string {
  const vendor = join(project, VENDOR);
  mkdirSync(vendor, { recursive: true });
  if (statSync(from).isFile()) {
    if (!from.endsWith('.tgz')) throw new UserError(`--kelos ${from}: a file must be a kelos package tarball (.tgz), as \`npm pack\` makes`);
    copyFileSync(from, join(vendor, basename(from)));
    return basename(from);
  }
  const pkg = join(from, 'package.json');
  if (!existsSync(pkg) || JSON.parse(readFileSync(pkg, 'utf8')).name !== 'kelos') {
    throw new UserError(`--kelos ${from}: not a kelos package directory (no package.json named "kelos")`);
  }
  // A source checkout builds while it packs (prepack); an installed package is built already.
  const checkout = existsSync(join(from, 'tsconfig.build.json'));
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', vendor, ...(checkout ? [] : ['--ignore-scripts'])], {
    cwd: from,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) {
    throw new UserError(
      `packing kelos from ${from} failed (npm pack, exit ${r.status ?? r.signal}): ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' ')}; pass --kelos <tarball or version>`,
    );
  }
  // npm prints the build's output before the JSON when scripts run.
  const json = r.stdout.slice(r.stdout.indexOf('[\n'));
  return (JSON.parse(json) as Array<{ filename: string }>)[0].filename;
}

/** The directory of the running kelos package (a checkout or an installed package). */
function kelosPackageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === 'kelos') return dir;
  }
  throw new Error('kelos: package.json not found above cli/ops/init');
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
