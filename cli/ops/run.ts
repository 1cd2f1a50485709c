// `kelos run`: one Task from flags and the config file, optionally watched
// until it finishes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AGENT_TYPES, agentDefinition, DEFAULT_AGENT_TYPE, isAgentType } from '../../lib/agents/registry.js';
import { API_VERSION, Kind } from '../../lib/api/constants.js';
import { goDurationSeconds } from '../../lib/api/duration.js';
import { CREDENTIAL_TYPES, type CredentialType } from '../../lib/api/shared.js';
import type { Task, TaskSpec } from '../../lib/api/task.js';
import { validateObject } from '../../lib/api/validate.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { canonicalJson as canonical } from '../../lib/kube/canonical-json.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { isAlreadyExists } from '../../lib/kube/kube-error.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { renderYaml } from '../../lib/render/output.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, loadKubeConfig, requireCrds, resolveNamespace, sleep, timeoutMs, withCluster } from './_context.js';
import { confirm } from './_prompt.js';
import { type KelosConfig, loadConfig, resolveValue } from './config.js';

export interface RunOptions {
  readonly prompt?: string;
  readonly promptFile?: string;
  readonly type?: string;
  readonly model?: string;
  readonly effort?: string;
  readonly image?: string;
  readonly name?: string;
  readonly workspace?: string;
  readonly agentConfig?: readonly string[];
  readonly dependsOn?: readonly string[];
  readonly branch?: string;
  /** The agent pod's activeDeadlineSeconds, as a Go duration. */
  readonly activeDeadline?: string;
  /** With `watch`: how long to watch. */
  readonly timeout?: string;
  readonly env?: readonly string[];
  readonly secret?: string;
  readonly credentialType?: string;
  readonly dryRun?: boolean;
  readonly watch?: boolean;
  readonly yes?: boolean;
}

export const CREDENTIALS_SECRET = 'kelos-credentials';
export const WORKSPACE_NAME = 'kelos-workspace';
export const WORKSPACE_SECRET = 'kelos-workspace-credentials';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kelos-cli' };

/** The prompt from -p or --prompt-file (`-` reads stdin). */
export async function readPrompt(opts: RunOptions): Promise<string> {
  if (opts.prompt !== undefined && opts.promptFile !== undefined) {
    throw new UserError("'--prompt' and '--prompt-file' cannot be used together: pass the prompt one way", 2);
  }
  if (opts.promptFile !== undefined) {
    let text: string;
    if (opts.promptFile === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      try {
        text = readFileSync(resolve(opts.promptFile), 'utf8');
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
        throw new UserError(`prompt file ${opts.promptFile} cannot be read: ${reason}`);
      }
    }
    text = text.replace(/\n+$/, '');
    if (text.trim() === '') throw new UserError(`the prompt ${opts.promptFile === '-' ? 'read from stdin' : `in ${opts.promptFile}`} is empty`);
    return text;
  }
  if (opts.prompt === undefined) throw new UserError('a prompt is required: pass -p "<prompt>" or --prompt-file <file|->', 2);
  if (opts.prompt.trim() === '') throw new UserError("'--prompt' must not be empty", 2);
  return opts.prompt;
}

