// `kelos get`: Kelos's tables, a detail view, or the objects as YAML/JSON.
import { stringify } from 'yaml';
import type { AgentConfig } from '../../lib/api/agent-config.js';
import { API_VERSION, GROUP, Kind, Label, TaskPhase, TaskSpawnerPhase } from '../../lib/api/constants.js';
import type { KindDefinition } from '../../lib/api/kind.js';
import type { Task } from '../../lib/api/task.js';
import { sourceOf, type TaskSpawner } from '../../lib/api/task-spawner.js';
import type { Workspace } from '../../lib/api/workspace.js';
import type { KubeClient, KubeList } from '../../lib/kube/kube-client.js';
import { KubeError } from '../../lib/kube/kube-error.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, requireCrds, timeoutMs, withCluster } from './_context.js';
import { collectionPath, kindOf, notFound, objectPathOf } from './_kinds.js';
import { age, columnWidths, field, formatRows, humanDuration, more, table } from './_table.js';

export interface GetOptions {
  /** wide, name, yaml or json; a table by default. */
  readonly output?: string;
  readonly allNamespaces?: boolean;
  readonly phase?: string;
  readonly detail?: boolean;
  /** A label selector (`-l`). */
  readonly selector?: string;
  /** Tasks of this TaskSpawner (its `kelos.dev/taskspawner` label). */
  readonly spawner?: string;
  /** Print changes after the listing until interrupted or `timeout`. */
  readonly watch?: boolean;
  readonly timeout?: string;
}

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    creationTimestamp?: string;
    managedFields?: unknown;
    labels?: Record<string, string>;
    resourceVersion?: string;
  };
} & Record<string, any>;

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

/** The header and a row function of a kind: Kelos's columns, and with `wide` a few more. */
export function columns(kind: string, wide: boolean, now = Date.now()): { headers: string[]; row: (o: any) => string[] } {
  switch (kind) {
    case 'Task':
      return {
        headers: ['NAME', 'TYPE', 'PHASE', 'BRANCH', 'WORKSPACE', 'AGENT CONFIG', 'DURATION', 'AGE', ...(wide ? ['MODEL', 'SPAWNER', 'POD', 'MESSAGE'] : [])],
        row: (t: Task) => [
          t.metadata.name!,
          t.spec.type,
          dash(t.status?.phase),
          dash(t.spec.branch),
          dash(t.spec.workspaceRef?.name),
          dash(agentConfigNames(t.spec)),
          taskDuration(t, now),
          age(t.metadata.creationTimestamp, now),
          ...(wide ? [dash(t.spec.model), dash(t.metadata.labels?.[Label.TASK_SPAWNER]), dash(t.status?.podName), dash(oneLine(t.status?.message))] : []),
        ],
      };
    case 'TaskSpawner':
      return {
        headers: [
          'NAME',
          'SOURCE',
          'PHASE',
          'DISCOVERED',
          'TASKS',
          'AGE',
          ...(wide ? ['TYPE', 'WORKSPACE', 'ACTIVE', 'MAX CONCURRENCY', 'SUSPEND', 'WORKLOAD'] : []),
        ],
        row: (s: TaskSpawner) => [
          s.metadata.name!,
          spawnerSource(s),
          dash(s.status?.phase),
          String(s.status?.totalDiscovered ?? 0),
          String(s.status?.totalTasksCreated ?? 0),
          age(s.metadata.creationTimestamp, now),
          ...(wide
            ? [
                s.spec.taskTemplate.type,
                dash(s.spec.taskTemplate.workspaceRef?.name),
                String(s.status?.activeTasks ?? 0),
                s.spec.maxConcurrency ? String(s.spec.maxConcurrency) : '-',
                String(s.spec.suspend ?? false),
                s.status?.deploymentName ? `deployment/${s.status.deploymentName}` : s.status?.cronJobName ? `cronjob/${s.status.cronJobName}` : '-',
              ]
            : []),
        ],
      };
    case 'Workspace':
      return {
        headers: ['NAME', 'REPO', 'REF', 'AGE', ...(wide ? ['SECRET', 'REMOTES', 'FILES'] : [])],
        row: (w: Workspace) => [
          w.metadata.name!,
          w.spec.repo,
          dash(w.spec.ref),
          age(w.metadata.creationTimestamp, now),
          ...(wide ? [dash(w.spec.secretRef?.name), String(w.spec.remotes?.length ?? 0), String(w.spec.files?.length ?? 0)] : []),
        ],
      };
    default:
      return {
        headers: ['NAME', 'PLUGINS', 'MCP SERVERS', 'AGE', ...(wide ? ['SKILLS', 'AGENTS MD'] : [])],
        row: (a: AgentConfig) => [
          a.metadata.name!,
          String(a.spec.plugins?.length ?? 0),
          String(a.spec.mcpServers?.length ?? 0),
          age(a.metadata.creationTimestamp, now),
          ...(wide ? [String(a.spec.skills?.length ?? 0), a.spec.agentsMD ? `${a.spec.agentsMD.length} chars` : '-'] : []),
        ],
      };
  }
}

