import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { AGENT_UID } from '../../api/constants.js';
import type { PodOverrides } from '../../api/shared.js';

/** Security of kelos's own init containers. */
export const hardened = (): V1SecurityContext => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

/** The pod runs as the agent UID, non-root; podOverrides.podSecurityContext wins field by field. */
export function agentPodSecurityContext(po: PodOverrides): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: AGENT_UID,
    fsGroup: AGENT_UID,
    ...structuredClone(po.podSecurityContext ?? {}),
  };
}
