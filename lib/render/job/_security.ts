import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { AGENT_UID } from '../../api/constants.js';
import type { PodOverrides } from '../../api/shared.js';

// Agent pods meet the Pod Security "restricted" profile by default: the pod
// runs as the agent UID with seccomp RuntimeDefault, and every container
// drops all capabilities and cannot gain privileges. podOverrides may change
// fields that keep the profile; the CRD's rules and podOverridesViolations
// refuse the ones that would not.

/** Security of kelos's own init containers. */
export const hardened = (): V1SecurityContext => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

/** The pod runs as the agent UID, non-root, seccomp RuntimeDefault; podOverrides.podSecurityContext wins field by field. */
export function agentPodSecurityContext(po: PodOverrides): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: AGENT_UID,
    fsGroup: AGENT_UID,
    seccompProfile: { type: 'RuntimeDefault' },
    ...structuredClone(po.podSecurityContext ?? {}),
  };
}

/**
 * A container's security: `hardened()` under the user's fields, field by
 * field; the capabilities always drop ALL (a user's `add` is kept, and is
 * limited to NET_BIND_SERVICE by the schema).
 */
export function containerSecurityContext(user: V1SecurityContext | undefined): V1SecurityContext {
  const base = hardened();
  if (!user) return base;
  const u = structuredClone(user);
  const drop = [...new Set(['ALL', ...(u.capabilities?.drop ?? [])])];
  return { ...base, ...u, capabilities: { ...(u.capabilities ?? {}), drop } };
}