/** `NAME=VALUE` flags and the config file's env, the flags winning by name. */
export function envVars(config: KelosConfig, flags: readonly string[] = []): Array<{ name: string; value: string }> {
  const env = new Map(Object.entries(config.env ?? {}));
  for (const e of flags) {
    const i = e.indexOf('=');
    if (i <= 0) throw new UserError(`'--env' must be NAME=VALUE, got "${e}"`, 2);
    env.set(e.slice(0, i), e.slice(i + 1));
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

function randomName(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return `task-${[...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** What the Task needs from the cluster before it is created. */
export interface Plan {
  readonly task: Task;
  /** Secret data to create or update, by Secret name. */
  readonly secrets: Map<string, Record<string, string>>;
  /** Workspace `kelos-workspace` to create or update. */
  readonly workspace?: Workspace;
}

/** Builds the Task and what it needs, from the flags and the config file (no cluster access). */
export function plan(opts: RunOptions, prompt: string, config: KelosConfig, namespace: string): Plan {
  const type = opts.type ?? config.type ?? DEFAULT_AGENT_TYPE;
  if (!isAgentType(type)) {
    throw new UserError(`'--type' must be one of ${AGENT_TYPES.join(', ')}, got "${type}"`, 2);
  }
  const agent = agentDefinition(type);
  let credentialType = opts.credentialType ?? config.credentialType ?? 'api-key';
  if (!(CREDENTIAL_TYPES as readonly string[]).includes(credentialType)) {
    throw new UserError(`'--credential-type' must be one of ${CREDENTIAL_TYPES.join(', ')}, got "${credentialType}"`, 2);
  }
  const secrets = new Map<string, Record<string, string>>();
  let secret = opts.secret ?? config.secret;
  if (!secret && credentialType !== 'none') {
    if (config.oauthToken && config.apiKey) {
      throw new UserError(`config file ${config.path} sets both oauthToken and apiKey: keep one`);
    }
    const from = config.oauthToken ? 'oauthToken' : config.apiKey ? 'apiKey' : undefined;
    if (from) {
      credentialType = from === 'oauthToken' ? 'oauth' : 'api-key';
      const key = agent.credentials[credentialType as 'oauth' | 'api-key'];
      secrets.set(CREDENTIALS_SECRET, { [key]: resolveValue(from, (config as any)[from] as string, config.path) });
      secret = CREDENTIALS_SECRET;
    }
  }
  if (!secret && credentialType !== 'none') {
    throw new UserError(
      `no credentials: set oauthToken or apiKey in ${config.path ?? 'the config file (`kelos init` writes one)'}, or pass --secret <name> [--credential-type oauth]`,
    );
  }

  let workspaceName = opts.workspace ?? config.workspace?.name;
  let workspace: Workspace | undefined;
  const ws = config.workspace;
  if (!workspaceName && ws?.repo) {
    workspaceName = WORKSPACE_NAME;
    workspace = {
      apiVersion: API_VERSION,
      kind: Kind.WORKSPACE,
      metadata: { name: WORKSPACE_NAME, namespace, labels: { ...MANAGED_BY } },
      spec: { repo: ws.repo, ...(ws.ref ? { ref: ws.ref } : {}) },
    };
    if (ws.token) {
      secrets.set(WORKSPACE_SECRET, { GITHUB_TOKEN: resolveValue('workspace.token', ws.token, config.path) });
      workspace.spec.secretRef = { name: WORKSPACE_SECRET };
    }
  }

  const agentConfigs = opts.agentConfig?.length ? [...opts.agentConfig] : config.agentConfig ? [config.agentConfig] : [];
  const env = envVars(config, opts.env);
  let activeDeadlineSeconds: number | undefined;
  if (opts.activeDeadline !== undefined) {
    const s = goDurationSeconds(opts.activeDeadline);
    if (s === undefined) throw new UserError(`'--active-deadline' must be a Go duration like 30m or 1h, got "${opts.activeDeadline}"`, 2);
    if (s < 1) throw new UserError(`'--active-deadline' must be at least 1s, got "${opts.activeDeadline}"`, 2);
    activeDeadlineSeconds = Math.floor(s);
  }
  const model = opts.model ?? config.model;
  const effort = opts.effort ?? config.effort;
  const spec: TaskSpec = {
    type,
    prompt,
    credentials: { type: credentialType as CredentialType, ...(secret ? { secretRef: { name: secret } } : {}) },
    ...(model ? { model } : {}),
    ...(effort ? { effort } : {}),
    ...(opts.image ? { image: opts.image } : {}),
    ...(workspaceName ? { workspaceRef: { name: workspaceName } } : {}),
    ...(agentConfigs.length === 1 ? { agentConfigRef: { name: agentConfigs[0]! } } : {}),
    ...(agentConfigs.length > 1 ? { agentConfigRefs: agentConfigs.map((name) => ({ name })) } : {}),
    ...(opts.dependsOn?.length ? { dependsOn: [...opts.dependsOn] } : {}),
    ...(opts.branch ? { branch: opts.branch } : {}),
  };
  if (env.length > 0 || activeDeadlineSeconds !== undefined) {
    spec.podOverrides = {
      ...(activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds } : {}),
      ...(env.length > 0 ? { env } : {}),
    };
  }
  const task: Task = { apiVersion: API_VERSION, kind: Kind.TASK, metadata: { name: opts.name ?? randomName(), namespace }, spec };
  const issues = validateObject(task);
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new UserError(
      `the Task would be invalid: ${first.path ? `${first.path}: ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
      2,
    );
  }
  return { task, secrets, ...(workspace ? { workspace } : {}) };
}

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

const sameMap = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Creates the Secret, or replaces its data after asking (unless `yes`) when it differs. */
export async function ensureSecret(client: KubeClient, namespace: string, name: string, data: Record<string, string>, yes: boolean): Promise<string> {
  const path = resourcePath(Resources.secrets, { namespace, name });
  const existing = await client.get<{ data?: Record<string, string>; metadata: Record<string, unknown> }>(path);
  if (!existing) {
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { ...MANAGED_BY } },
      type: 'Opaque',
      stringData: data,
    } as any);
    return `secret/${name} created`;
  }
  if (sameMap(decode(existing.data), data)) return `secret/${name} unchanged`;
  if (!yes && !(await confirm(`Secret ${namespace}/${name} exists with other values; replace them?`))) {
    throw new UserError(`aborted: secret/${name} was not changed (pass -y to replace it)`);
  }
  await client.json('PUT', path, { body: { ...existing, data: undefined, stringData: data } });
  return `secret/${name} updated`;
}

export async function ensureWorkspace(client: KubeClient, ws: Workspace, yes: boolean): Promise<string> {
  const { name, namespace } = ws.metadata;
  const path = resourcePath(Resources.workspaces, { namespace: namespace!, name: name! });
  const existing = await client.get<Workspace>(path);
  if (!existing) {
    await client.create(ws);
    return `workspace/${name} created`;
  }
  if (canonical(existing.spec) === canonical(ws.spec)) return `workspace/${name} unchanged`;
  if (!yes && !(await confirm(`Workspace ${namespace}/${name} exists with another spec (repo ${existing.spec.repo}); replace it?`))) {
    throw new UserError(`aborted: workspace/${name} was not changed (pass -y to replace it)`);
  }
  await client.json('PUT', path, { body: { ...existing, spec: ws.spec } });
  return `workspace/${name} updated`;
}

const TERMINAL = ['Succeeded', 'Failed'];

/** Prints phase changes until the Task finishes (or `limitMs` passes); throws when it failed. */
export async function watchTask(
  client: KubeClient,
  namespace: string,
  name: string,
  out: (line: string) => void,
  opts: { pollMs?: number; limitMs?: number; timeout?: string } = {},
): Promise<void> {
  const path = resourcePath(Resources.tasks, { namespace, name });
  const deadline = Date.now() + (opts.limitMs ?? Infinity);
  let last: string | undefined;
  for (;;) {
    const task = await client.get<Task>(path);
    if (!task) throw new UserError(`task/${name} was deleted while it was watched`);
    const phase = task.status?.phase ?? 'Pending';
    if (phase !== last) {
      out(`task/${name} ${phase}${task.status?.message && !TERMINAL.includes(phase) ? ` (${task.status.message})` : ''}`);
      last = phase;
    }
    if (phase === 'Succeeded') {
      for (const [k, v] of Object.entries(task.status?.results ?? {})) out(`  ${k}: ${v}`);
      return;
    }
    if (phase === 'Failed') {
      throw new UserError(`task/${name} failed${task.status?.message ? `: ${task.status.message}` : ''}; run \`kelos logs ${name}\` to see the agent's output`);
    }
    if (Date.now() >= deadline) {
      throw new UserError(`task/${name} is still ${phase} after ${opts.timeout}: it runs on; watch it with \`kelos get task ${name} -w\``);
    }
    await sleep(opts.pollMs ?? 1000);
  }
}

