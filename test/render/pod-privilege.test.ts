import { describe, expect, it } from 'vitest';
import { validateObject } from '../../lib/api/index.js';
import { agentPodPolicy, agentPodPolicyViolations, podOverridesSecretNames, podOverridesViolations } from '../../lib/render/job/pod-privilege.js';
import { BAD_CASES } from '../fixtures/bad-cases.js';

// The controller's own check must refuse what the CRD's rules refuse, with the same message.
const privilege = BAD_CASES.filter(
  (c) =>
    c.object.kind === 'Task' &&
    c.object.spec?.podOverrides &&
    /privileged|capabil|root|seccomp|sysctl|procMount|SELinux|hostPath|serviceAccountToken|hostPort|Escalation/i.test(c.message),
);

describe('podOverridesViolations', () => {
  it('covers the privilege cases of the CRD', () => {
    expect(privilege.length).toBeGreaterThanOrEqual(12);
  });

  it.each(privilege)('refuses $name as the CRD does', (c) => {
    const crd = validateObject(c.object).map((i) => i.message);
    const ours = podOverridesViolations(c.object.spec.podOverrides).map((i) => i.message);
    expect(ours.length).toBe(1);
    expect(crd.some((m) => m.includes(ours[0]!))).toBe(true);
  });

  it('lets a restricted pod through: non-root user, RuntimeDefault, NET_BIND_SERVICE, read-only root', () => {
    expect(
      podOverridesViolations({
        podSecurityContext: { runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] },
        containerSecurityContext: { readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
        volumes: [
          { name: 'cache', emptyDir: {} },
          { name: 'cm', projected: { sources: [{ configMap: { name: 'x' } }] } },
        ],
      }),
    ).toEqual([]);
  });
});

describe('the namespace policy', () => {
  it('reads comma-separated annotations', () => {
    expect(agentPodPolicy({ 'kelos.dev/agent-service-accounts': 'a, b', 'kelos.dev/agent-secrets': ' db ,' })).toEqual({
      serviceAccounts: ['a', 'b'],
      secrets: ['db'],
    });
    expect(agentPodPolicy(undefined)).toEqual({ serviceAccounts: [], secrets: [] });
  });

  it('finds every Secret podOverrides references', () => {
    expect(
      podOverridesSecretNames({
        env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env', key: 'k' } } }],
        volumes: [
          { name: 'v1', secret: { secretName: 'vol' } },
          { name: 'v2', projected: { sources: [{ secret: { name: 'proj' } }] } },
          { name: 'v3', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi' } } },
        ],
        extraContainers: [
          { name: 'c', envFrom: [{ secretRef: { name: 'from' } }], env: [{ name: 'B', valueFrom: { secretKeyRef: { name: 'side', key: 'k' } } }] },
        ],
      }),
    ).toEqual(['csi', 'env', 'from', 'proj', 'side', 'vol']);
  });

  it("refuses what the namespace's operator did not allow", () => {
    const po = { serviceAccountName: 'kelos-controller', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] };
    expect(agentPodPolicyViolations(po, { serviceAccounts: ['kelos-controller'], secrets: ['*'] }, 'team')).toEqual([]);
    expect(agentPodPolicyViolations(po, { serviceAccounts: [], secrets: [] }, 'team').map((i) => i.path)).toEqual(['serviceAccountName', '']);
  });
});