const oneLine = (text: string | undefined) => (text && text.length > 80 ? `${text.slice(0, 79)}…` : text)?.replace(/\s+/g, ' ');

/** The rows of a table, NAMESPACE first with -A. */
function rowsOf(kind: string, items: Obj[], allNamespaces: boolean, wide: boolean, now: number): { headers: string[]; rows: string[][] } {
  const { headers, row } = columns(kind, wide, now);
  return {
    headers: allNamespaces ? ['NAMESPACE', ...headers] : headers,
    rows: items.map((o) => (allNamespaces ? [o.metadata.namespace ?? '', ...row(o)] : row(o))),
  };
}

/** The table of a kind: Kelos's columns, NAMESPACE first with -A, more with `wide`. */
export function renderTable(kind: string, items: Obj[], allNamespaces: boolean, now = Date.now(), wide = false): string {
  const { headers, rows } = rowsOf(kind, items, allNamespaces, wide, now);
  return table(headers, rows);
}

/** `-o name`: kubectl's `<resource>.<group>/<name>`, which kubectl and kelos both accept. */
export function objectName(def: KindDefinition, o: Obj): string {
  return `${def.singular}.${GROUP}/${o.metadata.name}`;
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
    list(
      'Results',
      Object.keys(t.status?.results ?? {})
        .sort()
        .map((k) => `${k}=${t.status!.results![k]}`),
    );
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
    list(
      'Remotes',
      w.spec.remotes?.map((r) => `${r.name} ${r.url}`),
    );
    list(
      'Files',
      w.spec.files?.map((f) => f.path),
    );
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
    list(
      'Skills',
      a.spec.skills?.map((s) => (s.skill ? `${s.source} (${s.skill})` : s.source)),
    );
    list(
      'MCP Servers',
      a.spec.mcpServers?.map((m) => `${m.name} (${m.type})`),
    );
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

const OUTPUTS = ['wide', 'name', 'yaml', 'json'];

/** `-l` and `--spawner` as one label selector; undefined for none. */
export function labelSelector(def: KindDefinition, opts: Pick<GetOptions, 'selector' | 'spawner'>): string | undefined {
  if (opts.spawner !== undefined && def.kind !== Kind.TASK) throw new UserError(`'--spawner' applies to tasks, not ${def.plural}`, 2);
  const parts = [opts.selector?.trim(), opts.spawner !== undefined ? `${Label.TASK_SPAWNER}=${opts.spawner}` : undefined].filter(Boolean);
  return parts.length ? parts.join(',') : undefined;
}

/** Lists with a label selector, turning the apiserver's refusal of the selector into a usage error. */
async function listItems(client: KubeClient, def: KindDefinition, namespace: string | undefined, selector: string | undefined): Promise<KubeList<Obj>> {
  try {
    return await client.list<Obj>(collectionPath(def, namespace), selector ? { labelSelector: selector } : {});
  } catch (err) {
    if (selector && err instanceof KubeError && err.statusCode === 400)
      throw new UserError(`the label selector ${JSON.stringify(selector)} (-l, --spawner) is not valid: ${err.message}`, 2);
    throw err;
  }
}

export async function runGet(g: GlobalOptions, word: string, names: string[], opts: GetOptions): Promise<void> {
  const def = kindOf(word);
  const output = opts.output;
  if (output !== undefined && !OUTPUTS.includes(output)) throw new UserError(`'-o' must be one of ${OUTPUTS.join(', ')}, got "${output}"`, 2);
  if (opts.detail && output) throw new UserError("'--detail' and '-o' cannot be used together", 2);
  if (opts.detail && opts.watch) throw new UserError("'--detail' and '--watch' cannot be used together", 2);
  if (opts.timeout !== undefined && !opts.watch) throw new UserError("'--timeout' applies to --watch: how long to watch", 2);
  const limit = opts.watch ? timeoutMs(opts.timeout, '0') : 0;
  const phases = opts.phase ? parsePhases(def, opts.phase) : undefined;
  const selector = labelSelector(def, opts);
  if (selector && names.length > 0) throw new UserError("'--selector' and '--spawner' cannot be used with names: pass one or the other", 2);
  await withCluster(g, async ({ client, namespace }) => {
    await requireCrds(client, [def.kind]);
    let items: Obj[];
    let resourceVersion: string | undefined;
    const wanted = (o: Obj) =>
      (names.length === 0 || names.includes(o.metadata.name!)) && (!phases || phases.includes(o.status?.phase ?? (def.kind === 'Task' ? 'Pending' : '')));
    if (names.length > 0 && !opts.allNamespaces && !opts.watch) {
      items = [];
      for (const name of names) {
        const o = await client.get<Obj>(objectPathOf(def, namespace, name));
        if (!o) throw notFound(def, name, namespace);
        items.push(o);
      }
    } else {
      const list = await listItems(client, def, opts.allNamespaces ? undefined : namespace, selector);
      resourceVersion = list.metadata.resourceVersion;
      items = list.items.map((o) => withKind(def, o));
      if (names.length > 0) {
        const missing = names.filter((n) => !items.some((o) => o.metadata.name === n));
        if (missing.length)
          throw opts.allNamespaces ? new UserError(`${def.singular} "${missing[0]}" not found in any namespace`) : notFound(def, missing[0]!, namespace);
      }
    }
    items = items.filter(wanted).map(strip);
    const print = printer(def, output, opts.allNamespaces === true);
    if (items.length === 0 && (output === undefined || output === 'wide')) {
      const where = opts.allNamespaces ? 'in any namespace' : `in namespace "${namespace}"`;
      const which = [phases ? `in phase ${phases.join(' or ')}` : '', selector ? `matching ${selector}` : ''].filter(Boolean).join(' ');
      process.stderr.write(`No ${def.plural}${which ? ` ${which}` : ''} found ${where}.\n`);
    } else if (opts.detail) {
      process.stdout.write(items.map((o) => renderDetail(def.kind, o)).join('\n'));
    } else {
      process.stdout.write(print.first(items, names.length === 1 && items.length === 1 && !opts.watch));
    }
    if (!opts.watch) return;
    await watchItems(client, def, opts.allNamespaces ? undefined : namespace, selector, resourceVersion, limit, (o) => {
      if (wanted(o)) process.stdout.write(print.next(strip(o)));
    });
  });
}

const withKind = (def: KindDefinition, o: Obj): Obj => ({ apiVersion: o.apiVersion ?? API_VERSION, kind: o.kind ?? def.kind, ...o });

/**
 * How `get` prints: the first listing, then (with --watch) each object that
 * changed, as kubectl does — table rows aligned with the first table, and
 * printed only when the row changed.
 */
function printer(def: KindDefinition, output: string | undefined, allNamespaces: boolean) {
  const wide = output === 'wide';
  let widths: number[] = [];
  let headerPrinted = false;
  const lastRow = new Map<string, string>();
  const key = (o: Obj) => `${o.metadata.namespace}/${o.metadata.name}`;
  const doc = (o: Obj) => (output === 'json' ? `${JSON.stringify(o, null, 2)}\n` : `---\n${stringify(o, { lineWidth: 0 })}`);
  return {
    first(items: Obj[], single: boolean): string {
      if (output === 'name') return items.map((o) => `${objectName(def, o)}\n`).join('');
      if (output === 'yaml' || output === 'json') {
        const d = single ? items[0] : { apiVersion: 'v1', kind: 'List', items };
        return output === 'json' ? `${JSON.stringify(d, null, 2)}\n` : stringify(d, { lineWidth: 0 });
      }
      const { headers, rows } = rowsOf(def.kind, items, allNamespaces, wide, Date.now());
      widths = columnWidths(headers, rows);
      rows.forEach((r, i) => lastRow.set(key(items[i]!), r.join('\t')));
      if (items.length === 0) return '';
      headerPrinted = true;
      return formatRows([headers, ...rows], widths);
    },
    next(o: Obj): string {
      if (output === 'name') return `${objectName(def, o)}\n`;
      if (output === 'yaml' || output === 'json') return doc(o);
      const { headers, rows } = rowsOf(def.kind, [o], allNamespaces, wide, Date.now());
      const row = rows[0]!;
      if (lastRow.get(key(o)) === row.join('\t')) return '';
      lastRow.set(key(o), row.join('\t'));
      const header = !headerPrinted;
      headerPrinted = true;
      widths = columnWidths(headers, [row], widths);
      return formatRows(header ? [headers, row] : [row], widths);
    },
  };
}

/** Watches from `resourceVersion` until `limitMs` passes (0: until interrupted), listing again when the watch is too old. */
async function watchItems(
  client: KubeClient,
  def: KindDefinition,
  namespace: string | undefined,
  selector: string | undefined,
  resourceVersion: string | undefined,
  limitMs: number,
  onChange: (o: Obj) => void,
): Promise<void> {
  const abort = new AbortController();
  const timer = Number.isFinite(limitMs) && limitMs > 0 ? setTimeout(() => abort.abort(), limitMs) : undefined;
  const path = collectionPath(def, namespace);
  let rv = resourceVersion;
  try {
    while (!abort.signal.aborted) {
      try {
        await client.watch<Obj>(
          path,
          { resourceVersion: rv, timeoutSeconds: 300, ...(selector ? { labelSelector: selector } : {}) },
          (e) => {
            if (e.object.metadata?.resourceVersion) rv = e.object.metadata.resourceVersion as string;
            if (e.type !== 'BOOKMARK') onChange(withKind(def, e.object));
          },
          abort.signal,
        );
      } catch (err) {
        if (abort.signal.aborted) return;
        if (!(err instanceof KubeError && err.statusCode === 410)) throw err;
        const list = await listItems(client, def, namespace, selector);
        rv = list.metadata.resourceVersion;
        for (const o of list.items) onChange(withKind(def, o));
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
}
