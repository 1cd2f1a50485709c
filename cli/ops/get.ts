// `kelos get`: Kelos's tables, a detail view, or the objects as YAML/JSON.
import { stringify } from 'yaml';
import { API_VERSION, TaskPhase, TaskSpawnerPhase } from '../../lib/api/constants.js';
import type { AgentConfig } from '../../lib/api/agent-config.js';
import type { KindDefinition } from '../../lib/api/kind.js';
import type { Task } from '../../lib/api/task.js';
import { sourceOf, type TaskSpawner } from '../../lib/api/task-spawner.js';
import type { Workspace } from '../../lib/api/workspace.js';
import { UserError } from '../errors.js';
import { requireCrds, withCluster, type GlobalOptions } from './_context.js';
import { collectionPath, kindOf, notFound, objectPathOf } from './_kinds.js';
import { age, field, humanDuration, more, table } from './_table.js';

export interface GetOptions {
  readonly output?: string;
  readonly allNamespaces?: boolean;
  readonly phase?: string;
  readonly detail?: boolean;
}

type Obj = { apiVersion?: string; kind?: string; metadata: { name?: string; namespace?: string; creationTimestamp?: string; managedFields?: unknown } } & Record<string, any>;

const dash = (v: string | undefined) => (v === undefined || v === '' ? '-' : v);

export function taskDuration(t: Task, now = Date.now()): string {
  const s = t.status;
  if (!s?.startTime) return '-';
  const end = s.completionTime ? new Date(s.completionTime).getTime() : now;
  return humanDuration(end - new Date(s.startTime).getTime());
}

function agentConfigNames(spec: { agentConfigRef?: { name: string }; agentConfigRefs?: Array<{ name: string }> }): string | undefined {
  if (spec.agentConfigRef) return spec.agentConfigRef.name;
  return spec.agentConfigRefs?.map((r) => r.name).join(',');
}

export function spawnerSource(s: TaskSpawner): string {
  const w = s.spec.when;
  switch (sourceOf(s.spec)) {
    case 'githubIssues':
      return `github issues: ${w.githubIssues!.repo ?? s.spec.taskTemplate.workspaceRef?.name ?? '-'}`;
    case 'githubPullRequests':
      return `github pull requests: ${w.githubPullRequests!.repo ?? s.spec.taskTemplate.workspaceRef?.name ?? '-'}`;
    case 'cron':
      return `cron: ${w.cron!.schedule}`;
    case 'jira':
      return `jira: ${w.jira!.project}`;
    default:
      return '-';
  }
}

/** The table of a kind: Kelos's columns, NAMESPACE first with -A. */
export function renderTable(kind: string, items: Obj[], allNamespaces: boolean, now = Date.now()): string {
  let headers: string[];
  let row: (o: any) => string[];
  switch (kind) {
    case 'Task':
      headers = ['NAME', 'TYPE', 'PHASE', 'BRANCH', 'WORKSPACE', 'AGENT CONFIG', 'DURATION', 'AGE'];
      row = (t: Task) => [
        t.metadata.name!,
        t.spec.type,
        dash(t.status?.phase),
        dash(t.spec.branch),
        dash(t.spec.workspaceRef?.name),
        dash(agentConfigNames(t.spec)),
        taskDuration(t, now),
        age(t.metadata.creationTimestamp, now),
      ];
      break;
    case 'TaskSpawner':
      headers = ['NAME', 'SOURCE', 'PHASE', 'DISCOVERED', 'TASKS', 'AGE'];
      row = (s: TaskSpawner) => [
        s.metadata.name!,
        spawnerSource(s),
        dash(s.status?.phase),
        String(s.status?.totalDiscovered ?? 0),
        String(s.status?.totalTasksCreated ?? 0),
        age(s.metadata.creationTimestamp, now),
      ];
      break;
    case 'Workspace':
      headers = ['NAME', 'REPO', 'REF', 'AGE'];
      row = (w: Workspace) => [w.metadata.name!, w.spec.repo, dash(w.spec.ref), age(w.metadata.creationTimestamp, now)];
      break;
    default:
      headers = ['NAME', 'PLUGINS', 'MCP SERVERS', 'AGE'];
      row = (a: AgentConfig) => [
        a.metadata.name!,
        String(a.spec.plugins?.length ?? 0),
        String(a.spec.mcpServers?.length ?? 0),
        age(a.metadata.creationTimestamp, now),
      ];
  }
  const rows = items.map((o) => (allNamespaces ? [o.metadata.namespace ?? '', ...row(o)] : row(o)));
  return table(allNamespaces ? ['NAMESPACE', ...headers] : headers, rows);
}

