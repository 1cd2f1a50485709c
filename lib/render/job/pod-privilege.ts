import type { V1Container, V1EnvFromSource, V1EnvVar, V1PodSecurityContext, V1SecurityContext, V1Volume } from '@kubernetes/client-node';
import { AgentPodPolicyAnnotation, PrivilegeMessage, SAFE_SYSCTLS, SELINUX_TYPES } from '../../api/pod-security.js';
import type { PodOverrides } from '../../api/shared.js';

// The controller's own check of podOverrides (defense in depth beside the
// CRD's CEL rules and the ValidatingAdmissionPolicy): it refuses to build a
// pod that would raise privilege, or that names a ServiceAccount or Secret
// the namespace's operator did not allow.

/** A problem with podOverrides, located under `podOverrides`. */
export interface PodOverridesIssue {
  readonly path: string;
  readonly message: string;
}

/** What the operator allowed the agent pods of a namespace (its annotations). */
export interface AgentPodPolicy {
  /** ServiceAccounts a Task may name; `*` allows any. */
  readonly serviceAccounts: readonly string[];
  /** Secrets podOverrides may reference; `*` allows any. */
  readonly secrets: readonly string[];
}

export const NO_AGENT_POD_POLICY: AgentPodPolicy = { serviceAccounts: [], secrets: [] };

