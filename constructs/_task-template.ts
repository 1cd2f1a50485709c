// Rendering and eager checks of TaskTemplateProps, shared by Task and Spawner.
import type { Construct } from 'constructs';
import { BUILT_IN_INIT_CONTAINERS, MAX_EXTRA_CONTAINERS } from '../lib/api/shared.js';
import {
  CONTEXT_SOURCE_FAILURE_POLICIES,
  CONTEXT_SOURCE_METHODS,
  CONTEXT_SOURCE_NAME_PATTERN,
  type ContextSource,
  MAX_CONTEXT_MAX_RESPONSE_BYTES,
  MAX_CONTEXT_SOURCES,
  MAX_CONTEXT_TIMEOUT_SECONDS,
  RESPONSE_FILTER_TYPES,
} from '../lib/api/task-spawner.js';
import type { KnownProps } from './_props.js';
import { checkTemplate } from './_template.js';
import { checkInteger, checkOneOf, PropError, show } from './_util.js';
import type { ContextSourceProps } from './context-source.js';
import type { PodOverridesProps, TaskTemplateProps } from './task-template.js';

/** The TaskTemplateProps keys, for checkProps. */
export const TASK_TEMPLATE_PROPS: KnownProps<TaskTemplateProps> = {
  type: true,
  credentials: true,
  model: true,
  effort: true,
  image: true,
  workspace: true,
  agents: true,
  upstreamRepo: true,
  ttlAfterFinished: true,
  podOverrides: true,
};

/** The wire fields of TaskTemplateProps, shared by Task.spec and TaskSpawner.spec.taskTemplate. */
export function renderTemplateFields(p: TaskTemplateProps) {
  const agents = p.agents ?? [];
  return {
    type: p.type.name,
    credentials: p.credentials._toKube(),
    model: p.model?.name,
    effort: p.effort,
    image: p.image,
    workspaceRef: p.workspace ? { name: p.workspace.workspaceName } : undefined,
    // One config renders as agentConfigRef, as Kelos manifests write it.
    agentConfigRef: agents.length === 1 ? { name: agents[0].agentConfigName } : undefined,
    agentConfigRefs: agents.length > 1 ? agents.map((a) => ({ name: a.agentConfigName })) : undefined,
    upstreamRepo: p.upstreamRepo,
    ttlSecondsAfterFinished: p.ttlAfterFinished?.toSeconds(),
    podOverrides: p.podOverrides ? structuredClone(p.podOverrides) : undefined,
  };
}

/** Eager checks of TaskTemplateProps, reported with the construct path. */
export function checkTemplateProps(scope: Construct, p: TaskTemplateProps): void {
  if (p.credentials.type !== 'none' && !p.credentials.secret) {
    throw new PropError(scope, 'credentials', `of type ${show(p.credentials.type)} need a secret`);
  }
  if (p.upstreamRepo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(p.upstreamRepo)) {
    throw new PropError(scope, 'upstreamRepo', `must be "owner/repo", got ${show(p.upstreamRepo)}`);
  }
  if (p.effort !== undefined && p.effort.trim() === '') throw new PropError(scope, 'effort', 'must not be empty');
  const names = (p.agents ?? []).map((a) => a.agentConfigName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new PropError(scope, 'agents', `lists ${show(dup)} twice`);
  if (p.ttlAfterFinished) checkInteger(scope, 'ttlAfterFinished', p.ttlAfterFinished.toSeconds(), 0);
  const o = p.podOverrides;
  if (o) {
    checkInteger(scope, 'podOverrides.activeDeadlineSeconds', o.activeDeadlineSeconds, 1, Number.MAX_SAFE_INTEGER);
    for (const v of o.volumes ?? []) {
      if (v.name === 'workspace' || v.name.startsWith('kelos-')) {
        throw new PropError(scope, 'podOverrides.volumes', `name must not be 'workspace' or start with 'kelos-', got ${show(v.name)}`);
      }
    }
    checkExtraContainers(scope, o);
  }
}

/** Kelos's name rules for extra (init) containers, and names unique in the pod. */
function checkExtraContainers(scope: Construct, o: PodOverridesProps): void {
  const seen = new Map<string, string>();
  for (const field of ['extraContainers', 'extraInitContainers'] as const) {
    const list = o[field] ?? [];
    const prop = `podOverrides.${field}`;
    if (list.length > MAX_EXTRA_CONTAINERS) throw new PropError(scope, prop, `must have at most ${MAX_EXTRA_CONTAINERS} containers, got ${list.length}`);
    for (const c of list) {
      const name = c.name ?? '';
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
        throw new PropError(scope, prop, `name must be a DNS-1123 label (a-z, 0-9, '-'; at most 63 characters), got ${show(name)}`);
      }
      if (name.startsWith('kelos-') || (BUILT_IN_INIT_CONTAINERS as readonly string[]).includes(name)) {
        throw new PropError(
          scope,
          prop,
          `name must not start with 'kelos-' or be a built-in init container name (${BUILT_IN_INIT_CONTAINERS.join(', ')}), got ${show(name)}`,
        );
      }
      const other = seen.get(name);
      if (other)
        throw new PropError(
          scope,
          prop,
          `has the name ${show(name)} twice${other === field ? '' : ` (also in podOverrides.${other})`}: container names are unique in a pod`,
        );
      seen.set(name, field);
      if (!c.image) throw new PropError(scope, prop, `container ${show(name)} needs an image`);
    }
  }
}

