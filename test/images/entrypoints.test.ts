import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { AgentTypeName } from '../../lib/agents/registry.js';
import { parseOutputs } from '../../lib/api/outputs.js';
import { ORIGIN_PR, STREAMS, TASK_BRANCH, UPSTREAM_PR } from '../capture/_workspace.js';
import { declarationOf, type EntrypointRun, runImageEntrypoint } from './_entrypoint.js';

const PROMPT = 'Fix issue #42: don\'t break "quotes", $HOME or `ticks`\n- then open a PR';
const AGENTS_MD = '# Team rules\n\nAlways run the tests before committing.\n';
const MCP_SERVERS = JSON.stringify({
  mcpServers: {
    github: { type: 'stdio', command: 'github-mcp-server', args: ['stdio'], env: { GITHUB_TOKEN: 't0k' } },
    docs: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
  },
});
const SETUP_OK = JSON.stringify(['sh', '-c', 'echo setup-output; echo ran > .setup-ran']);

interface Run extends EntrypointRun {
  readonly pluginDir: string;
  readonly stream: Buffer;
}

/**
 * Where a CLI documents taking its prompt as data: after `--` (the end of
 * options), on stdin, or as the value of one `--prompt=` argument.
 */
type PromptAt = 'after --' | 'stdin' | '--prompt=';

interface AgentCase {
  readonly type: AgentTypeName;
  readonly cli: string;
  readonly stream: string;
  readonly model: string;
  readonly usage: Record<string, string>;
  readonly promptAt: PromptAt;
  /** Flags with KELOS_MODEL, KELOS_EFFORT, plugins and MCP servers set (the prompt aside). */
  readonly fullFlags: (pluginDir: string) => string[];
  /** Flags with none of the optional variables. */
  readonly minimalFlags: string[];
  readonly instructionsFile: (run: Run) => string;
  /** Asserts plugins, sub-agents and MCP servers landed where the CLI reads them. */
  readonly checkFiles: (run: Run, expect: Expect) => void;
}

type Expect = typeof import('vitest').expect;