/** The policy of a namespace from its annotations. */
export function agentPodPolicy(annotations: Readonly<Record<string, string>> | undefined): AgentPodPolicy {
  const list = (key: string) =>
    (annotations?.[key] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return { serviceAccounts: list(AgentPodPolicyAnnotation.SERVICE_ACCOUNTS), secrets: list(AgentPodPolicyAnnotation.SECRETS) };
}

/** The containers podOverrides adds, whatever the version of the schema in use. */
function extraContainers(po: PodOverrides): Array<{ path: string; container: V1Container }> {
  const o = po as { extraContainers?: V1Container[]; extraInitContainers?: V1Container[] };
  return [
    ...(o.extraInitContainers ?? []).map((container, i) => ({ path: `extraInitContainers[${i}]`, container })),
    ...(o.extraContainers ?? []).map((container, i) => ({ path: `extraContainers[${i}]`, container })),
  ];
}

function identityIssues(path: string, sc: V1SecurityContext | V1PodSecurityContext): PodOverridesIssue[] {
  const out: PodOverridesIssue[] = [];
  const at = (message: string) => out.push({ path, message });
  if (sc.runAsNonRoot === false) at(PrivilegeMessage.NON_ROOT);
  if (sc.runAsUser === 0) at(PrivilegeMessage.ROOT_USER);
  if (sc.seccompProfile && !['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type)) at(PrivilegeMessage.SECCOMP);
  if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) at(PrivilegeMessage.APPARMOR);
  const se = sc.seLinuxOptions;
  if (se && (!(SELINUX_TYPES as readonly string[]).includes(se.type ?? '') || (se.user ?? '') !== '' || (se.role ?? '') !== '')) at(PrivilegeMessage.SELINUX);
  if (sc.windowsOptions?.hostProcess === true) at(PrivilegeMessage.HOST_PROCESS);
  return out;
}

function containerSecurityIssues(path: string, sc: V1SecurityContext | undefined): PodOverridesIssue[] {
  if (!sc) return [];
  const out: PodOverridesIssue[] = [];
  const at = (message: string) => out.push({ path, message });
  if (sc.privileged === true) at(PrivilegeMessage.PRIVILEGED);
  if (sc.allowPrivilegeEscalation === true) at(PrivilegeMessage.ESCALATION);
  if ((sc.capabilities?.add ?? []).some((c) => c !== 'NET_BIND_SERVICE')) at(PrivilegeMessage.CAPABILITIES);
  if (sc.procMount !== undefined && sc.procMount !== 'Default') at(PrivilegeMessage.PROC_MOUNT);
  return [...out, ...identityIssues(path, sc)];
}

/** Privilege podOverrides asks for, whatever the namespace: the CRD's rules, in the order the CRD checks them. */
export function podOverridesViolations(po: PodOverrides | undefined): PodOverridesIssue[] {
  if (!po) return [];
  const out: PodOverridesIssue[] = [];
  const psc = po.podSecurityContext;
  if (psc) {
    out.push(...identityIssues('podSecurityContext', psc));
    if ((psc.sysctls ?? []).some((s) => !(SAFE_SYSCTLS as readonly string[]).includes(s.name))) {
      out.push({ path: 'podSecurityContext', message: PrivilegeMessage.SYSCTLS });
    }
  }
  out.push(...containerSecurityIssues('containerSecurityContext', po.containerSecurityContext));
  (po.volumes ?? []).forEach((v, i) => {
    if (v.hostPath) out.push({ path: `volumes[${i}]`, message: PrivilegeMessage.HOST_PATH });
    if ((v.projected?.sources ?? []).some((s) => s.serviceAccountToken)) out.push({ path: `volumes[${i}]`, message: PrivilegeMessage.SA_TOKEN });
  });
  for (const { path, container } of extraContainers(po)) {
    out.push(...containerSecurityIssues(`${path}.securityContext`, container.securityContext));
    (container.ports ?? []).forEach((p, i) => {
      if (p.hostPort) out.push({ path: `${path}.ports[${i}]`, message: PrivilegeMessage.HOST_PORT });
    });
  }
  return out;
}

/** Secrets referenced from environment variables. */
function envSecrets(env: readonly V1EnvVar[] | undefined, envFrom: readonly V1EnvFromSource[] | undefined): string[] {
  return [
    ...(env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef?.name ? [e.valueFrom.secretKeyRef.name] : [])),
    ...(envFrom ?? []).flatMap((e) => (e.secretRef?.name ? [e.secretRef.name] : [])),
  ];
}

/** Secrets a volume makes the kubelet (or a volume driver) read. */
function volumeSecrets(v: V1Volume): string[] {
  const names: Array<string | undefined> = [
    v.secret?.secretName,
    ...(v.projected?.sources ?? []).map((s) => s.secret?.name),
    v.csi?.nodePublishSecretRef?.name,
    v.azureFile?.secretName,
    v.cephfs?.secretRef?.name,
    v.flexVolume?.secretRef?.name,
    v.iscsi?.secretRef?.name,
    v.rbd?.secretRef?.name,
    v.scaleIO?.secretRef?.name,
    v.storageos?.secretRef?.name,
  ];
  return names.filter((n): n is string => !!n);
}

/** Every Secret podOverrides references (env, envFrom, volumes), sorted, once each. */
export function podOverridesSecretNames(po: PodOverrides | undefined): string[] {
  if (!po) return [];
  const names = [
    ...envSecrets(po.env, undefined),
    ...(po.volumes ?? []).flatMap(volumeSecrets),
    ...extraContainers(po).flatMap(({ container }) => envSecrets(container.env, container.envFrom)),
  ];
  return [...new Set(names)].sort();
}

/** Whether podOverrides names anything the namespace's policy decides (a ServiceAccount or a Secret). */
export function needsAgentPodPolicy(po: PodOverrides | undefined): boolean {
  return !!po?.serviceAccountName || podOverridesSecretNames(po).length > 0;
}

const allows = (list: readonly string[], name: string) => list.includes('*') || list.includes(name);

/** What podOverrides names that the namespace's operator did not allow. */
export function agentPodPolicyViolations(po: PodOverrides | undefined, policy: AgentPodPolicy, namespace: string): PodOverridesIssue[] {
  if (!po) return [];
  const out: PodOverridesIssue[] = [];
  const sa = po.serviceAccountName;
  if (sa && !allows(policy.serviceAccounts, sa)) {
    out.push({
      path: 'serviceAccountName',
      message: `ServiceAccount "${sa}" is not allowed for agent pods in namespace ${namespace}: an operator allows it with the namespace annotation ${AgentPodPolicyAnnotation.SERVICE_ACCOUNTS}`,
    });
  }
  const secrets = podOverridesSecretNames(po).filter((s) => !allows(policy.secrets, s));
  if (secrets.length) {
    out.push({
      path: '',
      message: `Secrets ${secrets.map((s) => `"${s}"`).join(', ')} are not allowed for agent pods in namespace ${namespace}: an operator allows them with the namespace annotation ${AgentPodPolicyAnnotation.SECRETS}`,
    });
  }
  return out;
}

/** `podOverrides.<path>: <message>` of the first issue, as a Task's status says it. */
export function describeIssue(issue: PodOverridesIssue): string {
  return `podOverrides${issue.path ? `.${issue.path}` : ''}: ${issue.message}`;
}
