// What podOverrides may never ask for: the CEL rules the CRD carries on the
// pod and container security contexts, volumes and container ports of agent
// pods. They keep an agent pod within the Pod Security "restricted" profile
// where it matters for privilege (no privileged containers, no privilege
// escalation, no added capabilities but NET_BIND_SERVICE, no root user, no
// unconfined seccomp/AppArmor, no custom SELinux user/role/type, no Windows
// host process, only safe sysctls, no host paths, no host ports, no
// ServiceAccount token projections). lib/render/job/pod-privilege.ts checks
// the same rules in TypeScript, with the same messages, so the controller
// never builds such a pod even from a Task stored before the rules existed.
import type { CelRule, SchemaNode } from './_schema.js';

/** The sysctls Pod Security "baseline" and "restricted" allow. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
] as const;

export const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'] as const;

const celList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** The messages, shared with the TypeScript check. */
export const PrivilegeMessage = {
  PRIVILEGED: 'privileged must not be true: agent pods never run privileged',
  ESCALATION: 'allowPrivilegeEscalation must not be true: agent containers cannot gain privileges',
  CAPABILITIES: 'capabilities.add may only contain NET_BIND_SERVICE',
  NON_ROOT: 'runAsNonRoot must not be false: agent pods run as a non-root user',
  ROOT_USER: 'runAsUser must not be 0 (root): agent pods run as a non-root user',
  PROC_MOUNT: 'procMount must be Default',
  SECCOMP: 'seccompProfile.type must be RuntimeDefault or Localhost',
  APPARMOR: 'appArmorProfile.type must be RuntimeDefault or Localhost',
  SELINUX: 'seLinuxOptions may set only level, and type container_t, container_init_t, container_kvm_t or container_engine_t',
  HOST_PROCESS: 'windowsOptions.hostProcess must not be true',
  SYSCTLS: `sysctls may only set the safe sysctls: ${SAFE_SYSCTLS.join(', ')}`,
  HOST_PATH: 'hostPath volumes are not allowed: agent pods never mount node paths',
  SA_TOKEN: 'serviceAccountToken projections are not allowed: name an allowed ServiceAccount in podOverrides.serviceAccountName instead',
  HOST_PORT: 'hostPort is not allowed: agent pods never bind node ports',
} as const;

const identityRules: CelRule[] = [
  { rule: '!has(self.runAsNonRoot) || self.runAsNonRoot', message: PrivilegeMessage.NON_ROOT },
  { rule: '!has(self.runAsUser) || self.runAsUser != 0', message: PrivilegeMessage.ROOT_USER },
  { rule: "!has(self.seccompProfile) || self.seccompProfile.type in ['RuntimeDefault', 'Localhost']", message: PrivilegeMessage.SECCOMP },
  { rule: "!has(self.appArmorProfile) || self.appArmorProfile.type in ['RuntimeDefault', 'Localhost']", message: PrivilegeMessage.APPARMOR },
  {
    rule:
      `!has(self.seLinuxOptions) || ((!has(self.seLinuxOptions.type) || self.seLinuxOptions.type in ${celList(SELINUX_TYPES)}) && ` +
      "(!has(self.seLinuxOptions.user) || self.seLinuxOptions.user == '') && (!has(self.seLinuxOptions.role) || self.seLinuxOptions.role == ''))",
    message: PrivilegeMessage.SELINUX,
  },
  {
    rule: '!has(self.windowsOptions) || !has(self.windowsOptions.hostProcess) || !self.windowsOptions.hostProcess',
    message: PrivilegeMessage.HOST_PROCESS,
  },
];

/** Rules of a container's securityContext (podOverrides.containerSecurityContext, extra containers). */
export const CONTAINER_SECURITY_RULES: readonly CelRule[] = [
  { rule: '!has(self.privileged) || !self.privileged', message: PrivilegeMessage.PRIVILEGED },
  { rule: '!has(self.allowPrivilegeEscalation) || !self.allowPrivilegeEscalation', message: PrivilegeMessage.ESCALATION },
  { rule: "!has(self.procMount) || self.procMount == 'Default'", message: PrivilegeMessage.PROC_MOUNT },
  ...identityRules,
];

/** Rules of podOverrides.podSecurityContext. */
export const POD_SECURITY_RULES: readonly CelRule[] = [
  ...identityRules,
  { rule: `!has(self.sysctls) || self.sysctls.all(s, s.name in ${celList(SAFE_SYSCTLS)})`, message: PrivilegeMessage.SYSCTLS },
];

/** Rules of one capability of `capabilities.add` (a rule per item keeps within the apiserver's CEL cost budget). */
export const ADDED_CAPABILITY_RULES: readonly CelRule[] = [{ rule: "self == 'NET_BIND_SERVICE'", message: PrivilegeMessage.CAPABILITIES }];

/** Rules of one volume of podOverrides.volumes. */
export const VOLUME_RULES: readonly CelRule[] = [{ rule: '!has(self.hostPath)', message: PrivilegeMessage.HOST_PATH }];

/** Rules of one source of a projected volume. */
export const PROJECTION_RULES: readonly CelRule[] = [{ rule: '!has(self.serviceAccountToken)', message: PrivilegeMessage.SA_TOKEN }];

/** A SecurityContext schema (container) with CONTAINER_SECURITY_RULES, its added capabilities bounded and checked one by one. */
export function securedContainerContext<T>(schema: T): T {
  const out = withRules(withRules(schema, [], CONTAINER_SECURITY_RULES), ['capabilities', 'add', 'items'], ADDED_CAPABILITY_RULES);
  const add = (out as SchemaNode).properties!.capabilities!.properties!.add!;
  add.maxItems = 64;
  add.items!.maxLength = 64;
  return out;
}

/** A Volume schema with VOLUME_RULES and PROJECTION_RULES. */
export function securedVolume<T>(schema: T): T {
  return withRules(withRules(schema, [], VOLUME_RULES), ['projected', 'sources', 'items'], PROJECTION_RULES);
}

/** Rules of one container port (extra containers). */
export const CONTAINER_PORT_RULES: readonly CelRule[] = [{ rule: '!has(self.hostPort) || self.hostPort == 0', message: PrivilegeMessage.HOST_PORT }];

/** Names of the namespace annotations by which an operator allows more to the agent pods of that namespace. */
export const AgentPodPolicyAnnotation = {
  /** Comma-separated ServiceAccounts a Task may name in podOverrides.serviceAccountName; `*` allows any. */
  SERVICE_ACCOUNTS: 'kelos.dev/agent-service-accounts',
  /** Comma-separated Secrets podOverrides may reference (env, envFrom, volumes); `*` allows any. */
  SECRETS: 'kelos.dev/agent-secrets',
} as const;

/** Clones a JSON schema and adds `x-kubernetes-validations` at a node given by property names (`items` steps into arrays). */
export function withRules<T>(schema: T, at: readonly string[], rules: readonly CelRule[]): T {
  const out = structuredClone(schema);
  let node: SchemaNode | undefined = out as SchemaNode;
  for (const step of at) {
    node = step === 'items' ? node.items : node.properties?.[step];
    if (!node) throw new Error(`withRules: no schema node at ${at.join('.')}`);
  }
  node['x-kubernetes-validations'] = [...(node['x-kubernetes-validations'] ?? []), ...rules.map((r) => ({ ...r }))];
  return out;
}
