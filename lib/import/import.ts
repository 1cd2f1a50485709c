// Kelos YAML → a TypeScript pipeline written with the constructs: one Chart
// class per namespace; Workspaces, AgentConfigs and credentials declared once
// and referenced; what every Task and Spawner shares spread from one
// `common` object; Secrets referenced by name, never copied; every field that
// could not become code reported.

import { parseAllDocuments } from 'yaml';
import { AGENT_TYPES, agentDefinition, isAgentType } from '../agents/registry.js';
import { API_VERSION, GROUP } from '../api/constants.js';
import { goDurationSeconds } from '../api/duration.js';
import { GenericWebhookSchema, GitHubWebhookSchema, LinearWebhookSchema, SlackSchema, SOURCES, WEBHOOK_SOURCES } from '../api/task-spawner.js';
import { validateObject } from '../api/validate.js';
import { canonicalJson as canonical } from '../kube/canonical-json.js';
import { code, identifier, literal, pascal, str, text } from './_literal.js';
import { Reader } from './_reader.js';

/** One document of the input. */
export interface SourceObject {
  /** Where it came from, e.g. `examples/task.yaml#2`. */
  readonly source: string;
  readonly object: unknown;
}

/** Something the importer could not carry over as it was, or chose not to. */
export interface ImportNote {
  readonly source: string;
  /** `Kind/name` of the object. */
  readonly object: string;
  readonly message: string;
}

export interface ImportOptions {
  /** Module specifier of the constructs. @default "kelos" */
  readonly from?: string;
  /** Class name of the chart when all objects share one namespace. @default - from the namespace, else "Imported" */
  readonly className?: string;
  /** Also write an app (`KelosApp`, the charts, `app.synth()`) so the file runs on its own. @default false */
  readonly main?: boolean;
  /** What the header comment says the file was generated from. @default - the source files */
  readonly origin?: string;
}

export interface ImportedChart {
  readonly className: string;
  /** The chart id `main` uses (and the dist/ folder it renders into). */
  readonly id: string;
  readonly namespace?: string;
}

export interface ImportResult {
  readonly code: string;
  readonly notes: ImportNote[];
  readonly charts: ImportedChart[];
  /** kelos.dev objects turned into constructs. */
  readonly imported: number;
}

const KELOS_KINDS = ['Workspace', 'AgentConfig', 'Task', 'TaskSpawner'] as const;
type KelosKind = (typeof KELOS_KINDS)[number];
const isKelosKind = (k: string): k is KelosKind => (KELOS_KINDS as readonly string[]).includes(k);

/** Server-set metadata: dropped without a word. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];
/** Annotations the constructs write themselves, or that only describe the last client-side apply. */
const DROPPED_ANNOTATIONS = new Set([
  'argocd.argoproj.io/sync-wave',
  'argocd.argoproj.io/sync-options',
  'kelos.dev/workload-compiled',
  'kelos.dev/declared',
  'kubectl.kubernetes.io/last-applied-configuration',
]);

