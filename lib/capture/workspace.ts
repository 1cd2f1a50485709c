import { OutputKey } from '../api/outputs.js';
import { runBounded } from './_bounded-command.js';

/** How long each git or gh command may take unless `KELOS_CAPTURE_TIMEOUT_MS` says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

export interface WorkspaceOutputOptions {
  /** The working directory: the repository the agent worked in. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Limit for each git or gh command. */
  readonly timeoutMs: number;
}

/**
 * Reads what the agent left in its repository: `branch` (the current
 * branch), `commit` (HEAD), `base-branch` (`KELOS_BASE_BRANCH`, else origin's
 * HEAD branch) and `pr` (the open pull request whose head is the branch, in
 * origin and, when `KELOS_UPSTREAM_REPO` is set, in that repository too).
 * Each git and gh call is bounded by `timeoutMs`; a call that fails or times
 * out only leaves its key out.
 */
export async function workspaceOutputs(options: WorkspaceOutputOptions): Promise<Array<[string, string]>> {
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GH_PROMPT_DISABLED: '1',
    GH_NO_UPDATE_NOTIFIER: '1',
    NO_COLOR: '1',
  };
  const run = (cmd: string, args: string[]) => runBounded(cmd, args, { cwd: options.cwd, env, timeoutMs: options.timeoutMs });
  const out: Array<[string, string]> = [];
  const baseFromEnv = options.env.KELOS_BASE_BRANCH?.trim() || undefined;

  const inRepo = (await run('git', ['rev-parse', '--is-inside-work-tree'])).stdout === 'true';
  if (!inRepo) {
    if (baseFromEnv) out.push([OutputKey.BASE_BRANCH, baseFromEnv]);
    return out;
  }

  const [branchRes, commitRes, base] = await Promise.all([
    run('git', ['branch', '--show-current']),
    run('git', ['rev-parse', '--verify', '--quiet', 'HEAD']),
    baseFromEnv ? Promise.resolve(baseFromEnv) : originHeadBranch(run),
  ]);
  const branch = branchRes.ok ? branchRes.stdout : '';
  if (branch) out.push([OutputKey.BRANCH, branch]);
  if (commitRes.ok && commitRes.stdout) out.push([OutputKey.COMMIT, commitRes.stdout]);
  if (base) out.push([OutputKey.BASE_BRANCH, base]);

  if (branch) {
    const upstream = options.env.KELOS_UPSTREAM_REPO?.trim() || undefined;
    const prs = await Promise.all([pullRequestUrl(run, branch, undefined), upstream ? pullRequestUrl(run, branch, upstream) : Promise.resolve(undefined)]);
    // Origin first, then upstream: a reader that keeps the last `pr` gets the fork's upstream PR.
    for (const url of new Set(prs.filter((u): u is string => !!u))) out.push([OutputKey.PR, url]);
  }
  return out;
}

type Run = (cmd: string, args: string[]) => ReturnType<typeof runBounded>;

/**
 * Origin's default branch: the local `refs/remotes/origin/HEAD` a clone
 * records, else asked of the remote itself.
 */
async function originHeadBranch(run: Run): Promise<string | undefined> {
  const local = await run('git', ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  if (local.ok && local.stdout.startsWith('refs/remotes/origin/')) {
    return local.stdout.slice('refs/remotes/origin/'.length) || undefined;
  }
  const remote = await run('git', ['ls-remote', '--symref', 'origin', 'HEAD']);
  if (!remote.ok) return undefined;
  const m = /^ref:\s+refs\/heads\/(\S+)\s+HEAD$/m.exec(remote.stdout);
  return m?.[1];
}

async function pullRequestUrl(run: Run, branch: string, repo: string | undefined): Promise<string | undefined> {
  const args = ['pr', 'list', '--head', branch, '--json', 'url'];
  if (repo) args.push('--repo', repo);
  const res = await run('gh', args);
  if (!res.ok || !res.stdout) return undefined;
  try {
    const list: unknown = JSON.parse(res.stdout);
    if (!Array.isArray(list)) return undefined;
    for (const item of list) {
      const url = (item as { url?: unknown } | null)?.url;
      if (typeof url === 'string' && url) return url;
    }
  } catch {
    // Not JSON: gh printed something else; leave the key out.
  }
  return undefined;
}

/** The command limit from `KELOS_CAPTURE_TIMEOUT_MS`, else the default. */
export function commandTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.KELOS_CAPTURE_TIMEOUT_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_COMMAND_TIMEOUT_MS;
}
