import { GROUP, Label } from '../api/constants.js';
import { AgentPodPolicyAnnotation } from '../api/pod-security.js';
import { WEBHOOK_SERVER_NAME } from './webhook-server.js';

// ValidatingAdmissionPolicies of the controller install: the apiserver
// itself refuses what RBAC and the CRD's schema cannot express.

/** A ValidatingAdmissionPolicy or its binding, as rendered. */
export interface AdmissionObject {
  readonly apiVersion: 'admissionregistration.k8s.io/v1';
  readonly kind: 'ValidatingAdmissionPolicy' | 'ValidatingAdmissionPolicyBinding';
  readonly metadata: { name: string; labels?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

export const AGENT_POD_POLICY_NAME = 'kelos-agent-pod-policy';
export const SPAWNER_TASKS_POLICY_NAME = 'kelos-spawner-tasks';

const splitList = (annotation: string) =>
  `'${annotation}' in variables.ann ? variables.ann['${annotation}'].split(',').map(s, s.trim()).filter(s, s != '') : []`;

/** `ok(<name expression>)`: the Secret is allowed in the namespace. */
const ok = (name: string) => `(variables.anySecret || ${name} in variables.secrets)`;

/**
 * podOverrides of a Task or a TaskSpawner's taskTemplate may name a
 * ServiceAccount or Secrets only when the namespace allows them, by the
 * annotations `kelos.dev/agent-service-accounts` and `kelos.dev/agent-secrets`
 * (comma-separated names, `*` for any). Checked when a Task is created and
 * when a TaskSpawner's spec is created or changed (a Task's later updates,
 * such as its finalizer, are not refused because the annotation changed).
 */
export function agentPodPolicy(labels: Record<string, string>): AdmissionObject[] {
  const sa = AgentPodPolicyAnnotation.SERVICE_ACCOUNTS;
  const sec = AgentPodPolicyAnnotation.SECRETS;
  const where = "' + ' for agent pods in namespace ' + namespaceObject.metadata.name + ': an operator allows ";
  const secretRefs = (list: string) => `${list}.filter(e, has(e.valueFrom) && has(e.valueFrom.secretKeyRef)).map(e, e.valueFrom.secretKeyRef.name)`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: AGENT_POD_POLICY_NAME, labels: { ...labels } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['tasks', 'taskspawners'] }],
        },
        matchConditions: [{ name: 'spec-is-new', expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" }],
        variables: [
          {
            name: 'po',
            expression:
              "object.kind == 'Task' ? (has(object.spec.podOverrides) ? object.spec.podOverrides : {}) : " +
              '(has(object.spec.taskTemplate) && has(object.spec.taskTemplate.podOverrides) ? object.spec.taskTemplate.podOverrides : {})',
          },
          { name: 'ann', expression: 'has(namespaceObject.metadata.annotations) ? namespaceObject.metadata.annotations : {}' },
          { name: 'serviceAccounts', expression: splitList(sa) },
          { name: 'secrets', expression: splitList(sec) },
          { name: 'anySecret', expression: "'*' in variables.secrets" },
          { name: 'serviceAccount', expression: "has(variables.po.serviceAccountName) ? variables.po.serviceAccountName : ''" },
          {
            name: 'containers',
            expression:
              '(has(variables.po.extraInitContainers) ? variables.po.extraInitContainers : []) + (has(variables.po.extraContainers) ? variables.po.extraContainers : [])',
          },
          { name: 'volumes', expression: 'has(variables.po.volumes) ? variables.po.volumes : []' },
          {
            name: 'named',
            expression: [
              `(has(variables.po.env) ? ${secretRefs('variables.po.env')} : [])`,
              `variables.containers.map(c, has(c.env) ? ${secretRefs('c.env')} : []).flatten()`,
              'variables.containers.map(c, has(c.envFrom) ? c.envFrom.filter(e, has(e.secretRef)).map(e, e.secretRef.name) : []).flatten()',
              'variables.volumes.filter(v, has(v.secret) && has(v.secret.secretName)).map(v, v.secret.secretName)',
              'variables.volumes.map(v, has(v.projected) && has(v.projected.sources) ? v.projected.sources.filter(s, has(s.secret)).map(s, s.secret.name) : []).flatten()',
              'variables.volumes.filter(v, has(v.csi) && has(v.csi.nodePublishSecretRef)).map(v, v.csi.nodePublishSecretRef.name)',
              'variables.volumes.filter(v, has(v.azureFile)).map(v, v.azureFile.secretName)',
              ...['cephfs', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos'].map(
                (d) => `variables.volumes.filter(v, has(v.${d}) && has(v.${d}.secretRef)).map(v, v.${d}.secretRef.name)`,
              ),
            ].join(' + '),
          },
          { name: 'refused', expression: `variables.named.filter(n, !${ok('n')})` },
          {
            // The spawner (or, for a webhook spawner, the webhook server) sends these as request headers: the same allowance as agent pods' Secrets.
            name: 'contextSecrets',
            expression:
              "object.kind == 'TaskSpawner' && has(object.spec.taskTemplate) && has(object.spec.taskTemplate.contextSources) ? " +
              'object.spec.taskTemplate.contextSources.map(c, has(c.http) && has(c.http.headersFrom) ? c.http.headersFrom.map(h, h.secretName) : []).flatten() : []',
          },
          { name: 'contextRefused', expression: `variables.contextSecrets.filter(n, !${ok('n')})` },
        ],
        validations: [
          {
            expression: "variables.serviceAccount == '' || '*' in variables.serviceAccounts || variables.serviceAccount in variables.serviceAccounts",
            messageExpression: `'podOverrides.serviceAccountName: ServiceAccount "' + variables.serviceAccount + '" is not allowed${where}it with the namespace annotation ${sa}'`,
            reason: 'Forbidden',
          },
          {
            expression: 'variables.refused.size() == 0',
            messageExpression: `'podOverrides: Secrets ' + variables.refused.map(n, '"' + n + '"').join(', ') + ' are not allowed${where}them with the namespace annotation ${sec}'`,
            reason: 'Forbidden',
          },
          {
            expression: 'variables.contextRefused.size() == 0',
            messageExpression: `'taskTemplate.contextSources: Secrets ' + variables.contextRefused.map(n, '"' + n + '"').join(', ') + ' are not allowed${where}them with the namespace annotation ${sec}'`,
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: AGENT_POD_POLICY_NAME, labels: { ...labels } },
      spec: { policyName: AGENT_POD_POLICY_NAME, validationActions: ['Deny'] },
    },
  ];
}