/** The detail view (`-d`) of one object. */
export function renderDetail(kind: string, o: any, now = Date.now()): string {
  let out = field('Name', o.metadata.name) + field('Namespace', o.metadata.namespace ?? '');
  const add = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') out += field(label, String(value));
  };
  const list = (label: string, values: string[] | undefined) => {
    values?.forEach((v, i) => (out += i === 0 ? field(label, v) : more(v)));
  };
  if (kind === 'Task') {
    const t = o as Task;
    add('Type', t.spec.type);
    add('Phase', t.status?.phase ?? 'Pending');
    add('Prompt', t.spec.prompt.length > 200 ? `${t.spec.prompt.slice(0, 200)}…` : t.spec.prompt);
    add('Credential Type', t.spec.credentials.type);
    add('Secret', t.spec.credentials.secretRef?.name);
    add('Model', t.spec.model);
    add('Effort', t.spec.effort);
    add('Image', t.spec.image);
    add('Branch', t.spec.branch);
    add('Depends On', t.spec.dependsOn?.join(', '));
    add('Workspace', t.spec.workspaceRef?.name);
    add('Agent Config', agentConfigNames(t.spec));
    add('TTL', t.spec.ttlSecondsAfterFinished !== undefined ? `${t.spec.ttlSecondsAfterFinished}s` : undefined);
    add('Timeout', t.spec.podOverrides?.activeDeadlineSeconds !== undefined ? `${t.spec.podOverrides.activeDeadlineSeconds}s` : undefined);
    add('Job', t.status?.jobName);
    add('Pod', t.status?.podName);
    add('Start Time', t.status?.startTime ? new Date(t.status.startTime).toISOString() : undefined);
    add('Completion Time', t.status?.completionTime ? new Date(t.status.completionTime).toISOString() : undefined);
    const d = taskDuration(t, now);
    if (d !== '-') add('Duration', d);
    add('Message', t.status?.message);
    list('Outputs', t.status?.outputs);
    list('Results', Object.keys(t.status?.results ?? {}).sort().map((k) => `${k}=${t.status!.results![k]}`));
  } else if (kind === 'TaskSpawner') {
    const s = o as TaskSpawner;
    add('Phase', s.status?.phase);
    add('Suspend', String(s.spec.suspend ?? false));
    add('Source', spawnerSource(s));
    const src = sourceOf(s.spec);
    const gh = src === 'githubIssues' ? s.spec.when.githubIssues : src === 'githubPullRequests' ? s.spec.when.githubPullRequests : undefined;
    if (gh) {
      add('Labels', gh.labels?.join(', '));
      add('State', gh.state);
    }
    add('Workspace', s.spec.taskTemplate.workspaceRef?.name);
    add('Task Type', s.spec.taskTemplate.type);
    add('Model', s.spec.taskTemplate.model);
    add('Poll Interval', s.spec.pollInterval);
    add('Max Concurrency', s.spec.maxConcurrency);
    add('Max Total Tasks', s.spec.maxTotalTasks);
    add('Deployment', s.status?.deploymentName);
    add('CronJob', s.status?.cronJobName);
    add('Discovered', s.status?.totalDiscovered ?? 0);
    add('Tasks Created', s.status?.totalTasksCreated ?? 0);
    add('Active Tasks', s.status?.activeTasks ?? 0);
    add('Last Discovery', s.status?.lastDiscoveryTime ? new Date(s.status.lastDiscoveryTime).toISOString() : undefined);
    add('Message', s.status?.message);
  } else if (kind === 'Workspace') {
    const w = o as Workspace;
    add('Repo', w.spec.repo);
    add('Ref', w.spec.ref);
    add('Secret', w.spec.secretRef?.name);
    list('Remotes', w.spec.remotes?.map((r) => `${r.name} ${r.url}`));
    list('Files', w.spec.files?.map((f) => f.path));
    add('Setup Command', w.spec.setupCommand?.join(' '));
  } else {
    const a = o as AgentConfig;
    add('Agents MD', a.spec.agentsMD && a.spec.agentsMD.length > 80 ? `${a.spec.agentsMD.slice(0, 80)}…` : a.spec.agentsMD?.replace(/\n/g, ' '));
    list(
      'Plugins',
      a.spec.plugins?.map((p) => {
        const parts = [
          p.skills?.length ? `skills=[${p.skills.map((s) => s.name).join(',')}]` : '',
          p.agents?.length ? `agents=[${p.agents.map((s) => s.name).join(',')}]` : '',
        ].filter(Boolean);
        return parts.length ? `${p.name} (${parts.join(', ')})` : p.name;
      }),
    );
    list('Skills', a.spec.skills?.map((s) => (s.skill ? `${s.source} (${s.skill})` : s.source)));
    list('MCP Servers', a.spec.mcpServers?.map((m) => `${m.name} (${m.type})`));
  }
  out += field('Age', age(o.metadata.creationTimestamp, now));
  return out;
}

