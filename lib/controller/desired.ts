import type { CoreV1Event, V1ConfigMap, V1Job, V1JobCondition, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { AgentConfig, AgentConfigSpec } from '../api/agent-config.js';
import { Annotation, ConditionType, FINALIZER, Label, Reason, TaskPhase } from '../api/constants.js';
import { parseOutputs } from '../api/outputs.js';
import type { Condition } from '../api/shared.js';
import type { Task, TaskStatus } from '../api/task.js';
import { isDeleting, isTerminalPhase, rfc3339, time } from '../api/task-phase.js';
import type { Workspace } from '../api/workspace.js';
import { branchNameProblem, invalidBranchMessage, quoteForMessage } from '../git/ref-format.js';
import { appCredentials } from '../github/credentials.js';
import {
  AgentPod,
  type AgentPodPolicy,
  githubTokenSecret,
  type JobImages,
  mcpSecret,
  mcpSecretNames,
  mcpServersJson,
  mergeAgentConfigs,
  needsAgentPodPolicy,
  pluginConfigMap,
  TaskSpecError,
  taskJob,
} from '../render/job.js';
import { renderDeferred } from '../template/index.js';
import { branchLockState } from './branch-lock.js';
import { dependencyState, promptData } from './dependencies.js';
import { spawnerGateState } from './spawner-gate.js';

/** How long after a Job succeeded the controller keeps trying to read the outputs from the log. */
export const OUTPUTS_RETRY_WINDOW_MS = 30_000;
export const OUTPUTS_RETRY_INTERVAL_MS = 2_000;
/** Re-check of conditions nothing watched will announce (a Secret appearing, an old Job going away). */
export const UNWATCHED_RECHECK_MS = 15_000;
/**
 * How long a Job may fail to start its Pod (FailedCreate from PodSecurity,
 * ResourceQuota or LimitRange; an image that cannot be pulled; a Pod that
 * cannot be scheduled) before the Task fails; the Job is deleted once the failure is recorded.
 */
export const DEFAULT_JOB_START_TIMEOUT_MS = 10 * 60_000;

/** What the reconciler observed about one Task: its informers' view plus what it read on request. */
export interface TaskWorld {
  /** The Tasks of the Task's namespace by name, the Task itself included. */
  readonly tasks: ReadonlyMap<string, Task>;
  /** The Job with the Task's name, if one exists (a Job just created counts even before the cache shows it). */
  readonly job?: V1Job;
  /** Whether the Task of that name (same namespace) has a Job: the branch lock. */
  readonly hasJob: (taskName: string) => boolean;
  /** The Tasks with this branch lock key (branchLockKey), the Task itself included. */
  readonly branchPeers: (lockKey: string) => Iterable<Task>;
  /** The Tasks of this spawner concurrency gate (spawnerGate), the Task itself included. @default - none */
  readonly gatePeers?: (gateKey: string) => Iterable<Task>;
  /**
   * The repository of a Workspace of the namespace (normalised: repoIdentity),
   * so that Workspaces of one repository share branch locks. @default - Workspaces are told apart by name
   */
  readonly repoOf?: (workspaceName: string) => string | undefined;
  /** The Pods of the Job (owned by it). */
  readonly pods: readonly V1Pod[];
  /** The referenced Workspace; undefined when not referenced or not found. */
  readonly workspace?: Workspace;
  /** AgentConfigs of the namespace by name (at least the referenced ones). */
  readonly agentConfigs: ReadonlyMap<string, AgentConfig>;
  /** Decoded data of the Secrets asked for in `needs.secrets`; a missing name was not found. */
  readonly secrets?: ReadonlyMap<string, Record<string, string>>;
  /** Secrets asked for in `needs.secrets` that the controller may not read in this namespace. */
  readonly forbiddenSecrets?: ReadonlySet<string>;
  /** The installation token asked for in `needs.githubAppToken`. */
  readonly githubAppToken?: { readonly token: string } | { readonly error: string };
  /** The Job's FailedCreate Events (the Job controller could not create its Pod). */
  readonly jobEvents?: readonly CoreV1Event[];
  /** What the namespace's operator allowed podOverrides, asked for in `needs.agentPodPolicy`. */
  readonly agentPodPolicy?: AgentPodPolicy;
  /** @default DEFAULT_JOB_START_TIMEOUT_MS */
  readonly jobStartTimeoutMs?: number;
  /** The tail of the agent log asked for in `needs.log`. */
  readonly log?: { readonly text: string } | { readonly error: string };
  readonly images?: JobImages;
}

export interface TaskEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface TaskDecision {
  /** Add or remove the kelos finalizer; undefined leaves it as it is. */
  readonly finalizer?: 'add' | 'remove';
  /** Children to create (Job: only if absent) or apply (ConfigMap, Secret) before the Job. */
  readonly children: {
    readonly job?: V1Job;
    readonly configMap?: V1ConfigMap;
    readonly secret?: V1Secret;
    readonly githubTokenSecret?: V1Secret;
  };
  /** Delete the Task's Job: the Task is being deleted, or its Pod never started. */
  readonly deleteJob?: boolean;
  readonly deleteTask?: boolean;
  /** The whole status; undefined leaves the status alone (a Task being deleted). */
  readonly status?: TaskStatus;
  readonly events: readonly TaskEvent[];
  /** Reconcile again after this many milliseconds even if nothing changes. */
  readonly requeueAfter?: number;
  /**
   * Read these and decide again: Secrets (of MCP servers and the Workspace), a
   * GitHub App installation token, the namespace's agent pod policy, or the agent log.
   */
  readonly needs?: {
    readonly secrets?: readonly string[];
    readonly agentPodPolicy?: true;
    readonly githubAppToken?: { readonly secret: string; readonly repo: string };
    readonly log?: { readonly pod: string; readonly container: string };
  };
}

interface Outcome {
  readonly phase: TaskPhase;
  readonly reason: string;
  readonly message: string;
  readonly jobName?: string;
  readonly podName?: string;
  readonly startTime?: string;
  readonly completionTime?: string;
  readonly outputs?: string[];
  readonly results?: Record<string, string>;
  readonly requeueAfter?: number;
}

/**
 * The pure decision core of the Task reconciler (docs/architecture.md §7): from the
 * Task, what was observed and the time, the children that should exist, the
 * whole status, the events of this transition and when to look again. It
 * never throws for a user error; those become a phase, a reason and a message.
 */
export function desired(task: Task, world: TaskWorld, now: Date): TaskDecision {
  const hasFinalizer = task.metadata.finalizers?.includes(FINALIZER) ?? false;
  if (isDeleting(task)) {
    return {
      children: {},
      events: [],
      // A finished Job is left to the garbage collector (it is owned by the Task); a running one is stopped now.
      ...(hasFinalizer ? { finalizer: 'remove' as const, deleteJob: !!world.job && ownedBy(world.job, task) && !jobFinished(world.job) } : {}),
    };
  }
  const finalizer = hasFinalizer ? {} : { finalizer: 'add' as const };
  const old = task.status ?? {};

  // A finished Task keeps its status: the Job may be gone, the outcome is not.
  if (isTerminalPhase(old.phase)) {
    // A Job whose Pod never started is deleted once the failure is recorded, so a late Pod cannot run;
    // a Task declared in git keeps its status after its TTL, and only its Job is deleted.
    const reason = old.conditions?.find((c) => c.type === ConditionType.SUCCEEDED)?.reason;
    const stop = reason === Reason.JOB_START_TIMEOUT && !!world.job && ownedBy(world.job, task);
    const after = ttl(task, world.job, now);
    return { ...finalizer, children: {}, events: [], status: old, ...after, ...(stop ? { deleteJob: true } : {}) };
  }

  const decided = decide(task, world, now);
  if ('needs' in decided) return { ...finalizer, children: {}, events: [], needs: decided.needs };
  const { outcome, children } = decided;
  const status = buildStatus(task, outcome, now);
  const events = transitionEvents(task, outcome);
  const after = isTerminalPhase(outcome.phase) ? ttl({ ...task, status }, world.job, now) : {};
  const requeueAfter = minDefined(outcome.requeueAfter, after.requeueAfter);
  return {
    ...finalizer,
    children,
    status,
    events,
    ...(after.deleteTask ? { deleteTask: true } : {}),
    ...(after.deleteJob ? { deleteJob: true } : {}),
    ...(requeueAfter !== undefined ? { requeueAfter } : {}),
  };
}

type Decided = { outcome: Outcome; children: TaskDecision['children'] } | { needs: NonNullable<TaskDecision['needs']> };

function decide(task: Task, world: TaskWorld, now: Date): Decided {
  const name = task.metadata.name!;
  const old = task.status ?? {};
  const job = world.job;
  const none = {};
  if (job && !ownedBy(job, task)) {
    return {
      outcome: {
        phase: TaskPhase.WAITING,
        reason: Reason.WAITING_FOR_PREVIOUS_JOB,
        message: `Waiting for Job "${name}" of a previous Task with this name to be deleted`,
        requeueAfter: UNWATCHED_RECHECK_MS,
      },
      children: none,
    };
  }
  if (job) return observeJob(task, job, world, now);
  if (old.jobName) {
    return {
      outcome: {
        phase: TaskPhase.FAILED,
        reason: Reason.JOB_DELETED,
        message: `Job "${old.jobName}" was deleted before the Task finished`,
        jobName: old.jobName,
        completionTime: rfc3339(now),
      },
      children: none,
    };
  }

  const branch = task.spec.branch;
  const problem = branch !== undefined && branch !== '' ? branchNameProblem(branch) : undefined;
  if (problem) return fail(Reason.INVALID_BRANCH, invalidBranchMessage(branch!, problem), now);

  const deps = dependencyState(task, world.tasks);
  switch (deps.state) {
    case 'cycle':
      return fail(Reason.CIRCULAR_DEPENDENCY, `Circular dependency detected: ${deps.path.join(' -> ')}`, now);
    case 'failed':
      return fail(Reason.DEPENDENCY_FAILED, `Dependency "${deps.name}" failed`, now);
    case 'waiting':
      return wait(
        Reason.WAITING_FOR_DEPENDENCIES,
        deps.reason === 'missing'
          ? `Waiting for dependency "${deps.name}" to be created`
          : `Waiting for dependency "${deps.name}"${deps.phase ? ` (${deps.phase})` : ''}`,
      );
  }

  const wsName = task.spec.workspaceRef?.name;
  if (wsName && !world.workspace) return wait(Reason.WAITING_FOR_WORKSPACE, `Waiting for Workspace "${wsName}" to be created`);
  const acNames = task.spec.agentConfigRefs?.map((r) => r.name) ?? (task.spec.agentConfigRef ? [task.spec.agentConfigRef.name] : []);
  const missingAc = acNames.find((n) => !world.agentConfigs.has(n));
  if (missingAc) return wait(Reason.WAITING_FOR_AGENT_CONFIG, `Waiting for AgentConfig "${missingAc}" to be created`);

  const baseRef = world.workspace?.spec.ref;
  if (branch && baseRef && (branch === baseRef || branch === `refs/heads/${baseRef}`)) {
    return fail(Reason.INVALID_BRANCH, `branch ${quoteForMessage(branch)} is the base ref of Workspace "${wsName}"; a Task never works on it`, now);
  }

  const lock = branchLockState(task, world.branchPeers, world.tasks, world.hasJob, world.repoOf);
  if (!lock.free) {
    const how = lock.how === 'running' ? 'locked by' : 'queued behind';
    return wait(Reason.WAITING_FOR_BRANCH, `Waiting for branch "${task.spec.branch}" (${how} ${lock.holder})`);
  }
  const gate = spawnerGateState(task, world.gatePeers ?? (() => []), world.tasks, world.hasJob);
  if (!gate.free)
    return wait(Reason.WAITING_FOR_CONCURRENCY, `Waiting for one of the ${gate.limit} concurrent Tasks of TaskSpawner "${gate.spawner}" (maxConcurrency)`);

  const agentConfig: AgentConfigSpec | undefined = acNames.length ? mergeAgentConfigs(acNames.map((n) => world.agentConfigs.get(n)!.spec)) : undefined;
  const mcpSecrets = mcpSecretNames(agentConfig);
  const wsSecret = world.workspace?.spec.secretRef?.name;
  const secretNames = [...new Set([...mcpSecrets, ...(wsSecret ? [wsSecret] : [])])].sort();
  if (secretNames.length && !world.secrets) return { needs: { secrets: secretNames } };
  const unreadable = mcpSecrets.find((n) => world.forbiddenSecrets?.has(n));
  if (unreadable) {
    return {
      outcome: {
        phase: TaskPhase.WAITING,
        reason: Reason.WAITING_FOR_SECRET,
        message: `Waiting for permission to read Secret "${unreadable}" of an MCP server: an operator grants it with a RoleBinding to the ClusterRole kelos-controller-secrets in namespace ${task.metadata.namespace}`,
        requeueAfter: UNWATCHED_RECHECK_MS,
      },
      children: none,
    };
  }
  const missingSecret = mcpSecrets.find((n) => !world.secrets!.has(n));
  if (missingSecret) {
    return {
      outcome: {
        phase: TaskPhase.WAITING,
        reason: Reason.WAITING_FOR_SECRET,
        message: `Waiting for Secret "${missingSecret}" of an MCP server to be created`,
        requeueAfter: UNWATCHED_RECHECK_MS,
      },
      children: none,
    };
  }

  // A Workspace Secret with GitHub App keys: the Job gets a minted installation token in a Secret of its own.
  let tokenSecret: V1Secret | undefined;
  if (wsSecret && appCredentials(world.secrets?.get(wsSecret))) {
    if (!world.githubAppToken) return { needs: { githubAppToken: { secret: wsSecret, repo: world.workspace!.spec.repo } } };
    if ('error' in world.githubAppToken) {
      return fail(Reason.GITHUB_TOKEN_FAILED, `GitHub App token for Workspace "${wsName}" could not be created: ${world.githubAppToken.error}`, now);
    }
    tokenSecret = githubTokenSecret(task, world.githubAppToken.token);
  }

  // podOverrides names a ServiceAccount or Secrets: only those the namespace's operator allowed.
  if (needsAgentPodPolicy(task.spec.podOverrides) && !world.agentPodPolicy) return { needs: { agentPodPolicy: true } };

  let prompt = task.spec.prompt;
  if (task.spec.dependsOn?.length) {
    const values = task.metadata.annotations?.[Annotation.PROMPT_VALUES];
    // A spawned Task without the annotation was made by a spawner that rendered source text into spec.prompt: never a template.
    const spawnedLiteral = values === undefined && task.metadata.labels?.[Label.TASK_SPAWNER] !== undefined;
    if (!spawnedLiteral) {
      try {
        prompt = renderDeferred(task.spec.prompt, values, promptData(task, world.tasks), {
          name: 'prompt',
          valuesSource: `annotation ${Annotation.PROMPT_VALUES}`,
        });
      } catch (err) {
        return fail(Reason.PROMPT_RENDER_FAILED, `The prompt could not be rendered: ${capMessage(errorText(err))}`, now);
      }
    }
  }

  try {
    const configMap = pluginConfigMap(task, agentConfig);
    const secret = agentConfig?.mcpServers?.length
      ? mcpSecret(
          task,
          mcpServersJson(agentConfig.mcpServers, (n) => world.secrets?.get(n)),
        )
      : undefined;
    const newJob = taskJob({
      task,
      prompt,
      ...(world.workspace ? { workspace: world.workspace.spec } : {}),
      ...(agentConfig ? { agentConfig } : {}),
      ...(world.images ? { images: world.images } : {}),
      ...(tokenSecret ? { githubTokenSecret: tokenSecret.metadata!.name! } : {}),
      ...(world.agentPodPolicy ? { policy: world.agentPodPolicy } : {}),
    });
    return {
      outcome: {
        phase: TaskPhase.PENDING,
        reason: Reason.JOB_CREATED,
        message: `Created Job "${name}"`,
        jobName: name,
      },
      children: {
        job: newJob,
        ...(configMap ? { configMap } : {}),
        ...(secret ? { secret } : {}),
        ...(tokenSecret ? { githubTokenSecret: tokenSecret } : {}),
      },
    };
  } catch (err) {
    if (err instanceof TaskSpecError) return fail(Reason.INVALID_SPEC, err.message, now);
    throw err;
  }
}

function observeJob(task: Task, job: V1Job, world: TaskWorld, now: Date): Decided {
  const old = task.status ?? {};
  const jobName = job.metadata!.name!;
  const pod = newestPod(world.pods);
  const podName = pod?.metadata?.name ?? old.podName;
  const base = { jobName, ...(podName ? { podName } : {}) };
  // podName changes with the phase only (one status write per transition): the Pod that runs, kept across a retry; the newest at the end.
  const keptPodName = old.podName ? { jobName, podName: old.podName } : { jobName };
  const podStart = pod?.status?.startTime as unknown as string | Date | undefined;
  const startTime =
    old.startTime ?? (podStart ? rfc3339(time(podStart)!) : undefined) ?? (job.status?.startTime ? rfc3339(time(job.status.startTime as never)!) : undefined);
  const complete = jobCondition(job, 'Complete');
  const failed = jobCondition(job, 'Failed');

  if (complete || failed) {
    const finishedAt = time(job.status?.completionTime as never) ?? time((complete ?? failed)!.lastTransitionTime as never) ?? now.getTime();
    const completionTime = rfc3339(finishedAt);
    let parsed: ReturnType<typeof parseOutputs>;
    if (pod && world.log === undefined) {
      return { needs: { log: { pod: pod.metadata!.name!, container: AgentPod.AGENT_CONTAINER } } };
    }
    if (world.log && 'text' in world.log) parsed = parseOutputs(world.log.text);
    const outputs = parsed ? { outputs: parsed.lines, results: parsed.results } : {};
    const times = { ...(startTime ? { startTime } : { startTime: completionTime }), completionTime };
    if (complete) {
      const unreadable = !!world.log && 'error' in world.log;
      if (!parsed && unreadable && now.getTime() - finishedAt < OUTPUTS_RETRY_WINDOW_MS) {
        // Dependants render their prompts from the results: finish once the log was read, or could not be for a while.
        return {
          outcome: {
            phase: TaskPhase.RUNNING,
            reason: Reason.JOB_RUNNING,
            message: `Job succeeded; reading outputs from Pod "${pod!.metadata!.name}"`,
            ...base,
            ...(startTime ? { startTime } : {}),
            requeueAfter: OUTPUTS_RETRY_INTERVAL_MS,
          },
          children: {},
        };
      }
      return {
        outcome: {
          phase: TaskPhase.SUCCEEDED,
          reason: Reason.JOB_SUCCEEDED,
          message: parsed ? 'Task completed successfully' : 'Task completed successfully; the agent log held no outputs',
          ...base,
          ...times,
          ...outputs,
        },
        children: {},
      };
    }
    const why = [failed!.reason, failed!.message].filter(Boolean).join(': ');
    const said = agentTerminationMessage(pod);
    return {
      outcome: {
        phase: TaskPhase.FAILED,
        reason: Reason.JOB_FAILED,
        message: `Job failed${why ? `: ${why}` : ''}${said ? `; the agent container said: ${said}` : ''}`,
        ...base,
        ...times,
        ...outputs,
      },
      children: {},
    };
  }

  // A Pod that ran and ended before the Job controller marked the Job finished still counts as running;
  // so does a Task whose retry Pod is starting (it does not go back to Pending).
  const podPhase = pod?.status?.phase;
  const ran = podPhase === 'Running' || podPhase === 'Succeeded' || podPhase === 'Failed';
  const problem = ran ? undefined : startProblem(jobName, pod, world.jobEvents ?? []);
  const wasRunning = old.phase === TaskPhase.RUNNING;
  if (ran || (wasRunning && (!pod || !problem))) {
    const running = wasRunning && old.podName ? keptPodName : base;
    return {
      outcome: {
        phase: TaskPhase.RUNNING,
        reason: Reason.JOB_RUNNING,
        message: `Running in Pod "${running.podName}"`,
        ...running,
        startTime: startTime ?? rfc3339(now),
      },
      children: {},
    };
  }
  if (problem) {
    const limit = world.jobStartTimeoutMs ?? DEFAULT_JOB_START_TIMEOUT_MS;
    const left = (time(job.metadata?.creationTimestamp as never) ?? now.getTime()) + limit - now.getTime();
    if (left <= 0) {
      return {
        outcome: {
          phase: TaskPhase.FAILED,
          reason: Reason.JOB_START_TIMEOUT,
          message: `The Job's Pod did not start within ${Math.round(limit / 1000)}s: ${problem}`,
          ...base,
          completionTime: rfc3339(now),
        },
        children: {},
      };
    }
    return { outcome: { phase: TaskPhase.PENDING, reason: Reason.JOB_NOT_STARTING, message: problem, ...base, requeueAfter: left }, children: {} };
  }
  return {
    outcome: { phase: TaskPhase.PENDING, reason: Reason.JOB_CREATED, message: `Created Job "${jobName}"`, ...keptPodName },
    children: {},
  };
}

/**
 * Why the Job's Pod does not start, if something says so: the Job
 * controller's newest FailedCreate while there is no Pod, else a container
 * waiting for a reason other than creation (an image pull error, a missing
 * Secret key), else the scheduler's reason.
 */
function startProblem(jobName: string, pod: V1Pod | undefined, events: readonly CoreV1Event[]): string | undefined {
  if (!pod) {
    const newest = [...events].sort((a, b) => eventTime(b) - eventTime(a))[0];
    return newest ? `Job "${jobName}" cannot create its Pod: ${newest.message ?? newest.reason}` : undefined;
  }
  const waiting = podWaitingReason(pod);
  return waiting ? `Pod "${pod.metadata?.name}" cannot start: ${waiting}` : undefined;
}

function eventTime(e: CoreV1Event): number {
  return time((e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime) as never) ?? 0;
}

/** What the agent container of `pod` wrote as its termination message (kelos capture: why the run failed), on one line. */
function agentTerminationMessage(pod: V1Pod | undefined): string | undefined {
  const agent = pod?.status?.containerStatuses?.find((c) => c.name === AgentPod.AGENT_CONTAINER);
  // Control characters (C0 and DEL) become spaces.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const message = agent?.state?.terminated?.message?.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return message || undefined;
}

function wait(reason: string, message: string): Decided {
  return { outcome: { phase: TaskPhase.WAITING, reason, message }, children: {} };
}

function fail(reason: string, message: string, now: Date): Decided {
  return { outcome: { phase: TaskPhase.FAILED, reason, message, completionTime: rfc3339(now) }, children: {} };
}

/**
 * The Task failed for a reason found only when its children were written (the
 * apiserver rejected one): the status and events `desired` would have given.
 */
export function rejected(task: Task, reason: string, message: string, now: Date): { status: TaskStatus; events: TaskEvent[] } {
  const outcome: Outcome = { phase: TaskPhase.FAILED, reason, message, completionTime: rfc3339(now) };
  return { status: buildStatus(task, outcome, now), events: transitionEvents(task, outcome) };
}

function buildStatus(task: Task, o: Outcome, now: Date): TaskStatus {
  const old = task.status ?? {};
  const generation = task.metadata.generation;
  const condStatus: Condition['status'] = o.phase === TaskPhase.SUCCEEDED ? 'True' : o.phase === TaskPhase.FAILED ? 'False' : 'Unknown';
  const prev = old.conditions?.find((c) => c.type === ConditionType.SUCCEEDED);
  const condition: Condition = {
    type: ConditionType.SUCCEEDED,
    status: condStatus,
    reason: o.reason,
    message: o.message,
    lastTransitionTime: prev && prev.status === condStatus ? prev.lastTransitionTime : rfc3339(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  const others = (old.conditions ?? []).filter((c) => c.type !== ConditionType.SUCCEEDED);
  return {
    phase: o.phase,
    ...(o.jobName ? { jobName: o.jobName } : {}),
    ...(o.podName ? { podName: o.podName } : {}),
    ...(o.startTime ? { startTime: o.startTime } : {}),
    ...(o.completionTime ? { completionTime: o.completionTime } : {}),
    message: o.message,
    ...(o.outputs ? { outputs: o.outputs } : {}),
    ...(o.results ? { results: o.results } : {}),
    conditions: [...others, condition],
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/**
 * Events of the transitions a user needs to hear of: how the Task ended, and
 * what waits on someone (a Pod that does not start, a Secret missing or not
 * readable). The others (Job created, running, waiting in line) show in the
 * status; each Event is one more write.
 */
function transitionEvents(task: Task, o: Outcome): TaskEvent[] {
  const old = task.status ?? {};
  const oldReason = old.conditions?.find((c) => c.type === ConditionType.SUCCEEDED)?.reason;
  if (old.phase === o.phase && oldReason === o.reason) return [];
  if (o.phase === TaskPhase.SUCCEEDED) return [{ type: 'Normal', reason: o.reason, message: o.message }];
  if (o.phase === TaskPhase.FAILED || o.reason === Reason.JOB_NOT_STARTING || o.reason === Reason.WAITING_FOR_SECRET) {
    return [{ type: 'Warning', reason: o.reason, message: o.message }];
  }
  return [];
}

/**
 * ttlSecondsAfterFinished. A Task declared in git is not deleted: a sync
 * (ArgoCD's selfHeal, a re-apply) would create it again and it would run
 * again. Its Job is deleted instead, and the Task keeps its outcome.
 */
function ttl(task: Task, job: V1Job | undefined, now: Date): { deleteTask?: boolean; deleteJob?: boolean; requeueAfter?: number } {
  const seconds = task.spec.ttlSecondsAfterFinished;
  const done = time(task.status?.completionTime);
  if (seconds === undefined || done === undefined) return {};
  const left = done + seconds * 1000 - now.getTime();
  if (left > 0) return { requeueAfter: left };
  if (!isDeclared(task)) return { deleteTask: true };
  return job && ownedBy(job, task) ? { deleteJob: true } : {};
}

/** ArgoCD's resource tracking: the annotation (its default since v3) and the label (before). */
export const ARGOCD_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';
export const ARGOCD_TRACKING_LABEL = 'app.kubernetes.io/instance';

/** Whether a Task is declared in git: rendered by kelos synth, or applied by ArgoCD. */
export function isDeclared(task: Task): boolean {
  const annotations = task.metadata.annotations ?? {};
  return annotations[Annotation.DECLARED] === 'true' || ARGOCD_TRACKING_ANNOTATION in annotations || ARGOCD_TRACKING_LABEL in (task.metadata.labels ?? {});
}

export function ownedBy(obj: { metadata?: { ownerReferences?: Array<{ uid: string }> } }, task: Task): boolean {
  return obj.metadata?.ownerReferences?.some((r) => r.uid === task.metadata.uid) ?? false;
}

function jobFinished(job: V1Job): boolean {
  return !!(jobCondition(job, 'Complete') ?? jobCondition(job, 'Failed'));
}

function jobCondition(job: V1Job, type: string): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The newest of a Job's Pods (a retry makes a second one). */
export function newestPod(pods: readonly V1Pod[]): V1Pod | undefined {
  let best: V1Pod | undefined;
  for (const p of pods) {
    const t = time(p.metadata?.creationTimestamp as never) ?? 0;
    const bt = best ? (time(best.metadata?.creationTimestamp as never) ?? 0) : -1;
    if (!best || t > bt || (t === bt && (p.metadata?.name ?? '') > (best.metadata?.name ?? ''))) best = p;
  }
  return best;
}

function podWaitingReason(pod: V1Pod): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const w = s.state?.waiting;
    if (w?.reason && w.reason !== 'PodInitializing' && w.reason !== 'ContainerCreating') {
      return `${s.name}: ${w.reason}${w.message ? `: ${w.message}` : ''}`;
    }
  }
  const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return unschedulable?.message ? `${unschedulable.reason ?? 'Unschedulable'}: ${unschedulable.message}` : undefined;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Longest message a render failure puts in status (a template error quotes the template). */
const MAX_RENDER_MESSAGE = 1024;

function capMessage(text: string): string {
  return text.length > MAX_RENDER_MESSAGE ? `${text.slice(0, MAX_RENDER_MESSAGE)}…` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