/**
 * What RBAC cannot say: a spawner (a ServiceAccount `<spawner>-spawner`)
 * creates and deletes only Tasks labelled `kelos.dev/taskspawner: <spawner>`;
 * the webhook server (which serves every webhook TaskSpawner of its
 * namespace) only Tasks labelled with some TaskSpawner. Both may change only
 * the metadata of those Tasks (their GitHub report annotations), never their
 * spec or that label.
 */
export function spawnerTasksPolicy(labels: Record<string, string>): AdmissionObject[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: SPAWNER_TASKS_POLICY_NAME, labels: { ...labels } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['tasks'] }],
        },
        matchConditions: [
          {
            name: 'is-a-spawner-or-the-webhook-server',
            expression:
              "request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':') && " +
              `(request.userInfo.username.endsWith('-spawner') || request.userInfo.username.endsWith(':${WEBHOOK_SERVER_NAME}'))`,
          },
        ],
        variables: [
          { name: 'account', expression: "request.userInfo.username.substring(size('system:serviceaccount:' + request.namespace + ':'))" },
          { name: 'webhookServer', expression: `variables.account == '${WEBHOOK_SERVER_NAME}'` },
          { name: 'task', expression: "request.operation == 'DELETE' ? oldObject : object" },
          {
            name: 'spawner',
            expression: `has(variables.task.metadata.labels) && '${Label.TASK_SPAWNER}' in variables.task.metadata.labels ? variables.task.metadata.labels['${Label.TASK_SPAWNER}'] : ''`,
          },
        ],
        validations: [
          {
            expression: "variables.spawner != '' && (variables.webhookServer || variables.spawner + '-spawner' == variables.account)",
            messageExpression: `variables.webhookServer ? 'ServiceAccount ' + variables.account + ' may only create Tasks labelled ${Label.TASK_SPAWNER}: <the TaskSpawner of the delivery>' : 'ServiceAccount ' + variables.account + ' may only create and delete the Tasks labelled ${Label.TASK_SPAWNER}: ' + variables.account.substring(0, size(variables.account) - 8) + ', those of its own TaskSpawner'`,
            reason: 'Forbidden',
          },
          {
            // A spawner (and the webhook server) patches only the annotations that keep its GitHub reports (lib/github/task-reporter.ts).
            expression: `request.operation != 'UPDATE' || (has(oldObject.metadata.labels) && '${Label.TASK_SPAWNER}' in oldObject.metadata.labels && oldObject.metadata.labels['${Label.TASK_SPAWNER}'] == variables.spawner && object.spec == oldObject.spec)`,
            messageExpression: `'ServiceAccount ' + variables.account + ' may change only the metadata of the Tasks of ' + (variables.webhookServer ? 'a' : 'its own') + ' TaskSpawner, never their spec or ${Label.TASK_SPAWNER} label'`,
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: SPAWNER_TASKS_POLICY_NAME, labels: { ...labels } },
      spec: { policyName: SPAWNER_TASKS_POLICY_NAME, validationActions: ['Deny'] },
    },
  ];
}