export async function runRun(g: GlobalOptions, opts: RunOptions): Promise<void> {
  if (opts.timeout !== undefined && !opts.watch)
    throw new UserError("'--timeout' applies to --watch: how long to watch the Task (its run time is --active-deadline)", 2);
  const limitMs = opts.watch ? timeoutMs(opts.timeout, '0') : undefined;
  const prompt = await readPrompt(opts);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (opts.dryRun) {
    const config = loadConfig(g.config);
    let namespace: string;
    try {
      namespace = resolveNamespace(g, config, loadKubeConfig(g).kc);
    } catch {
      namespace = resolveNamespace(g, config);
    }
    const p = plan(opts, prompt, config, namespace);
    process.stdout.write(renderYaml(p.task));
    return;
  }
  await withCluster(g, async ({ client, namespace, config }) => {
    const p = plan(opts, prompt, config, namespace);
    await requireCrds(client, p.workspace ? [Kind.TASK, Kind.WORKSPACE] : [Kind.TASK]);
    for (const [name, data] of p.secrets) {
      const r = await ensureSecret(client, namespace, name, data, opts.yes === true);
      if (!r.endsWith('unchanged')) say(r);
    }
    if (p.workspace) {
      const r = await ensureWorkspace(client, p.workspace, opts.yes === true);
      if (!r.endsWith('unchanged')) say(r);
    }
    try {
      await client.create(p.task);
    } catch (err) {
      if (isAlreadyExists(err)) {
        throw new UserError(
          `task "${p.task.metadata.name}" already exists in namespace "${namespace}": choose another --name, or delete it with \`kelos delete task ${p.task.metadata.name}\``,
        );
      }
      throw err;
    }
    say(`task/${p.task.metadata.name} created`);
    if (opts.watch) await watchTask(client, namespace, p.task.metadata.name!, say, { limitMs, timeout: opts.timeout });
  });
}