const CASES: AgentCase[] = [
  {
    type: 'claude-code',
    cli: 'claude',
    stream: 'claude-code.jsonl',
    model: 'claude-sonnet-4-5',
    usage: { 'cost-usd': '0.4217', 'input-tokens': '1523', 'output-tokens': '2847' },
    promptAt: 'after --',
    fullFlags: (plugins) => [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--model',
      'claude-sonnet-4-5',
      '--effort',
      'high',
      '--plugin-dir',
      join(plugins, 'ops'),
      '--plugin-dir',
      join(plugins, 'review'),
    ],
    minimalFlags: ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'],
    instructionsFile: (r) => r.home('.claude', 'CLAUDE.md'),
    checkFiles: (r, expect) => {
      const cfg = JSON.parse(readFileSync(r.home('.claude.json'), 'utf8'));
      expect(cfg.mcpServers).toEqual({
        github: { type: 'stdio', command: 'github-mcp-server', args: ['stdio'], env: { GITHUB_TOKEN: 't0k' } },
        docs: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      });
      // Plugins stay where they are: Claude Code loads them with --plugin-dir.
      expect(existsSync(r.home('.claude', 'skills'))).toBe(false);
    },
  },
  {
    type: 'codex',
    cli: 'codex',
    stream: 'codex.jsonl',
    model: 'gpt-5-codex',
    usage: { 'input-tokens': '25763', 'output-tokens': '200' },
    promptAt: 'stdin',
    fullFlags: () => [
      'exec',
      '--json',
      '--dangerously-bypass-approvals-and-sandbox',
      '--skip-git-repo-check',
      '--model',
      'gpt-5-codex',
      '-c',
      'model_reasoning_effort="high"',
      '-',
    ],
    minimalFlags: ['exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '--skip-git-repo-check', '-'],
    instructionsFile: (r) => r.home('.codex', 'AGENTS.md'),
    checkFiles: (r, expect) => {
      expect(readFileSync(r.home('.agents', 'skills', 'pr-review', 'SKILL.md'), 'utf8')).toMatch(/name: pr-review/);
      expect(existsSync(r.home('.agents', 'skills', 'deploy', 'SKILL.md'))).toBe(true);
      expect(readFileSync(r.home('.codex', 'agents', 'code-reviewer.toml'), 'utf8')).toBe(
        'name = "code-reviewer"\ndescription = "Reviews the diff for bugs"\ndeveloper_instructions = "You review code.\\n"\n',
      );
      const toml = readFileSync(r.home('.codex', 'config.toml'), 'utf8');
      expect(toml).toContain('[mcp_servers."github"]\ncommand = "github-mcp-server"\nargs = ["stdio"]\nenv = { "GITHUB_TOKEN" = "t0k" }\n');
      expect(toml).toContain('[mcp_servers."docs"]\nurl = "https://mcp.example.com/mcp"\nhttp_headers = { "Authorization" = "Bearer abc" }\n');
    },
  },
  {
    type: 'gemini',
    cli: 'gemini',
    stream: 'gemini.jsonl',
    model: 'gemini-2.5-pro',
    usage: { 'input-tokens': '17001', 'output-tokens': '1522' },
    promptAt: '--prompt=',
    fullFlags: () => ['--output-format', 'stream-json', '--yolo', '--model', 'gemini-2.5-pro'],
    minimalFlags: ['--output-format', 'stream-json', '--yolo'],
    instructionsFile: (r) => r.home('.gemini', 'GEMINI.md'),
    checkFiles: (r, expect) => {
      expect(existsSync(r.home('.gemini', 'skills', 'pr-review', 'SKILL.md'))).toBe(true);
      expect(existsSync(r.home('.gemini', 'skills', 'deploy', 'SKILL.md'))).toBe(true);
      expect(readFileSync(r.home('.gemini', 'agents', 'code-reviewer.md'), 'utf8')).toBe(
        '---\nname: code-reviewer\ndescription: Reviews the diff for bugs\n---\n\nYou review code.\n',
      );
      expect(JSON.parse(readFileSync(r.home('.gemini', 'settings.json'), 'utf8')).mcpServers).toEqual({
        github: { command: 'github-mcp-server', args: ['stdio'], env: { GITHUB_TOKEN: 't0k' } },
        docs: { httpUrl: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      });
      expect(r.stderr).toMatch(/KELOS_EFFORT=high is ignored: gemini has no documented reasoning-effort option/);
    },
  },
  {
    type: 'opencode',
    cli: 'opencode',
    stream: 'opencode.jsonl',
    model: 'anthropic/claude-sonnet-4-5',
    usage: { 'cost-usd': '0.0163', 'input-tokens': '2000', 'output-tokens': '450' },
    promptAt: 'stdin',
    fullFlags: () => ['run', '--format', 'json', '--model', 'anthropic/claude-sonnet-4-5', '--variant', 'high'],
    minimalFlags: ['run', '--format', 'json'],
    instructionsFile: (r) => r.home('.config', 'opencode', 'AGENTS.md'),
    checkFiles: (r, expect) => {
      const dir = r.home('.config', 'opencode');
      expect(existsSync(join(dir, 'skills', 'pr-review', 'SKILL.md'))).toBe(true);
      expect(readFileSync(join(dir, 'agents', 'code-reviewer.md'), 'utf8')).toBe(
        '---\ndescription: Reviews the diff for bugs\nmode: subagent\n---\n\nYou review code.\n',
      );
      expect(JSON.parse(readFileSync(join(dir, 'opencode.json'), 'utf8')).mcp).toEqual({
        github: { type: 'local', command: ['github-mcp-server', 'stdio'], environment: { GITHUB_TOKEN: 't0k' }, enabled: true },
        docs: { type: 'remote', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' }, enabled: true },
      });
    },
  },
  {
    type: 'cursor',
    cli: 'agent',
    stream: 'cursor.jsonl',
    model: 'sonnet-4.5',
    usage: { 'input-tokens': '36067', 'output-tokens': '227' },
    promptAt: 'after --',
    fullFlags: () => ['-p', '--force', '--trust', '--sandbox', 'disabled', '--output-format', 'stream-json', '--approve-mcps', '--model', 'sonnet-4.5'],
    minimalFlags: ['-p', '--force', '--trust', '--sandbox', 'disabled', '--output-format', 'stream-json'],
    instructionsFile: (r) => join(r.ws.repo, '.cursor', 'rules', 'kelos-agents-md.mdc'),
    checkFiles: (r, expect) => {
      expect(readFileSync(join(r.ws.repo, '.git', 'info', 'exclude'), 'utf8')).toContain('/.cursor/rules/kelos-agents-md.mdc\n');
      const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: r.ws.repo, encoding: 'utf8' });
      expect(status).not.toContain('.cursor');
      expect(existsSync(r.home('.cursor', 'skills', 'pr-review', 'SKILL.md'))).toBe(true);
      expect(readFileSync(r.home('.cursor', 'agents', 'code-reviewer.md'), 'utf8')).toMatch(/^---\nname: code-reviewer\n/);
      expect(JSON.parse(readFileSync(r.home('.cursor', 'mcp.json'), 'utf8')).mcpServers).toEqual({
        github: { command: 'github-mcp-server', args: ['stdio'], env: { GITHUB_TOKEN: 't0k' } },
        docs: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
      });
      expect(r.stderr).toMatch(/KELOS_EFFORT=high is ignored: cursor has no documented reasoning-effort option/);
    },
  },
];

function writePlugins(root: string): string {
  const dir = join(root, 'plugins');
  const put = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('review/skills/pr-review/SKILL.md', '---\nname: pr-review\ndescription: Review a pull request\n---\nRead the diff.\n');
  put(
    'review/agents/code-reviewer.md',
    '---\nname: code-reviewer\ndescription: Reviews the diff for bugs\ntools: Read, Grep\nmodel: sonnet\n---\n\nYou review code.\n',
  );
  put('ops/skills/deploy/SKILL.md', '---\nname: deploy\ndescription: Deploy the service\n---\nRun make deploy.\n');
  return dir;
}

type EnvFor = (pluginDir: string) => Record<string, string>;

async function runEntrypoint(
  c: AgentCase,
  options: { env?: EnvFor; stream?: string; args?: string[]; kelos?: 'checkout' | 'pass-through' } = {},
): Promise<Run> {
  let pluginDir = '';
  const stream = join(STREAMS, options.stream ?? c.stream);
  const run = await runImageEntrypoint({
    declaration: declarationOf(c.type),
    cli: c.cli,
    stream,
    args: options.args ?? [PROMPT],
    kelos: options.kelos ?? 'checkout',
    prepare: (ws) => {
      pluginDir = writePlugins(ws.root);
    },
    env: () => options.env?.(pluginDir),
  });
  return { ...run, pluginDir, stream: readFileSync(stream) };
}

/** The command line and stdin a CLI gets for a prompt, given its flags: the prompt where the CLI takes it as data. */
function call(c: AgentCase, flags: string[], prompt: string): { argv: string[]; stdin: string } {
  switch (c.promptAt) {
    case 'after --':
      return { argv: [...flags, '--', prompt], stdin: '' };
    case 'stdin':
      return { argv: flags, stdin: prompt };
    case '--prompt=':
      return { argv: [...flags, `--prompt=${prompt}`], stdin: '' };
  }
}

function fullEnv(c: AgentCase, pluginDir: string): Record<string, string> {
  return {
    KELOS_MODEL: c.model,
    KELOS_EFFORT: 'high',
    KELOS_AGENTS_MD: AGENTS_MD,
    KELOS_PLUGIN_DIR: pluginDir,
    KELOS_MCP_SERVERS: MCP_SERVERS,
    KELOS_SETUP_COMMAND: SETUP_OK,
    KELOS_UPSTREAM_REPO: 'upstream-org/widgets',
  };
}

/** The outputs block printed after the agent's stream, which must come through unchanged. */
function outputs(run: Run, expect: Expect) {
  expect(run.stdout.subarray(0, run.stream.length).equals(run.stream)).toBe(true);
  const parsed = parseOutputs(run.stdout.subarray(run.stream.length).toString('utf8'));
  expect(parsed).toBeDefined();
  return parsed!;
}

describe.each(CASES)('$type entrypoint', (c) => {
  it.concurrent('runs the agent headless and prints branch, commit, PR and usage; config lands where the CLI reads it', async ({ expect }) => {
    const run = await runEntrypoint(c, { env: (plugins) => fullEnv(c, plugins) });
    try {
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.code).toBe(0);
      const expected = call(c, c.fullFlags(run.pluginDir), PROMPT);
      expect(run.argv).toEqual(expected.argv);
      expect(run.stdin).toBe(expected.stdin);
      expect(readFileSync(join(run.ws.root, 'cwd'), 'utf8').trim()).toBe(run.ws.repo);

      const out = outputs(run, expect);
      expect(out.results).toEqual({
        branch: TASK_BRANCH,
        commit: run.ws.commit,
        'base-branch': 'main',
        pr: UPSTREAM_PR,
        ...c.usage,
      });
      expect(out.lines).toContain(`pr: ${ORIGIN_PR}`);

      // The setup command ran in the repository before the agent, its output kept off stdout.
      expect(readFileSync(join(run.ws.repo, '.setup-ran'), 'utf8')).toBe('ran\n');
      expect(run.stderr).toContain('---KELOS_SETUP_COMMAND_START---\nsetup-output\n');
      expect(run.stderr).toContain('---KELOS_SETUP_COMMAND_DONE---');
      expect(run.stdout.toString('utf8')).not.toContain('setup-output');

      const instructions = readFileSync(c.instructionsFile(run), 'utf8');
      expect(instructions).toContain(AGENTS_MD);
      if (c.type === 'cursor') expect(instructions).toMatch(/^---\n[\s\S]*alwaysApply: true\n---\n/);
      else expect(instructions).toBe(AGENTS_MD);
      c.checkFiles(run, expect);
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('passes only the required flags when no optional variable is set, and writes no configuration', async ({ expect }) => {
    const run = await runEntrypoint(c);
    try {
      expect(run.code).toBe(0);
      const expected = call(c, c.minimalFlags, PROMPT);
      expect(run.argv).toEqual(expected.argv);
      expect(run.stdin).toBe(expected.stdin);
      expect(readdirSync(run.ws.home)).toEqual([]);
      expect(outputs(run, expect).results).toEqual({
        branch: TASK_BRANCH,
        commit: run.ws.commit,
        'base-branch': 'main',
        pr: ORIGIN_PR,
        ...c.usage,
      });
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent("fails with the agent's exit code when the agent fails, still printing the outputs", async ({ expect }) => {
    const run = await runEntrypoint(c, { env: () => ({ FAKE_AGENT_EXIT: '3' }) });
    try {
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`kelos: ${c.cli} exited with code 3`);
      expect(outputs(run, expect).results.branch).toBe(TASK_BRANCH);
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent("fails with the setup command's exit code before the agent starts", async ({ expect }) => {
    const run = await runEntrypoint(c, {
      env: () => ({ KELOS_SETUP_COMMAND: JSON.stringify(['sh', '-c', 'echo boom >&2; exit 7']) }),
    });
    try {
      expect(run.code).toBe(7);
      expect(run.argv).toBeUndefined();
      expect(run.stderr).toContain('boom');
      expect(run.stderr).toContain('---KELOS_SETUP_COMMAND_FAILED--- exit=7');
      expect(run.stdout.length).toBe(0);
    } finally {
      run.ws.cleanup();
    }
  });
});

/**
 * Prompts an attacker would write as an issue title (the default prompt
 * template is the title): options of the CLIs, the end-of-options marker, a
 * subcommand's name, shell syntax, several lines.
 */
const HOSTILE_PROMPTS: ReadonlyArray<{ readonly label: string; readonly prompt: string }> = [
  { label: '--settings with a hook', prompt: '--settings={"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"id > /tmp/p"}]}]}}' },
  { label: 'a short option', prompt: '-c' },
  { label: '--help', prompt: '--help' },
  { label: '--model=x', prompt: '--model=x' },
  { label: 'exactly --', prompt: '--' },
  { label: 'exactly -', prompt: '-' },
  { label: 'options and values in one word', prompt: '-p --output-format text' },
  { label: "a subcommand's name", prompt: 'help' },
  { label: 'another server to talk to', prompt: '--attach=http://127.0.0.1:9' },
  { label: 'options on later lines', prompt: 'Fix the build\n--yolo\n-c model="x"\n' },
  { label: 'shell syntax', prompt: '$(id > /tmp/p) `id` ${HOME} $((1+1)); rm -rf / &' },
  { label: 'quotes and backslashes', prompt: '"quoted" \'single\' \\ back\\slash\\' },
];

describe.each(CASES)('$type entrypoint, given a hostile prompt', (c) => {
  // The command line is what matters here: `kelos` only passes the stream through.
  it.concurrent.for(HOSTILE_PROMPTS)(
    `hands "$label" to ${c.cli} as data, ${c.promptAt === 'stdin' ? 'on stdin' : c.promptAt === '--prompt=' ? 'as the value of --prompt=' : 'after --'}`,
    async ({ prompt }, { expect }) => {
      const run = await runEntrypoint(c, { args: [prompt], kelos: 'pass-through' });
      try {
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const expected = call(c, c.minimalFlags, prompt);
        expect(run.argv).toEqual(expected.argv);
        expect(run.stdin).toBe(expected.stdin);
      } finally {
        run.ws.cleanup();
      }
    },
  );
});

const CLAUDE = CASES[0];
const BY_TYPE = Object.fromEntries(CASES.map((c) => [c.type, c])) as Record<AgentTypeName, AgentCase>;

describe('claude-code entrypoint', () => {
  it.concurrent('fails when the stream ends without a final result, though claude exited 0', async ({ expect }) => {
    const run = await runEntrypoint(CLAUDE, { stream: 'claude-code-truncated.jsonl' });
    try {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/claude-code stream ended without a final result event/);
      expect(outputs(run, expect).results.commit).toBe(run.ws.commit);
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('fails when the final result is not a normal completion', async ({ expect }) => {
    const run = await runEntrypoint(CLAUDE, { stream: 'claude-code-error.jsonl' });
    try {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/did not complete normally \(subtype error_max_turns, is_error true\)/);
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('reports the agent exit code over an incomplete stream', async ({ expect }) => {
    const run = await runEntrypoint(CLAUDE, { stream: 'claude-code-truncated.jsonl', env: () => ({ FAKE_AGENT_EXIT: '137' }) });
    try {
      expect(run.code).toBe(137);
    } finally {
      run.ws.cleanup();
    }
  });
});

describe('agent-specific credentials', () => {
  it.concurrent('codex: CODEX_AUTH_JSON becomes ~/.codex/auth.json', async ({ expect }) => {
    const auth = '{\n  "OPENAI_API_KEY": null,\n  "tokens": {"access_token": "at", "refresh_token": "rt"}\n}\n';
    const run = await runEntrypoint(BY_TYPE.codex, { env: () => ({ CODEX_AUTH_JSON: auth }) });
    try {
      expect(run.code).toBe(0);
      expect(JSON.parse(readFileSync(run.home('.codex', 'auth.json'), 'utf8'))).toEqual(JSON.parse(auth));
      expect(readFileSync(run.home('.codex', 'auth.json'), 'utf8')).not.toContain('\n');
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('claude-code: the effort also goes in CLAUDE_CODE_EFFORT_LEVEL, which wins over the flag, unless that is set', async ({ expect }) => {
    const run = await runEntrypoint(CLAUDE, { env: () => ({ KELOS_EFFORT: 'xhigh' }) });
    const own = await runEntrypoint(CLAUDE, { env: () => ({ KELOS_EFFORT: 'xhigh', CLAUDE_CODE_EFFORT_LEVEL: 'low' }) });
    try {
      expect(run.argv).toContain('xhigh');
      expect(run.agentEnv.CLAUDE_CODE_EFFORT_LEVEL).toBe('xhigh');
      expect(own.agentEnv.CLAUDE_CODE_EFFORT_LEVEL).toBe('low');
    } finally {
      run.ws.cleanup();
      own.ws.cleanup();
    }
  });

  it.concurrent("opencode: OPENCODE_API_KEY is handed to the model's provider", async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.opencode, {
      env: () => ({ OPENCODE_API_KEY: 'sk-test', KELOS_MODEL: 'openai/gpt-5' }),
    });
    try {
      expect(run.code).toBe(0);
      expect(run.agentEnv.OPENAI_API_KEY).toBe('sk-test');
      expect(run.agentEnv.ANTHROPIC_API_KEY).toBeUndefined();
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('opencode: without a model the key goes to Anthropic, and a key already set wins', async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.opencode, { env: () => ({ OPENCODE_API_KEY: 'sk-test' }) });
    const kept = await runEntrypoint(BY_TYPE.opencode, {
      env: () => ({ OPENCODE_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-own' }),
    });
    try {
      expect(run.agentEnv.ANTHROPIC_API_KEY).toBe('sk-test');
      expect(kept.agentEnv.ANTHROPIC_API_KEY).toBe('sk-own');
    } finally {
      run.ws.cleanup();
      kept.ws.cleanup();
    }
  });
});

describe('every entrypoint', () => {
  it.concurrent('fails with exit code 2 without a prompt', async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.gemini, { args: [] });
    try {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the prompt (the first argument) is required');
      expect(run.argv).toBeUndefined();
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('fails with exit code 2 on a setup command that is not a JSON array of strings', async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.codex, { env: () => ({ KELOS_SETUP_COMMAND: 'make setup' }) });
    const empty = await runEntrypoint(BY_TYPE.codex, { env: () => ({ KELOS_SETUP_COMMAND: '[]' }) });
    try {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('KELOS_SETUP_COMMAND is not valid JSON');
      expect(run.argv).toBeUndefined();
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('KELOS_SETUP_COMMAND must be a non-empty JSON array of strings');
    } finally {
      run.ws.cleanup();
      empty.ws.cleanup();
    }
  });

  it.concurrent('runs the setup command without a shell and fails with 127 when it does not exist', async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.cursor, {
      env: () => ({ KELOS_SETUP_COMMAND: JSON.stringify(['no-such-setup-tool', '$HOME;', 'exit 0']) }),
    });
    try {
      expect(run.code).toBe(127);
      expect(run.argv).toBeUndefined();
    } finally {
      run.ws.cleanup();
    }
  });

  it.concurrent('fails before the agent starts on a malformed KELOS_MCP_SERVERS', async ({ expect }) => {
    const run = await runEntrypoint(BY_TYPE.opencode, {
      env: () => ({ KELOS_MCP_SERVERS: '{"mcpServers":{"broken":{"args":["x"]}}}' }),
    });
    try {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('server "broken" needs "command" (stdio) or "url"');
      expect(run.argv).toBeUndefined();
    } finally {
      run.ws.cleanup();
    }
  });
});
