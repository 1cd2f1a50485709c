// The kelos config file (~/.kelos/config.yaml), in the Kelos format: what
// `kelos init` writes and `kelos run` reads its defaults from.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { AGENT_TYPES, type AgentTypeName } from '../../lib/api/constants.js';
import { CREDENTIAL_TYPES, type CredentialType } from '../../lib/api/shared.js';
import { UserError } from '../errors.js';

export interface WorkspaceConfig {
  /** An existing Workspace by name. */
  readonly name?: string;
  /** Or a repository: `kelos run` creates Workspace `kelos-workspace` for it. */
  readonly repo?: string;
  readonly ref?: string;
  /** GitHub token (or `@file`), stored in Secret `kelos-workspace-credentials`. */
  readonly token?: string;
}

export interface KelosConfig {
  /** The file it was read from; undefined when there is none. */
  readonly path?: string;
  /** OAuth token of the agent (or `@file`, or `none` for an empty one); `kelos run` stores it in Secret `kelos-credentials`. */
  readonly oauthToken?: string;
  /** API key of the agent (or `@file`, or `none`). */
  readonly apiKey?: string;
  /** An existing Secret with the credentials, instead of oauthToken/apiKey. */
  readonly secret?: string;
  readonly credentialType?: CredentialType;
  readonly type?: AgentTypeName;
  readonly model?: string;
  readonly effort?: string;
  readonly namespace?: string;
  readonly workspace?: WorkspaceConfig;
  /** An AgentConfig every Task uses by default. */
  readonly agentConfig?: string;
  /** Extra environment variables of the agent. */
  readonly env?: Readonly<Record<string, string>>;
  /** Keys the file holds that kelos does not know (reported, then ignored). */
  readonly unknownKeys: readonly string[];
}

export const CONFIG_KEYS = [
  'oauthToken',
  'apiKey',
  'secret',
  'credentialType',
  'type',
  'model',
  'effort',
  'namespace',
  'workspace',
  'agentConfig',
  'env',
] as const;
const WORKSPACE_KEYS = ['name', 'repo', 'ref', 'token'];

export function defaultConfigPath(): string {
  return join(homedir(), '.kelos', 'config.yaml');
}

/** `~/x` → the home directory's `x`. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * Reads the config file. A missing default file is an empty config; a missing
 * file named with --config is an error.
 */
