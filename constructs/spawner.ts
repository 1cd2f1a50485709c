import { ApiObject, type Duration } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { Annotation, Kind, Label } from '../lib/api/constants.js';
import { branchProblem, TASK_SPAWNER_NAME_MAX_LENGTH } from '../lib/api/object-checks.js';
import { DEFAULT_PROMPT_TEMPLATE, isWebhookSpawner, type TaskSpawnerSpec, WORKSPACE_SOURCES } from '../lib/api/task-spawner.js';
import { spawnerTemplateScope } from '../lib/api/template-check.js';
import { DEFAULT_KELOS_IMAGE } from '../lib/render/images.js';
import { type SpawnerWorkload, spawnerWorkload } from '../lib/render/spawner-workload.js';
import { checkProps, type KnownProps } from './_props.js';
import { checkContextSources, checkTemplateProps, renderContextSources, renderTemplateFields, TASK_TEMPLATE_PROPS } from './_task-template.js';
import { checkDependencies, checkTemplateFields } from './_template.js';
import { ARGOCD_SYNC_WAVE, checkInteger, goDuration, kelosResource, namespaceOf, objectName, PropError, SyncWave, show } from './_util.js';
import type { ContextSourceProps, HttpContextSourceProps } from './context-source.js';
import type { ITask } from './task.js';
import type { TaskTemplateProps } from './task-template.js';
import { WebhookServer } from './webhook-server.js';
import { When } from './when.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const SPAWNER_PROPS: KnownProps<SpawnerProps> = {
  ...TASK_TEMPLATE_PROPS,
  name: true,
  when: true,
  promptTemplate: true,
  branch: true,
  dependsOn: true,
  taskLabels: true,
  taskAnnotations: true,
  pollInterval: true,
  maxConcurrency: true,
  maxTotalTasks: true,
  suspend: true,
  spawnerImage: true,
  githubApiBaseUrl: true,
  contextSources: true,
};
const CONTEXT_SOURCE_PROPS: KnownProps<ContextSourceProps> = { name: true, http: true, failurePolicy: true };
const HTTP_CONTEXT_SOURCE_PROPS: KnownProps<HttpContextSourceProps> = {
  url: true,
  method: true,
  headers: true,
  headersFrom: true,
  body: true,
  responseFilter: true,
  allowInsecure: true,
  timeout: true,
  maxResponseBytes: true,
};

/** A Spawner (TaskSpawner) defined here or elsewhere. */
export interface ISpawner extends IConstruct {
  /** The TaskSpawner object's name. */
  readonly spawnerName: string;
}

/** The context key an app sets to choose the runtime image of every spawner. */
export const KELOS_IMAGE_CONTEXT = 'kelos:image';

export interface SpawnerProps extends TaskTemplateProps {
  /** Object name. @default - the construct id */
  readonly name?: string;
  /** What creates Tasks: GitHub issues or pull requests, a cron schedule, Jira, or GitHub, Linear, Slack or other webhook deliveries. */
  readonly when: When;
  /**
   * Data fetched for each work item (or webhook delivery) before its Task is created (at most 8),
   * available to `promptTemplate`, `branch` and Task metadata as `{{.Context.<name>}}`.
   * The spawner (for a webhook source, the webhook server) may read the Secrets their `headersFrom` name.
   * @default - none
   */
  readonly contextSources?: readonly ContextSourceProps[];
  /**
   * Go text/template for each Task's prompt, over the item's variables
   * (`{{.Number}}`, `{{.Title}}`, `{{.Body}}`, `{{.Comments}}`, …).
   * @default "{{.Title}}"
   */
  readonly promptTemplate?: string;
  /** Go text/template for each Task's branch, e.g. `kelos-task-{{.Number}}`. @default - the workspace ref */
  readonly branch?: string;
  /** Tasks every spawned Task waits for. @default - none */
  readonly dependsOn?: readonly ITask[];
  /** Labels of spawned Tasks; values are templates. @default - only kelos.dev/taskspawner */
  readonly taskLabels?: Readonly<Record<string, string>>;
  /** Annotations of spawned Tasks; values are templates. @default - only the source annotations */
  readonly taskAnnotations?: Readonly<Record<string, string>>;
  /** Poll interval for all sources (a source's own pollInterval wins). @default - 5 minutes */
  readonly pollInterval?: Duration;
  /** Max non-terminal Tasks at once; 0 is unlimited. @default - unlimited */
  readonly maxConcurrency?: number;
  /** Max Tasks over the spawner's lifetime; 0 is unlimited. @default - unlimited */
  readonly maxTotalTasks?: number;
  /** Stop creating Tasks (running ones continue). @default false */
  readonly suspend?: boolean;
  /** Runtime image of the spawner pod. @default - the `kelos:image` context value, else the kelos image of this version */
  readonly spawnerImage?: string;
  /** GitHub API base URL for GitHub Enterprise. @default - derived from the workspace repository host */
  readonly githubApiBaseUrl?: string;
}

