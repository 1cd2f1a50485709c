import { type Static, Type } from '@sinclair/typebox';
import { cel, DateTime, Int32, StringMap } from './_schema.js';
import { Kind } from './constants.js';
import type { KindDefinition } from './kind.js';
import {
  AgentConfigReferenceSchema,
  AgentTypeSchema,
  type Condition,
  ConditionsSchema,
  CredentialsSchema,
  type ObjectMeta,
  PodOverridesSchema,
  WorkspaceReferenceSchema,
} from './shared.js';

export const AGENT_CONFIG_REFS_EXCLUSIVE = {
  rule: '!(has(self.agentConfigRef) && has(self.agentConfigRefs))',
  message: 'agentConfigRef and agentConfigRefs are mutually exclusive',
};

/** The fields a Task and a TaskSpawner's taskTemplate share. */
export const taskCommonFields = {
  type: AgentTypeSchema,
  credentials: CredentialsSchema,
  model: Type.Optional(Type.String({ description: 'Model optionally overrides the default model (KELOS_MODEL).' })),
  effort: Type.Optional(
    Type.String({
      description: 'Effort optionally controls how much reasoning effort the agent should use (KELOS_EFFORT). Values are agent-specific.',
    }),
  ),
  image: Type.Optional(
    Type.String({
      description: 'Image optionally overrides the default agent container image. Custom images must implement the agent image interface.',
    }),
  ),
  workspaceRef: Type.Optional(WorkspaceReferenceSchema),
  agentConfigRef: Type.Optional(AgentConfigReferenceSchema),
  agentConfigRefs: Type.Optional(
    Type.Array(AgentConfigReferenceSchema, {
      minItems: 1,
      description: 'AgentConfigRefs references an ordered list of AgentConfig resources, merged in order. Mutually exclusive with agentConfigRef.',
    }),
  ),
  dependsOn: Type.Optional(
    Type.Array(Type.String(), { description: 'DependsOn lists Task names (same namespace) that must succeed before this Task starts.' }),
  ),
  upstreamRepo: Type.Optional(Type.String({ description: 'UpstreamRepo is the upstream repository in "owner/repo" format (KELOS_UPSTREAM_REPO).' })),
  ttlSecondsAfterFinished: Type.Optional(
    Int32({
      minimum: 0,
      description: 'TTLSecondsAfterFinished deletes the Task that many seconds after it finishes (Succeeded or Failed). Unset keeps it.',
    }),
  ),
  podOverrides: Type.Optional(PodOverridesSchema),
};

export const TaskSpecSchema = Type.Object(
  {
    ...taskCommonFields,
    prompt: Type.String({ description: 'Prompt is the task prompt sent to the agent. Rendered with .Deps when dependsOn is set.' }),
    branch: Type.Optional(
      Type.String({
        description: 'Branch is the git branch this Task works on. Only one Task per (workspace, branch) runs at a time.',
      }),
    ),
  },
  { description: 'TaskSpec defines the desired state of Task.', ...cel(AGENT_CONFIG_REFS_EXCLUSIVE) },
);
export type TaskSpec = Static<typeof TaskSpecSchema>;

export const TaskStatusSchema = Type.Object(
  {
    phase: Type.Optional(Type.String({ description: 'Phase is Pending, Running, Succeeded, Failed or Waiting.' })),
    jobName: Type.Optional(Type.String({ description: 'JobName is the name of the Job created for this Task.' })),
    podName: Type.Optional(Type.String({ description: 'PodName is the name of the Pod running the Task.' })),
    startTime: Type.Optional(DateTime('StartTime is when the Task started running.')),
    completionTime: Type.Optional(DateTime('CompletionTime is when the Task completed.')),
    message: Type.Optional(Type.String({ description: 'Message provides additional information about the current status.' })),
    outputs: Type.Optional(Type.Array(Type.String(), { description: 'Outputs are the raw key: value lines the agent reported.' })),
    results: Type.Optional(
      StringMap('Results are the structured key-value outputs (branch, commit, base-branch, pr, cost-usd, input-tokens, output-tokens, ...).'),
    ),
    conditions: Type.Optional(ConditionsSchema()),
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64', description: 'ObservedGeneration is the generation the status was computed from.' })),
  },
  { description: 'TaskStatus defines the observed state of Task.' },
);
export type TaskStatus = Omit<Static<typeof TaskStatusSchema>, 'conditions'> & { conditions?: Condition[] };

export interface Task {
  apiVersion: 'kelos.dev/v1alpha1';
  kind: 'Task';
  metadata: ObjectMeta;
  spec: TaskSpec;
  status?: TaskStatus;
}

export const TaskDefinition: KindDefinition = {
  kind: Kind.TASK,
  plural: 'tasks',
  singular: 'task',
  listKind: 'TaskList',
  description: 'Task is one agent run: an agent type, a prompt, credentials, and optionally a workspace, agent config and branch.',
  spec: TaskSpecSchema,
  specRequired: true,
  specRules: [{ rule: 'self == oldSelf', message: 'Task spec is immutable after creation' }],
  status: TaskStatusSchema,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Branch', type: 'string', jsonPath: '.spec.branch', priority: 1 },
    { name: 'Depends On', type: 'string', jsonPath: '.spec.dependsOn', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