export function loadConfig(path?: string): KelosConfig {
  const file = resolve(expandHome(path ?? defaultConfigPath()));
  if (!existsSync(file)) {
    if (path !== undefined) throw new UserError(`config file ${file} does not exist: create it with \`kelos init --config ${path}\``);
    return { unknownKeys: [] };
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`config file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const config = parseConfig(doc ?? {}, file);
  for (const k of config.unknownKeys) process.stderr.write(`warning: config file ${file}: unknown key "${k}" is ignored\n`);
  return config;
}

/** Checks the shape of a parsed config document. */
export function parseConfig(doc: unknown, file: string): KelosConfig {
  const bad = (key: string, what: string) => new UserError(`config file ${file}: '${key}' ${what}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UserError(`config file ${file} must be a YAML mapping`);
  const d = doc as Record<string, unknown>;
  const str = (key: string, v: unknown = d[key]): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(key, `must be a string, got ${JSON.stringify(v)}`);
    return String(v);
  };
  const unknownKeys = Object.keys(d).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  const type = str('type');
  if (type !== undefined && !(AGENT_TYPES as readonly string[]).includes(type)) {
    throw bad('type', `must be one of ${AGENT_TYPES.join(', ')}, got "${type}"`);
  }
  const credentialType = str('credentialType');
  if (credentialType !== undefined && !(CREDENTIAL_TYPES as readonly string[]).includes(credentialType)) {
    throw bad('credentialType', `must be one of ${CREDENTIAL_TYPES.join(', ')}, got "${credentialType}"`);
  }
  let workspace: WorkspaceConfig | undefined;
  const w = d.workspace;
  if (w !== undefined && w !== null) {
    if (typeof w !== 'object' || Array.isArray(w)) throw bad('workspace', 'must be a mapping with name, or repo, ref and token');
    const wr = w as Record<string, unknown>;
    for (const k of Object.keys(wr)) if (!WORKSPACE_KEYS.includes(k)) unknownKeys.push(`workspace.${k}`);
    workspace = {
      name: str('workspace.name', wr.name),
      repo: str('workspace.repo', wr.repo),
      ref: str('workspace.ref', wr.ref),
      token: str('workspace.token', wr.token),
    };
    if (workspace.repo !== undefined && !/^(https?:\/\/|git:\/\/|git@)/.test(workspace.repo)) {
      throw bad('workspace.repo', `must start with https://, http://, git:// or git@, got "${workspace.repo}"`);
    }
  }
  let env: Record<string, string> | undefined;
  if (d.env !== undefined && d.env !== null) {
    env = {};
    if (Array.isArray(d.env)) {
      for (const e of d.env) {
        const m = typeof e === 'string' ? /^([^=]+)=(.*)$/s.exec(e) : null;
        if (m) env[m[1]!] = m[2]!;
        else if (e && typeof e === 'object' && typeof (e as any).name === 'string') env[(e as any).name] = String((e as any).value ?? '');
        else throw bad('env', `entries must be NAME=VALUE or {name, value}, got ${JSON.stringify(e)}`);
      }
    } else if (typeof d.env === 'object') {
      for (const [k, v] of Object.entries(d.env as Record<string, unknown>)) env[k] = v === null || v === undefined ? '' : String(v);
    } else {
      throw bad('env', 'must be a mapping of NAME: VALUE');
    }
  }
  return {
    path: file,
    oauthToken: str('oauthToken'),
    apiKey: str('apiKey'),
    secret: str('secret'),
    credentialType: credentialType as CredentialType | undefined,
    type: type as AgentTypeName | undefined,
    model: str('model'),
    effort: str('effort'),
    namespace: str('namespace'),
    workspace,
    agentConfig: str('agentConfig'),
    env,
    unknownKeys,
  };
}

/**
 * A config value: `@path` reads the file (trailing newlines dropped), `none`
 * is the empty credential, anything else is the value itself.
 */
export function resolveValue(key: string, value: string, file?: string): string {
  if (value === 'none') return '';
  if (!value.startsWith('@')) return value;
  const path = resolve(expandHome(value.slice(1)));
  try {
    return readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UserError(`${file ? `config file ${file}: ` : ''}'${key}' names ${path}, which cannot be read: ${reason}`);
  }
}

/** What `kelos init` writes: every key, commented, in the Kelos format. */
export const CONFIG_TEMPLATE = `# kelos configuration: defaults for \`kelos run\` (flags always win).
# Format compatible with Kelos (~/.kelos/config.yaml).

# Agent credentials: kelos run stores them in Secret "kelos-credentials",
# under the variable the agent type reads (e.g. CLAUDE_CODE_OAUTH_TOKEN).
# A value "@path" reads the file; "none" is an empty credential.
oauthToken: ""
# apiKey: ""

# Or use a Secret you created yourself:
# secret: my-credentials
# credentialType: oauth        # api-key | oauth | none

# Agent type and model (optional)
# type: claude-code            # claude-code | codex | gemini | opencode | cursor
# model: ""
# effort: ""

# Namespace (optional; default: the kubeconfig context's)
# namespace: default

# Workspace (optional). An existing Workspace:
# workspace:
#   name: my-workspace
# Or a repository; kelos run creates Workspace "kelos-workspace" for it:
# workspace:
#   repo: https://github.com/your-org/your-repo.git
#   ref: main
#   token: ""                  # GitHub token, or "@path" (Secret "kelos-workspace-credentials")

# An AgentConfig every Task uses (optional)
# agentConfig: my-agent-config

# Extra environment variables of the agent (optional)
# env:
#   GIT_AUTHOR_NAME: kelos-bot
`;