function phasesOf(def: KindDefinition): string[] | undefined {
  if (def.kind === 'Task') return Object.values(TaskPhase);
  if (def.kind === 'TaskSpawner') return Object.values(TaskSpawnerPhase);
  return undefined;
}

/** `--phase running,failed` → the canonical phase names; throws for others. */
export function parsePhases(def: KindDefinition, text: string): string[] {
  const allowed = phasesOf(def);
  if (!allowed) throw new UserError(`'--phase' applies to tasks and taskspawners, not ${def.plural}`, 2);
  return text.split(',').map((p) => {
    const hit = allowed.find((a) => a.toLowerCase() === p.trim().toLowerCase());
    if (!hit) throw new UserError(`'--phase' must be one of ${allowed.join(', ')} (comma-separated), got "${p.trim()}"`, 2);
    return hit;
  });
}

function strip(o: Obj): Obj {
  const copy = structuredClone(o);
  delete copy.metadata.managedFields;
  return copy;
}

export async function runGet(g: GlobalOptions, word: string, names: string[], opts: GetOptions): Promise<void> {
  const def = kindOf(word);
  const output = opts.output;
  if (output !== undefined && output !== 'yaml' && output !== 'json') throw new UserError(`'-o' must be yaml or json, got "${output}"`, 2);
  if (opts.detail && output) throw new UserError("'--detail' and '-o' cannot be used together", 2);
  const phases = opts.phase ? parsePhases(def, opts.phase) : undefined;
  await withCluster(g, async ({ client, namespace }) => {
    await requireCrds(client, [def.kind]);
    let items: Obj[];
    if (names.length > 0 && !opts.allNamespaces) {
      items = [];
      for (const name of names) {
        const o = await client.get<Obj>(objectPathOf(def, namespace, name));
        if (!o) throw notFound(def, name, namespace);
        items.push(o);
      }
    } else {
      const list = await client.list<Obj>(collectionPath(def, opts.allNamespaces ? undefined : namespace));
      items = list.items.map((o) => ({ apiVersion: o.apiVersion ?? API_VERSION, kind: o.kind ?? def.kind, ...o }));
      if (names.length > 0) {
        items = items.filter((o) => names.includes(o.metadata.name!));
        const missing = names.filter((n) => !items.some((o) => o.metadata.name === n));
        if (missing.length) throw new UserError(`${def.singular} "${missing[0]}" not found in any namespace`);
      }
    }
    if (phases) items = items.filter((o) => phases.includes(o.status?.phase ?? (def.kind === 'Task' ? 'Pending' : '')));
    items = items.map(strip);
    if (output) {
      const single = names.length === 1 && items.length === 1;
      const doc = single ? items[0] : { apiVersion: 'v1', kind: 'List', items };
      process.stdout.write(output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { lineWidth: 0 }));
      return;
    }
    if (items.length === 0) {
      const where = opts.allNamespaces ? 'in any namespace' : `in namespace "${namespace}"`;
      process.stderr.write(`No ${def.plural}${phases ? ` in phase ${phases.join(' or ')}` : ''} found ${where}.\n`);
      return;
    }
    if (opts.detail) {
      process.stdout.write(items.map((o) => renderDetail(def.kind, o)).join('\n'));
      return;
    }
    process.stdout.write(renderTable(def.kind, items, opts.allNamespaces === true));
  });
}
