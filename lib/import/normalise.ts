// Two kelos.dev objects that mean the same thing, made equal: API defaults
// filled in, durations in seconds, empty lists dropped, a one-element
// agentConfigRefs written as agentConfigRef, the annotations the compiler
// adds (for ArgoCD, for the controller) removed, and no namespace written as
// "default", where such objects go. `kelos import` round trips are judged on this form.

import { goDurationSeconds } from '../api/duration.js';
import { DEFAULT_CONTEXT_MAX_RESPONSE_BYTES, DEFAULT_CONTEXT_TIMEOUT_SECONDS, DEFAULT_POLL_INTERVAL, DEFAULT_PROMPT_TEMPLATE } from '../api/task-spawner.js';

const COMPILER_ANNOTATIONS = [
  'argocd.argoproj.io/sync-wave',
  'argocd.argoproj.io/sync-options',
  'kelos.dev/workload-compiled',
  'kelos.dev/declared',
  'kubectl.kubernetes.io/last-applied-configuration',
];

/**
 * Objects whose presence means something even when empty: a Check Run with
 * the default name, a Slack source with no filter, and anything in pod
 * overrides (`emptyDir: {}`).
 */
const KEEP_EMPTY = new Set(['checks', 'slack']);

function prune(v: unknown, keepEmpty = false): unknown {
  if (Array.isArray(v)) return v.length ? v.map((x) => prune(x, keepEmpty)) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const p = prune((v as Record<string, unknown>)[k], keepEmpty || k === 'podOverrides');
      if (k === 'podOverrides' && isObject(p) && Object.keys(p as object).length === 0) continue;
      if (p !== undefined) out[k] = p;
      else if (KEEP_EMPTY.has(k) && isObject((v as Record<string, unknown>)[k])) out[k] = {};
    }
    return Object.keys(out).length || keepEmpty ? out : undefined;
  }
  return v === null ? undefined : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object itself (to be changed in place), or a new empty one when it is not an object. */
const record = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});

const seconds = (v: unknown) => (typeof v === 'string' ? (goDurationSeconds(v) ?? v) : v);

function template(t: Record<string, unknown>): void {
  if (Array.isArray(t.agentConfigRefs) && t.agentConfigRefs.length === 1 && !t.agentConfigRef) {
    t.agentConfigRef = t.agentConfigRefs[0];
    delete t.agentConfigRefs;
  }
}

/** The comparable form of a kelos.dev object: the fields of the input, unchecked. */
export interface NormalisedObject {
  readonly apiVersion: string;
  readonly kind?: unknown;
  readonly metadata?: {
    readonly name?: unknown;
    readonly generateName?: unknown;
    readonly namespace?: unknown;
    readonly labels?: unknown;
    readonly annotations?: Record<string, unknown>;
  };
  readonly spec?: Record<string, unknown>;
}

/** The comparable form of a kelos.dev object (other kinds: undefined). */
export function normaliseObject(obj: unknown): NormalisedObject | undefined {
  if (!isObject(obj) || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('kelos.dev/')) return undefined;
  const o = structuredClone({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata ?? {}, spec: obj.spec ?? {} });
  const m = record(o.metadata);
  const annotations: Record<string, unknown> = { ...record(m.annotations) };
  for (const a of COMPILER_ANNOTATIONS) delete annotations[a];
  o.metadata = {
    name: m.name,
    generateName: m.name ? undefined : m.generateName,
    namespace: m.namespace ?? 'default',
    labels: m.labels,
    annotations,
  };
  const s = record(o.spec);
  if (o.kind === 'Task') template(s);
  if (o.kind === 'TaskSpawner') {
    s.pollInterval = seconds(s.pollInterval ?? DEFAULT_POLL_INTERVAL);
    s.suspend = s.suspend ?? false;
    const t = record((s.taskTemplate ??= {}));
    template(t);
    t.promptTemplate = t.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
    for (const item of Array.isArray(t.contextSources) ? (t.contextSources as unknown[]) : []) {
      const c = record(item);
      c.failurePolicy ??= 'Fail';
      const http = c.http;
      if (isObject(http)) {
        http.method ??= 'GET';
        http.timeoutSeconds ??= DEFAULT_CONTEXT_TIMEOUT_SECONDS;
        http.maxResponseBytes ??= DEFAULT_CONTEXT_MAX_RESPONSE_BYTES;
      }
    }
    const w = record(s.when);
    for (const src of ['githubIssues', 'githubPullRequests', 'jira'] as const) {
      const x = w[src];
      if (isObject(x) && x.pollInterval !== undefined) x.pollInterval = seconds(x.pollInterval);
    }
    const issues = w.githubIssues;
    if (isObject(issues)) {
      issues.state ??= 'open';
      issues.types ??= ['issues'];
    }
    const pulls = w.githubPullRequests;
    if (isObject(pulls)) {
      pulls.state ??= 'open';
      pulls.reviewState ??= 'any';
    }
  }
  return prune(o) as NormalisedObject;
}

/** `Kind/namespace/name` → comparable object, for the kelos.dev objects of a list. */
export function normaliseAll(objects: readonly unknown[]): Map<string, NormalisedObject> {
  const out = new Map<string, NormalisedObject>();
  for (const obj of objects) {
    const n = normaliseObject(obj);
    if (!n) continue;
    out.set(`${n.kind}/${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? n.metadata?.generateName}`, n);
  }
  return out;
}
