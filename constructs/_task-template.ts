// Rendering and eager checks of TaskTemplateProps, shared by Task and Spawner.
import type { Construct } from 'constructs';
import type { TaskTemplateProps } from './task-template.js';
import type { KnownProps } from './_props.js';
import { PropError, checkInteger, show } from './_util.js';

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
  }
}

