import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/** The UID the kelos runtime image runs as (the Dockerfile's `node` user is 1000; kelos uses a fixed non-root id). */
export const KELOS_RUNTIME_UID = 65532;

/** Pod security for kelos's own workloads: the Pod Security "restricted" profile. */
export function restrictedPodSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: KELOS_RUNTIME_UID,
    runAsGroup: KELOS_RUNTIME_UID,
    fsGroup: KELOS_RUNTIME_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}