/** Documents of a YAML (or JSON) text; `List` objects are unpacked. */
export function parseManifests(content: string, source: string): SourceObject[] {
  const out: SourceObject[] = [];
  parseAllDocuments(content).forEach((doc, i) => {
    const where = `${source}#${i + 1}`;
    if (doc.errors.length > 0) throw new Error(`${where}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const items = field(value, 'items');
    if (/List$/.test(String(field(value, 'kind'))) && Array.isArray(items)) {
      items.forEach((item: unknown, j: number) => out.push({ source: `${where}.items[${j}]`, object: item }));
    } else {
      out.push({ source: where, object: value });
    }
  });
  return out;
}

interface Item {
  readonly source: string;
  readonly kind: KelosKind;
  readonly name: string;
  readonly generateName: boolean;
  readonly namespace?: string;
  readonly root: Reader;
  readonly meta: Reader;
  readonly spec: Reader;
  readonly label: string;
  /** Construct id, and the `name` prop when the id differs from the name. */
  id: string;
  nameProp?: string;
  variable: string;
  /** Statements after the construct (labels and annotations through ApiObject.of). */
  after: string[];
}

const MODEL_CONSTANTS: Record<string, string> = { opus: 'OPUS', sonnet: 'SONNET', haiku: 'HAIKU' };

/** A cdk8s Duration expression for a number of seconds, in the largest whole unit. */
export function durationCode(seconds: number): string {
  if (!Number.isInteger(seconds)) return `Duration.millis(${Math.round(seconds * 1000)})`;
  if (seconds === 0) return 'Duration.seconds(0)';
  if (seconds % 86400 === 0) return `Duration.days(${seconds / 86400})`;
  if (seconds % 3600 === 0) return `Duration.hours(${seconds / 3600})`;
  if (seconds % 60 === 0) return `Duration.minutes(${seconds / 60})`;
  return `Duration.seconds(${seconds})`;
}

/** Drops undefined and null, keeping empty objects (`emptyDir: {}` means something). */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** Pod overrides as code: nulls dropped; nothing when they hold nothing. */
function podOverridesValue(v: unknown): unknown {
  return prune(v) === undefined ? undefined : dropNulls(v);
}

/** Props of the webhook sources, as the constructs take them (Kelos's field names). */
const WEBHOOK_PROPS: Record<string, readonly string[]> = {
  githubWebhook: Object.keys(GitHubWebhookSchema.properties),
  linearWebhook: Object.keys(LinearWebhookSchema.properties),
  webhook: Object.keys(GenericWebhookSchema.properties),
  slack: Object.keys(SlackSchema.properties),
};

/** Drops undefined, and empty arrays and objects (they render to nothing). */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(prune) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

class ChartBuilder {
  readonly usedVars = new Set<string>(['common', 'this', 'scope', 'id', 'props']);
  readonly imports = new Set<string>();
  readonly cdk8s = new Set<string>(['Chart', 'type ChartProps']);
  private readonly refs = new Map<string, string>(); // `Kind/name` → variable
  private readonly pre: string[] = []; // declarations before the objects
  private readonly credentialVars = new Map<string, string>();
  private podOverridesVar?: { json: string; variable: string };

  constructor(
    readonly namespace: string | undefined,
    readonly items: Item[],
    readonly notes: ImportNote[],
  ) {}

  private note(item: Item | undefined, message: string, source?: string): void {
    this.notes.push({ source: item?.source ?? source ?? '', object: item?.label ?? '', message });
  }

  uniqueVar(base: string, suffix: string): string {
    let v = base;
    if (this.usedVars.has(v)) v = `${base}${suffix}`;
    for (let i = 2; this.usedVars.has(v); i++) v = `${base}${suffix}${i}`;
    this.usedVars.add(v);
    return v;
  }

  private byName(kind: KelosKind, name: string): Item | undefined {
    return this.items.find((i) => i.kind === kind && i.name === name && !i.generateName);
  }

  /** The variable of a Workspace, AgentConfig or Task: the one defined here, else a fromName reference. */
  private ref(kind: 'Workspace' | 'AgentConfig' | 'Task', name: string, from: Item): string {
    const own = this.byName(kind, name);
    if (own) return own.variable;
    const key = `${kind}/${name}`;
    let v = this.refs.get(key);
    if (!v) {
      const cls = kind === 'AgentConfig' ? 'Agent' : kind;
      this.imports.add(cls);
      v = this.uniqueVar(identifier(name), cls);
      const clash = this.items.some((i) => i.id === name) || [...this.refs.keys()].some((k) => k.endsWith(`/${name}`));
      const id = clash ? `${name}-${kind.toLowerCase()}-ref` : name;
      this.pre.push(`const ${v} = ${cls}.fromName(this, ${str(id)}, ${str(name)});`);
      this.refs.set(key, v);
      const what = kind === 'Workspace' ? " (its Secret is unknown here: pass it as fromName's secretName so spawners may read it)" : '';
      this.note(from, `${kind} "${name}" is not in the input: referenced by name${what}`);
    }
    return v;
  }

  private agentType(r: Reader, item: Item): string {
    const t = r.string('type') ?? '';
    this.imports.add('AgentType');
    if (isAgentType(t)) return `AgentType.${agentDefinition(t).constant}`;
    this.note(item, `type "${t}" is not one of ${AGENT_TYPES.join(', ')}`);
    return `AgentType.of(${str(t)})`;
  }

  private credentialKey(raw: unknown): string | undefined {
    if (!raw || typeof raw !== 'object') return undefined;
    const type = field(raw, 'type');
    return type === 'none' ? 'none' : `${type}|${field(field(raw, 'secretRef'), 'name') ?? ''}`;
  }

  private credentialExpr(raw: unknown): string {
    const type = field(raw, 'type');
    if (type === 'none') return 'Credentials.none()';
    const fn = type === 'oauth' ? 'oauth' : 'apiKey';
    return `Credentials.${fn}({ name: ${str(String(field(field(raw, 'secretRef'), 'name') ?? ''))} })`;
  }

  private credentials(r: Reader, item: Item): string {
    this.imports.add('Credentials');
    const c = r.child('credentials');
    const raw = c.value;
    c.take('type');
    if (raw.type !== 'none') c.child('secretRef').take('name');
    if (raw.type !== 'none' && raw.type !== 'oauth' && raw.type !== 'api-key') this.note(item, `credentials.type "${raw.type}" is not api-key, oauth or none`);
    return this.credentialVars.get(this.credentialKey(raw) ?? '') ?? this.credentialExpr(raw);
  }

  /** The fields every Task and task template share, as prop → code. */
  private templateProps(r: Reader, item: Item): Map<string, string> {
    const p = new Map<string, string>();
    p.set('type', this.agentType(r, item));
    p.set('credentials', this.credentials(r, item));
    const model = r.string('model');
    if (model !== undefined) {
      this.imports.add('Model');
      p.set('model', MODEL_CONSTANTS[model] ? `Model.${MODEL_CONSTANTS[model]}` : `Model.of(${str(model)})`);
    }
    for (const f of ['effort', 'image'] as const) {
      const v = r.string(f);
      if (v !== undefined) p.set(f, text(v));
    }
    if (r.has('workspaceRef')) p.set('workspace', this.ref('Workspace', String(r.child('workspaceRef').take('name')), item));
    const agents: string[] = [];
    if (r.has('agentConfigRef')) agents.push(this.ref('AgentConfig', String(r.child('agentConfigRef').take('name')), item));
    for (const a of r.items('agentConfigRefs')) agents.push(this.ref('AgentConfig', String(a.take('name')), item));
    if (agents.length) p.set('agents', `[${agents.join(', ')}]`);
    const upstream = r.string('upstreamRepo');
    if (upstream !== undefined) p.set('upstreamRepo', str(upstream));
    const ttl = r.take<number>('ttlSecondsAfterFinished');
    if (ttl !== undefined) {
      this.cdk8s.add('Duration');
      p.set('ttlAfterFinished', durationCode(Number(ttl)));
    }
    const po = r.take('podOverrides');
    if (po !== undefined) {
      const value = podOverridesValue(po);
      if (value !== undefined) {
        p.set('podOverrides', this.podOverridesVar?.json === canonical(value) ? this.podOverridesVar.variable : literal(value, '      '));
      }
    }
    return p;
  }

  /** Declares credentials and pod overrides that several objects share. */
  private hoist(users: Array<{ template: Reader }>): void {
    const counts = new Map<string, { n: number; raw: unknown }>();
    for (const u of users) {
      const raw = u.template.value.credentials;
      const k = this.credentialKey(raw);
      if (!k || k === 'none') continue;
      const c = counts.get(k) ?? { n: 0, raw };
      c.n++;
      counts.set(k, c);
    }
    for (const [k, { n, raw }] of counts) {
      if (n < 2) continue;
      this.imports.add('Credentials');
      const v = this.uniqueVar(identifier(String(field(field(raw, 'secretRef'), 'name') ?? 'credentials')), 'Credentials');
      this.credentialVars.set(k, v);
      this.pre.push(`const ${v} = ${this.credentialExpr(raw)};`);
    }
    const po = new Map<string, { n: number; value: unknown }>();
    for (const u of users) {
      const value = podOverridesValue(u.template.value.podOverrides);
      if (value === undefined) continue;
      const k = canonical(value);
      po.set(k, { n: (po.get(k)?.n ?? 0) + 1, value });
    }
    const top = [...po].sort((a, b) => b[1].n - a[1].n)[0];
    if (top && top[1].n >= 2) {
      const v = this.uniqueVar('podOverrides', '');
      this.podOverridesVar = { json: top[0], variable: v };
      this.pre.push(`const ${v} = ${literal(top[1].value, '    ')};`);
    }
  }

  /** The props most objects share, when at least two share two or more. */
  private commonProps(all: Array<Map<string, string>>): Map<string, string> {
    const common = new Map<string, string>();
    if (all.length < 2) return common;
    const props = new Set(all.flatMap((m) => [...m.keys()]));
    for (const prop of props) {
      if (!all.every((m) => m.has(prop))) continue;
      const counts = new Map<string, number>();
      for (const m of all) counts.set(m.get(prop)!, (counts.get(m.get(prop)!) ?? 0) + 1);
      const [value, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      if (n >= 2 && n * 2 > all.length) common.set(prop, value);
    }
    return common.size >= 2 ? common : new Map();
  }

  private metadataExtras(item: Item, labelsProp: boolean): { labels?: Record<string, string> } {
    const labels = item.meta.take<Record<string, string>>('labels');
    const annotations = item.meta.take<Record<string, string>>('annotations');
    const out: { labels?: Record<string, string> } = {};
    if (labels && Object.keys(labels).length) {
      if (labelsProp) out.labels = labels;
      else for (const [k, v] of Object.entries(labels)) item.after.push(`ApiObject.of(${item.variable}).metadata.addLabel(${str(k)}, ${str(String(v))});`);
    }
    for (const [k, v] of Object.entries(annotations ?? {})) {
      if (DROPPED_ANNOTATIONS.has(k)) {
        if (k === 'kubectl.kubernetes.io/last-applied-configuration') this.note(item, `annotation ${k} was dropped`);
        continue;
      }
      item.after.push(`ApiObject.of(${item.variable}).metadata.addAnnotation(${str(k)}, ${text(String(v))});`);
    }
    if (item.after.length) this.cdk8s.add('ApiObject');
    return out;
  }

  private header(item: Item): string[] {
    const props: string[] = [];
    if (item.nameProp !== undefined) props.push(`name: ${str(item.nameProp)}`);
    if (item.generateName) props.push('generateName: true');
    return props;
  }

  private workspace(item: Item): string {
    const s = item.spec;
    const props = this.header(item);
    props.push(`repo: ${str(String(s.take('repo') ?? ''))}`);
    const ref = s.string('ref');
    if (ref !== undefined) props.push(`ref: ${str(ref)}`);
    if (s.has('secretRef')) props.push(`secret: { name: ${str(String(s.child('secretRef').take('name')))} }`);
    const remotes = s.items('remotes').map((r) => ({ name: r.string('name'), url: r.string('url') }));
    if (remotes.length) props.push(`remotes: ${literal(remotes, '      ')}`);
    const files: Record<string, string> = {};
    for (const f of s.items('files')) {
      const path = f.string('path') ?? '';
      if (path in files) {
        this.note(item, `spec.files has "${path}" twice: only the first was imported`);
        continue;
      }
      files[path] = f.string('content') ?? '';
    }
    if (Object.keys(files).length) props.push(`files: ${literal(files, '      ')}`);
    const setup = s.take('setupCommand');
    if (setup !== undefined) props.push(`setupCommand: ${literal(setup, '      ')}`);
    this.imports.add('Workspace');
    return this.statement(item, 'Workspace', props);
  }

  private agent(item: Item): string {
    const s = item.spec;
    const props = this.header(item);
    const md = s.string('agentsMD');
    if (md !== undefined) props.push(`agentsMd: ${text(md)}`);
    const plugins = s.items('plugins').map((p) => {
      const named = (key: 'skills' | 'agents') => {
        const out: Record<string, string> = {};
        for (const e of p.items(key)) {
          const n = e.string('name') ?? '';
          if (n in out) this.note(item, `plugin "${p.value.name}" has ${key} "${n}" twice: only the first was imported`);
          else out[n] = e.string('content') ?? '';
        }
        return Object.keys(out).length ? out : undefined;
      };
      return { name: p.string('name'), skills: named('skills'), agents: named('agents') };
    });
    if (plugins.length) props.push(`plugins: ${literal(plugins, '      ')}`);
    const skills = s.items('skills').map((k) => ({ source: k.string('source'), skill: k.string('skill') }));
    if (skills.length) props.push(`skills: ${literal(skills, '      ')}`);
    const servers: string[] = [];
    for (const m of s.items('mcpServers')) {
      const name = m.string('name') ?? '';
      const type = m.string('type');
      const secret = (key: string) => (m.has(key) ? code(`{ name: ${str(String(m.child(key).child('secretRef').take('name')))} }`) : undefined);
      let args: Record<string, unknown>;
      if (type === 'stdio') {
        args = { command: m.string('command') ?? '', args: m.take('args'), env: m.take('env'), envFrom: secret('envFrom') };
      } else if (type === 'http' || type === 'sse') {
        args = { url: m.string('url') ?? '', headers: m.take('headers'), headersFrom: secret('headersFrom') };
      } else {
        this.note(item, `MCP server "${name}" has type "${type}", not stdio, http or sse: not imported`);
        continue;
      }
      servers.push(`McpServer.${type}(${str(name)}, ${literal(args, '        ')})`);
    }
    if (servers.length) {
      this.imports.add('McpServer');
      props.push(`mcpServers: [\n${servers.map((x) => `        ${x},`).join('\n')}\n      ]`);
    }
    this.imports.add('Agent');
    return this.statement(item, 'Agent', props);
  }

  private when(w: Reader, item: Item): string {
    this.imports.add('When');
    const sources = SOURCES.filter((k) => w.has(k));
    if (sources.length !== 1) {
      this.note(item, `spec.when must have exactly one source, has ${sources.length ? sources.join(', ') : 'none'}`);
      if (sources.length === 0) return "When.cron('')";
    }
    const source = sources[0]!;
    const r = w.child(source);
    const poll = () => {
      const v = r.string('pollInterval');
      if (v === undefined) return undefined;
      const s = goDurationSeconds(v);
      if (s === undefined) {
        this.note(item, `spec.when.${source}.pollInterval "${v}" is not a duration: not imported`);
        return undefined;
      }
      this.cdk8s.add('Duration');
      return code(durationCode(s));
    };
    if (source === 'cron') return `When.cron(${str(r.string('schedule') ?? '')})`;
    if ((WEBHOOK_SOURCES as readonly string[]).includes(source)) {
      const props: Record<string, unknown> = {};
      for (const k of WEBHOOK_PROPS[source]!) {
        const v = r.take(k);
        if (v !== undefined && v !== null) props[k] = dropNulls(v);
      }
      const args = Object.keys(props).length || source !== 'slack' ? literal(props, '      ') : '';
      return `When.${source}(${args})`;
    }
    if (source === 'jira') {
      const props = {
        baseUrl: r.string('baseUrl'),
        project: r.string('project'),
        jql: r.string('jql'),
        secret: r.has('secretRef') ? code(`{ name: ${str(String(r.child('secretRef').take('name')))} }`) : undefined,
        pollInterval: poll(),
      };
      return `When.jira(${literal(props, '      ')})`;
    }
    const keys =
      source === 'githubIssues'
        ? [
            'repo',
            'types',
            'labels',
            'excludeLabels',
            'state',
            'assignee',
            'author',
            'excludeAuthors',
            'triggerComment',
            'excludeComments',
            'commentPolicy',
            'priorityLabels',
            'reporting',
          ]
        : [
            'repo',
            'labels',
            'excludeLabels',
            'state',
            'reviewState',
            'author',
            'excludeAuthors',
            'draft',
            'triggerComment',
            'excludeComments',
            'commentPolicy',
            'priorityLabels',
            'filePatterns',
            'reporting',
          ];
    const props: Record<string, unknown> = {};
    for (const k of keys) {
      const v = r.take(k);
      if (v !== undefined && v !== null) props[k] = dropNulls(v);
    }
    props.pollInterval = poll();
    const args = Object.values(props).some((v) => v !== undefined) ? literal(props, '      ') : '';
    return `When.${source}(${args})`;
  }

  /** A task template's contextSources as code: `timeoutSeconds` becomes a Duration. */
  private contextSources(t: Reader): string | undefined {
    const sources = t.items('contextSources').map((c) => {
      const http = c.child('http');
      const value: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(http.value)) {
        if (v === null || v === undefined) continue;
        http.take(k);
        if (k === 'timeoutSeconds') {
          this.cdk8s.add('Duration');
          value.timeout = code(durationCode(Number(v)));
        } else value[k] = dropNulls(v);
      }
      return { name: c.string('name'), http: value, failurePolicy: c.string('failurePolicy') };
    });
    return sources.length ? literal(sources, '      ') : undefined;
  }

  private statement(item: Item, cls: string, props: string[], spread?: string): string {
    const body = [...(spread ? [`...${spread}`] : []), ...props].map((p) => `      ${p},`).join('\n');
    const expr = `new ${cls}(this, ${str(item.id)}, {\n${body}\n    })`;
    const referenced = item.after.length > 0 || item.kind === 'Workspace' || item.kind === 'AgentConfig' || this.isDependedOn(item);
    const head = referenced ? `const ${item.variable} = ${expr};` : `${expr};`;
    return [head, ...item.after].join('\n    ');
  }

  private isDependedOn(item: Item): boolean {
    if (item.kind !== 'Task') return false;
    return this.items.some((i) => {
      const t = i.kind === 'Task' ? i.spec.value : i.kind === 'TaskSpawner' ? i.spec.value.taskTemplate : undefined;
      const deps = field(t, 'dependsOn');
      return Array.isArray(deps) && deps.includes(item.name);
    });
  }

  /** Tasks in dependency order, so each can name the ones it depends on. */
  private orderTasks(tasks: Item[]): Item[] {
    const out: Item[] = [];
    const state = new Map<Item, 'visiting' | 'done'>();
    const visit = (t: Item) => {
      if (state.get(t) === 'done') return;
      if (state.get(t) === 'visiting') return; // a cycle: the later one is referenced by name
      state.set(t, 'visiting');
      for (const d of (t.spec.value.dependsOn ?? []) as string[]) {
        const dep = this.byName('Task', d);
        if (dep && state.get(dep) !== 'visiting') visit(dep);
      }
      state.set(t, 'done');
      out.push(t);
    };
    tasks.forEach(visit);
    return out;
  }

  private dependsOn(list: unknown, item: Item, declared: Set<Item>): string | undefined {
    if (!Array.isArray(list) || list.length === 0) return undefined;
    const vars = list.map((d) => {
      const dep = this.byName('Task', String(d));
      if (dep && !declared.has(dep)) {
        this.note(item, `dependsOn "${d}" forms a cycle: referenced by name`);
        this.imports.add('Task');
        const v = this.uniqueVar(identifier(String(d)), 'Ref');
        this.pre.push(`const ${v} = Task.fromName(this, ${str(`${d}-ref`)}, ${str(String(d))});`);
        return v;
      }
      return this.ref('Task', String(d), item);
    });
    return `[${vars.join(', ')}]`;
  }

  build(): string {
    const workspaces = this.items.filter((i) => i.kind === 'Workspace');
    const agents = this.items.filter((i) => i.kind === 'AgentConfig');
    const tasks = this.orderTasks(this.items.filter((i) => i.kind === 'Task'));
    const spawners = this.items.filter((i) => i.kind === 'TaskSpawner');
    const users = [...tasks.map((item) => ({ item, template: item.spec })), ...spawners.map((item) => ({ item, template: item.spec.child('taskTemplate') }))];
    this.hoist(users);

    const ws = workspaces.map((i) => {
      this.metadataExtras(i, false);
      return this.workspace(i);
    });
    const ag = agents.map((i) => {
      this.metadataExtras(i, false);
      return this.agent(i);
    });
    const templates = users.map((u) => this.templateProps(u.template, u.item));
    const common = this.commonProps(templates);
    const prop = (k: string, v: string) => (k === v ? k : `${k}: ${v}`);
    const own = (i: number) => [...templates[i]!].filter(([k, v]) => common.get(k) !== v).map(([k, v]) => prop(k, v));
    const spread = common.size ? 'common' : undefined;

    const declared = new Set<Item>();
    const ts = tasks.map((item, i) => {
      const s = item.spec;
      const extras = this.metadataExtras(item, true);
      const props = [...this.header(item), ...own(i)];
      const branch = s.string('branch');
      if (branch !== undefined) props.push(`branch: ${text(branch)}`);
      const deps = this.dependsOn(s.take('dependsOn'), item, declared);
      if (deps) props.push(`dependsOn: ${deps}`);
      props.push(`prompt: ${text(s.string('prompt') ?? '')}`);
      if (extras.labels) props.push(`labels: ${literal(extras.labels, '      ')}`);
      declared.add(item);
      this.imports.add('Task');
      return this.statement(item, 'Task', props, spread);
    });
    const sp = spawners.map((item, j) => {
      const s = item.spec;
      const t = s.child('taskTemplate');
      this.metadataExtras(item, false);
      const props = [...this.header(item), ...own(tasks.length + j)];
      props.push(`when: ${this.when(s.child('when'), item)}`);
      const branch = t.string('branch');
      if (branch !== undefined) props.push(`branch: ${text(branch)}`);
      const prompt = t.string('promptTemplate');
      if (prompt !== undefined) props.push(`promptTemplate: ${text(prompt)}`);
      const deps = this.dependsOn(t.take('dependsOn'), item, declared);
      if (deps) props.push(`dependsOn: ${deps}`);
      const md = t.child('metadata');
      const labels = md.take<Record<string, string>>('labels');
      if (labels && Object.keys(labels).length) props.push(`taskLabels: ${literal(labels, '      ')}`);
      const annotations = md.take<Record<string, string>>('annotations');
      if (annotations && Object.keys(annotations).length) props.push(`taskAnnotations: ${literal(annotations, '      ')}`);
      const contextSources = this.contextSources(t);
      if (contextSources) props.push(`contextSources: ${contextSources}`);
      const poll = s.string('pollInterval');
      if (poll !== undefined) {
        const secs = goDurationSeconds(poll);
        if (secs === undefined) this.note(item, `spec.pollInterval "${poll}" is not a duration: not imported`);
        else {
          this.cdk8s.add('Duration');
          props.push(`pollInterval: ${durationCode(secs)}`);
        }
      }
      for (const f of ['maxConcurrency', 'maxTotalTasks', 'suspend'] as const) {
        const v = s.take(f);
        if (v !== undefined) props.push(`${f}: ${literal(v)}`);
      }
      this.imports.add('Spawner');
      return this.statement(item, 'Spawner', props, spread);
    });

    const blocks: string[] = [];
    if (this.pre.length) blocks.push(this.pre.join('\n    '));
    if (ws.length) blocks.push(ws.join('\n    '));
    if (ag.length) blocks.push(ag.join('\n\n    '));
    if (common.size) {
      this.imports.add('type TaskTemplateProps');
      const body = [...common].map(([k, v]) => `      ${prop(k, v)},`).join('\n');
      blocks.push(`// What the Tasks and Spawners below share.\n    const common: TaskTemplateProps = {\n${body}\n    };`);
    }
    if (ts.length) blocks.push(ts.join('\n\n    '));
    if (sp.length) blocks.push(sp.join('\n\n    '));
    return blocks.join('\n\n    ');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field of unchecked input: undefined unless `v` is an object. */
function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

function itemOf(so: SourceObject, notes: ImportNote[]): Item | undefined {
  const o = so.object;
  const label = `${field(o, 'kind') ?? '?'}/${field(field(o, 'metadata'), 'name') ?? field(field(o, 'metadata'), 'generateName') ?? '?'}`;
  const note = (message: string) => notes.push({ source: so.source, object: label, message });
  if (!isRecord(o) || typeof o.kind !== 'string') {
    note('not a Kubernetes object: skipped');
    return undefined;
  }
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    const keys = Object.keys({ ...(o.data ?? {}), ...(o.stringData ?? {}) });
    note(
      `Secrets are referenced by name, never copied: create it in the cluster${keys.length ? ` (keys ${keys.join(', ')})` : ''}, its values were not imported`,
    );
    return undefined;
  }
  if (typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith(`${GROUP}/`) || !isKelosKind(o.kind)) {
    note(`${o.apiVersion ?? '?'} ${o.kind} is not a kelos.dev kind: not imported`);
    return undefined;
  }
  if (o.apiVersion !== API_VERSION) {
    note(`apiVersion ${o.apiVersion} is not ${API_VERSION}: not imported`);
    return undefined;
  }
  for (const issue of validateObject(o)) note(`invalid in the input: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
  const root = Reader.of(o, '');
  root.skip('apiVersion', 'kind', 'status');
  const meta = root.child('metadata');
  meta.skip(...SERVER_METADATA);
  const name = meta.string('name');
  const generateName = name === undefined ? meta.string('generateName') : undefined;
  if (name !== undefined) meta.skip('generateName');
  const namespace = meta.string('namespace');
  const objName = name ?? generateName ?? '';
  return {
    source: so.source,
    kind: o.kind,
    name: objName,
    generateName: name === undefined && generateName !== undefined,
    ...(namespace ? { namespace } : {}),
    root,
    meta,
    spec: root.child('spec'),
    label: `${o.kind}/${objName}`,
    id: objName,
    variable: '',
    after: [],
  };
}

/** Turns Kelos manifests into a TypeScript pipeline file. */
export function importManifests(objects: readonly SourceObject[], options: ImportOptions = {}): ImportResult {
  const notes: ImportNote[] = [];
  const items: Item[] = [];
  for (const so of objects) {
    const item = itemOf(so, notes);
    if (!item) continue;
    const dup = items.find((i) => i.kind === item.kind && i.name === item.name && i.namespace === item.namespace && !i.generateName);
    if (dup && !item.generateName) {
      const same = (i: Item) => canonical({ spec: i.spec.value, labels: i.meta.value.labels, annotations: i.meta.value.annotations });
      // The same object in several files (Kelos examples repeat their Workspace) is one object.
      if (same(dup) !== same(item))
        notes.push({ source: item.source, object: item.label, message: `differs from the one in ${dup.source}, which was imported instead` });
      continue;
    }
    items.push(item);
  }

  const namespaces = [...new Set(items.map((i) => i.namespace ?? ''))].sort();
  const charts: ImportedChart[] = [];
  const classes: string[] = [];
  const kelosImports = new Set<string>();
  const cdk8sImports = new Set<string>();
  const usedClasses = new Set<string>();
  for (const ns of namespaces) {
    const chartItems = items.filter((i) => (i.namespace ?? '') === ns);
    // Construct ids: the object name, unless two kinds share it.
    for (const i of chartItems) {
      const shared = chartItems.filter((j) => j.name === i.name).length > 1;
      const base = i.generateName ? i.name.replace(/-+$/, '') || 'task' : i.name;
      i.id = shared ? `${base}-${i.kind.toLowerCase()}` : base;
      if (i.id !== i.name) i.nameProp = i.name;
    }
    const builder = new ChartBuilder(ns || undefined, chartItems, notes);
    const kindSuffix: Record<KelosKind, string> = { Workspace: 'Workspace', AgentConfig: 'Agent', Task: 'Task', TaskSpawner: 'Spawner' };
    for (const i of chartItems) i.variable = builder.uniqueVar(identifier(i.id), kindSuffix[i.kind]);
    const body = builder.build();
    for (const i of chartItems) {
      for (const path of i.root.leftovers())
        notes.push({ source: i.source, object: i.label, message: `${path} is not supported by the constructs: not imported` });
    }
    let className = namespaces.length === 1 && options.className ? options.className : ns ? pascal(ns) : (options.className ?? 'Imported');
    while (usedClasses.has(className)) className = `${className}Chart`;
    usedClasses.add(className);
    const id = ns || 'imported';
    charts.push({ className, id, ...(ns ? { namespace: ns } : {}) });
    builder.imports.forEach((x) => kelosImports.add(x));
    builder.cdk8s.forEach((x) => cdk8sImports.add(x));
    const superCall = ns ? `super(scope, id, { namespace: ${str(ns)}, ...props });` : 'super(scope, id, props);';
    classes.push(
      `/** ${ns ? `Namespace ${ns}` : 'Objects without a namespace'}: ${describeCounts(chartItems)}. */\n` +
        `export class ${className} extends Chart {\n  constructor(scope: Construct, id: string, props: ChartProps = {}) {\n    ${superCall}\n` +
        (body ? `\n    ${body}\n` : '') +
        `  }\n}\n`,
    );
  }

  if (options.main) kelosImports.add('KelosApp');
  const sortImports = (xs: Set<string>) => [...xs].sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
  const from = options.from ?? 'kelos';
  const sources = [...new Set(objects.map((o) => o.source.replace(/#.*$/, '')))];
  const origin = options.origin ?? (sources.length > 3 ? `${sources.length} files` : sources.join(', '));
  let codeText =
    `// Generated by \`kelos import\` from ${origin}.\n` +
    `// This file is now the source of these objects: edit it, then \`kelos synth\`.\n` +
    `import { ${sortImports(cdk8sImports).join(', ')} } from 'cdk8s';\n` +
    `import type { Construct } from 'constructs';\n` +
    (kelosImports.size ? `import { ${sortImports(kelosImports).join(', ')} } from ${str(from)};\n` : '') +
    `\n${classes.join('\n')}`;
  if (options.main) {
    codeText += `\nconst app = new KelosApp();\n${charts.map((c) => `new ${c.className}(app, ${str(c.id)});`).join('\n')}\napp.synth();\n`;
  }
  return { code: codeText, notes, charts, imported: items.length };
}

function describeCounts(items: Item[]): string {
  const parts = KELOS_KINDS.map((k) => [k, items.filter((i) => i.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`);
  return parts.join(', ') || 'no objects';
}