/**
 * A trigger and a Task template: renders a kelos.dev `TaskSpawner` and the
 * workload that runs it — a Deployment for polling sources, a CronJob for
 * cron — with least-privilege RBAC. A webhook source (githubWebhook,
 * linearWebhook, webhook, slack) renders the TaskSpawner alone and enables its
 * route on the chart's WebhookServer (made with defaults when there is none):
 * its events are delivered there, nothing polls.
 */
export class Spawner extends Construct implements ISpawner {
  /** A TaskSpawner that exists already (applied elsewhere). */
  public static fromName(scope: Construct, id: string, name: string): ISpawner {
    return new ImportedSpawner(scope, id, name);
  }

  public readonly spawnerName: string;
  public readonly namespace: string;
  /** The workload objects, for inspection; undefined for a webhook source. */
  public readonly workload?: SpawnerWorkload;
  private readonly props: SpawnerProps;

  constructor(scope: Construct, id: string, props: SpawnerProps) {
    super(scope, id);
    checkProps(this, 'Spawner', props, SPAWNER_PROPS);
    this.spawnerName = objectName(this, id, props.name);
    if (this.spawnerName.length > TASK_SPAWNER_NAME_MAX_LENGTH) {
      throw new PropError(
        this,
        props.name === undefined ? 'id' : 'name',
        `must be at most ${TASK_SPAWNER_NAME_MAX_LENGTH} characters (it is the ${Label.TASK_SPAWNER} label of every Task it spawns), got ${show(this.spawnerName)}`,
      );
    }
    this.namespace = namespaceOf(this);
    this.props = props;
    if (!(props.when instanceof When)) {
      throw new PropError(this, 'when', `must be a source such as When.githubIssues() or When.cron('@daily'), got ${show(props.when)}`);
    }
    checkTemplateProps(this, props);
    props.when._check(this);
    checkInteger(this, 'maxConcurrency', props.maxConcurrency, 0);
    checkInteger(this, 'maxTotalTasks', props.maxTotalTasks, 0);
    if (props.pollInterval && props.pollInterval.toSeconds() < 1) {
      throw new PropError(this, 'pollInterval', `must be at least 1 second, got ${props.pollInterval.toSeconds()}s`);
    }
    if ((WORKSPACE_SOURCES as readonly string[]).includes(props.when.source) && !props.workspace) {
      throw new PropError(this, 'workspace', `is required when using the ${props.when.source} source`);
    }
    if (props.taskLabels && 'kelos.dev/taskspawner' in props.taskLabels) {
      throw new PropError(this, 'taskLabels', 'must not set kelos.dev/taskspawner: the spawner sets it');
    }
    (props.contextSources ?? []).forEach((c, i) => {
      const at = `contextSources[${c?.name ?? i}]`;
      checkProps(this, 'a context source', c, CONTEXT_SOURCE_PROPS, `${at}.`);
      checkProps(this, 'an HTTP context source', c?.http, HTTP_CONTEXT_SOURCE_PROPS, `${at}.http.`);
    });
    checkContextSources(this, props.contextSources);
    const dependsOn = checkDependencies(this, props.dependsOn ?? []);
    const contextSources = (props.contextSources ?? []).map((c) => c.name);
    const fieldMapping = props.when.source === 'webhook' ? Object.keys((props.when._toKube().webhook?.fieldMapping ?? {}) as object) : [];
    const data = (prompt: boolean, context = true) =>
      spawnerTemplateScope(props.when.source, { prompt, dependsOn, fieldMapping, ...(context ? { contextSources } : {}) });
    checkTemplateFields(this, 'promptTemplate', props.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE, data(true));
    checkTemplateFields(this, 'branch', props.branch, data(false));
    const branchIssue = props.branch === undefined ? undefined : branchProblem(props.branch);
    if (branchIssue) throw new PropError(this, 'branch', `must give a valid git branch name: ${branchIssue}`);
    for (const [field, map] of [
      ['taskLabels', props.taskLabels],
      ['taskAnnotations', props.taskAnnotations],
    ] as const) {
      for (const [k, v] of Object.entries(map ?? {})) checkTemplateFields(this, `${field}[${k}]`, v, data(false));
    }
    // A context source's own templates are rendered over the item, before any context exists.
    for (const c of props.contextSources ?? []) {
      const at = `contextSources[${c.name}].http`;
      checkTemplateFields(this, `${at}.url`, c.http.url, data(false, false));
      checkTemplateFields(this, `${at}.body`, c.http.body, data(false, false));
      for (const [k, v] of Object.entries(c.http.headers ?? {})) checkTemplateFields(this, `${at}.headers[${k}]`, v, data(false, false));
    }

    // The compiler owns the workload, none for a webhook source: the controller must not add a poller.
    kelosResource(this, Kind.TASK_SPAWNER, this.spawnerName, () => this._toKube(), {
      annotations: { [Annotation.WORKLOAD_COMPILED]: 'true' },
    });
    const when = props.when._toKube();
    const contextSecrets = (props.contextSources ?? []).flatMap((c) => (c.http.headersFrom ?? []).map((h) => h.secretName));
    if (isWebhookSpawner({ when })) {
      const r = when.githubWebhook?.reporting;
      let reporting: { workspace: string; secret: string } | undefined;
      if (r && (r.enabled === true || r.checks !== undefined)) {
        // The webhook server reports with the Workspace's token: its Role names that Secret.
        if (!props.workspace?.secretName)
          throw new PropError(this, 'workspace', 'needs a secret (a GitHub token or App) when githubWebhook reporting is on: reports are made with it');
        reporting = { workspace: props.workspace.workspaceName, secret: props.workspace.secretName };
      }
      WebhookServer.of(this)._addSource(props.when.source, when.webhook?.source, contextSecrets, reporting);
      return;
    }

    this.workload = spawnerWorkload(
      { metadata: { name: this.spawnerName, namespace: this.namespace }, spec: this._toKube() },
      {
        image: props.spawnerImage ?? this.node.tryGetContext(KELOS_IMAGE_CONTEXT) ?? DEFAULT_KELOS_IMAGE,
        secretNames: [...(props.workspace?.secretName ? [props.workspace.secretName] : []), ...props.when.secretNames, ...contextSecrets],
        githubApiBaseUrl: props.githubApiBaseUrl,
      },
    );
    const w = this.workload;
    for (const [cid, obj] of [
      ['ServiceAccount', w.serviceAccount],
      ['Role', w.role],
      ['RoleBinding', w.roleBinding],
      ['Deployment', w.deployment],
      ['CronJob', w.cronJob],
    ] as const) {
      if (!obj) continue;
      const o = structuredClone(obj) as any;
      o.metadata.annotations = { ...o.metadata.annotations, [ARGOCD_SYNC_WAVE]: SyncWave.WORKLOADS };
      new ApiObject(this, cid, o);
    }
  }

  /** @internal */
  public _toKube(): TaskSpawnerSpec {
    const p = this.props;
    const metadata =
      p.taskLabels || p.taskAnnotations
        ? { labels: p.taskLabels ? { ...p.taskLabels } : undefined, annotations: p.taskAnnotations ? { ...p.taskAnnotations } : undefined }
        : undefined;
    return {
      when: p.when._toKube(),
      taskTemplate: {
        ...renderTemplateFields(p),
        dependsOn: p.dependsOn?.length ? p.dependsOn.map((t) => t.taskName) : undefined,
        branch: p.branch,
        promptTemplate: p.promptTemplate,
        metadata,
        contextSources: renderContextSources(p.contextSources),
      },
      pollInterval: p.pollInterval ? goDuration(p.pollInterval) : undefined,
      maxConcurrency: p.maxConcurrency,
      maxTotalTasks: p.maxTotalTasks,
      suspend: p.suspend,
    } as TaskSpawnerSpec;
  }
}

class ImportedSpawner extends Construct implements ISpawner {
  constructor(
    scope: Construct,
    id: string,
    public readonly spawnerName: string,
  ) {
    super(scope, id);
  }
}