/** The wire form of a Spawner's contextSources. */
export function renderContextSources(sources: readonly ContextSourceProps[] | undefined): ContextSource[] | undefined {
  if (!sources?.length) return undefined;
  return sources.map((c) => {
    const { timeout, ...http } = c.http;
    return {
      name: c.name,
      http: { ...structuredClone(http), timeoutSeconds: timeout?.toSeconds() } as ContextSource['http'],
      failurePolicy: c.failurePolicy,
    };
  });
}

/** Eager checks of a Spawner's contextSources. */
export function checkContextSources(scope: Construct, sources: readonly ContextSourceProps[] | undefined): void {
  if (!sources) return;
  if (sources.length > MAX_CONTEXT_SOURCES)
    throw new PropError(scope, 'contextSources', `must have at most ${MAX_CONTEXT_SOURCES} entries, got ${sources.length}`);
  const names = new Set<string>();
  for (const c of sources) {
    if (!new RegExp(CONTEXT_SOURCE_NAME_PATTERN).test(c.name) || c.name.length > 64) {
      throw new PropError(
        scope,
        'contextSources',
        `name must be a letter then letters, digits or '_' (at most 64 characters: it is {{.Context.<name>}}), got ${show(c.name)}`,
      );
    }
    if (names.has(c.name)) throw new PropError(scope, 'contextSources', `has the name ${show(c.name)} twice`);
    names.add(c.name);
    const prop = `contextSources[${c.name}]`;
    checkOneOf(scope, `${prop}.failurePolicy`, c.failurePolicy, CONTEXT_SOURCE_FAILURE_POLICIES);
    const h = c.http;
    if (!h) throw new PropError(scope, `${prop}.http`, 'is required');
    if (!h.url?.trim()) throw new PropError(scope, `${prop}.http.url`, 'must not be empty');
    // A literal scheme can be checked now; a templated one only when fetched.
    if (/^http:\/\//i.test(h.url) && !h.allowInsecure)
      throw new PropError(scope, `${prop}.http.url`, `must be https unless allowInsecure is set, got ${show(h.url)}`);
    if (!/^(https?:\/\/|\{\{)/i.test(h.url)) throw new PropError(scope, `${prop}.http.url`, `must be an http(s) URL, got ${show(h.url)}`);
    checkTemplate(scope, `${prop}.http.url`, h.url);
    checkOneOf(scope, `${prop}.http.method`, h.method, CONTEXT_SOURCE_METHODS);
    if (h.body !== undefined && (h.method ?? 'GET') !== 'POST') throw new PropError(scope, `${prop}.http.body`, 'is sent only with method "POST"');
    checkTemplate(scope, `${prop}.http.body`, h.body);
    for (const [k, v] of Object.entries(h.headers ?? {})) checkTemplate(scope, `${prop}.http.headers.${k}`, v);
    if ((h.headersFrom?.length ?? 0) > 16) throw new PropError(scope, `${prop}.http.headersFrom`, `must have at most 16 entries, got ${h.headersFrom!.length}`);
    for (const f of h.headersFrom ?? []) {
      if (!f.header || !f.secretName || !f.secretKey)
        throw new PropError(scope, `${prop}.http.headersFrom`, `entries need header, secretName and secretKey, got ${show(JSON.stringify(f))}`);
    }
    if (h.responseFilter) {
      checkOneOf(scope, `${prop}.http.responseFilter.type`, h.responseFilter.type, RESPONSE_FILTER_TYPES);
      if (!h.responseFilter.expression?.trim()) throw new PropError(scope, `${prop}.http.responseFilter.expression`, 'must not be empty');
    }
    if (h.timeout) checkInteger(scope, `${prop}.http.timeout`, h.timeout.toSeconds(), 1, MAX_CONTEXT_TIMEOUT_SECONDS);
    checkInteger(scope, `${prop}.http.maxResponseBytes`, h.maxResponseBytes, 1, MAX_CONTEXT_MAX_RESPONSE_BYTES);
  }
}
