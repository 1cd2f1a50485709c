import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import { HEALTH_PORT, Label, LabelValue, METRICS_PORT } from '../api/constants.js';

// NetworkPolicies of kelos's pods. They are enforced only by a CNI that
// implements NetworkPolicy (Calico, Cilium, Antrea, kube-router, or a
// managed cluster's network policy option); elsewhere they are inert.

/** Private, shared, link-local and loopback ranges: pod, service and node addresses of a cluster live here. */
export const NON_PUBLIC_IPV4 = ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
export const NON_PUBLIC_IPV6 = ['::1/128', 'fc00::/7', 'fe80::/10'];

export interface NetworkPolicyOptions {
  /**
   * More addresses agent pods must not reach, e.g. the Kubernetes API's
   * public endpoint or the nodes' public addresses (CIDRs, IPv4 or IPv6).
   * @default - none
   */
  readonly agentEgressExcept?: readonly string[];
}

const dns: V1NetworkPolicyEgressRule = {
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/** Public addresses only: everything but NON_PUBLIC_* and `extra`. */
function publicInternet(extra: readonly string[] = []): V1NetworkPolicyPeer[] {
  const v4 = [...NON_PUBLIC_IPV4, ...extra.filter((c) => !c.includes(':'))];
  const v6 = [...NON_PUBLIC_IPV6, ...extra.filter((c) => c.includes(':'))];
  return [{ ipBlock: { cidr: '0.0.0.0/0', except: v4 } }, { ipBlock: { cidr: '::/0', except: v6 } }];
}

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

function policy(
  name: string,
  namespace: string,
  component: string,
  labels: Record<string, string>,
  spec: Omit<V1NetworkPolicy['spec'] & object, 'podSelector' | 'policyTypes'>,
): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      podSelector: { matchLabels: { [Label.NAME]: LabelValue.NAME, [Label.COMPONENT]: component } },
      policyTypes: ['Ingress', 'Egress'],
      ...spec,
    },
  };
}

/**
 * Agent pods: DNS, and public addresses on any port (the model's API,
 * GitHub, package registries); not the Kubernetes API, cluster services,
 * pods or nodes on private addresses; nothing comes in.
 */
export function agentNetworkPolicy(namespace: string, labels: Record<string, string>, options: NetworkPolicyOptions = {}): V1NetworkPolicy {
  // No ingress rule with policyType Ingress: nothing comes in.
  return policy('kelos-agent', namespace, LabelValue.COMPONENT_TASK, labels, {
    egress: [dns, { to: publicInternet(options.agentEgressExcept) }],
  });
}

/**
 * Spawner pods: DNS; HTTPS to the apiserver and to GitHub or Jira (443,
 * 6443); metrics scraped on 8080.
 */
export function spawnerNetworkPolicy(namespace: string, labels: Record<string, string>): V1NetworkPolicy {
  return policy('kelos-spawner', namespace, LabelValue.COMPONENT_SPAWNER, labels, {
    ingress: [{ ports: tcp(METRICS_PORT) }],
    egress: [dns, { ports: tcp(443, 6443) }],
  });
}

/** The controller: DNS; HTTPS to the apiserver and to GitHub (App tokens); metrics and probes come in. */
export function controllerNetworkPolicy(namespace: string, labels: Record<string, string>): V1NetworkPolicy {
  return policy('kelos-controller', namespace, LabelValue.COMPONENT_CONTROLLER, labels, {
    ingress: [{ ports: tcp(METRICS_PORT, HEALTH_PORT) }],
    egress: [dns, { ports: tcp(443, 6443) }],
  });
}
