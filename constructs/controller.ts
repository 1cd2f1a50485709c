import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AgentTypeName } from '../lib/api/constants.js';
import { customResourceDefinitions } from '../lib/api/crd.js';
import { CONTROLLER_NAMESPACE, type ControllerInstall, controllerInstall } from '../lib/render/controller-install.js';
import { CONTROLLER_RULES } from '../lib/render/controller-rbac.js';
import { checkProps, type KnownProps } from './_props.js';
import { ARGOCD_KEEP, ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE, checkInteger, namespaceObject, SyncWave } from './_util.js';
import { KELOS_IMAGE_CONTEXT } from './spawner.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const CONTROLLER_PROPS: KnownProps<KelosControllerProps> = {
  image: true,
  imagePullPolicy: true,
  replicas: true,
  resources: true,
  agentImages: true,
  crds: true,
  namespaces: true,
  createNamespaces: true,
  secretNamespaces: true,
  agentEgressExcept: true,
  // ChartProps
  namespace: true,
  labels: true,
  disableResourceNameHashes: true,
};
const NAMESPACE_RE = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CIDR_RE = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

export interface KelosControllerProps extends ChartProps {
  /** Runtime image repository and tag. @default - the `kelos:image` context value, else the kelos image of this version */
  readonly image?: string;
  /** @default "IfNotPresent" */
  readonly imagePullPolicy?: string;
  /** Controller replicas; one leader reconciles. @default 2 */
  readonly replicas?: number;
  /** Controller resources. @default - 50m CPU and 128Mi requested, 512Mi limit */
  readonly resources?: V1ResourceRequirements;
  /** Agent image per type. @default - the published Kelos agent images */
  readonly agentImages?: Partial<Record<AgentTypeName, string>>;
  /** Install the CRDs with the controller. @default true */
  readonly crds?: boolean;
  /**
   * A namespaced install: the controller watches only these namespaces,
   * holds its rights there through RoleBindings (none cluster-wide, none in
   * kube-system), and each gets the agent and spawner NetworkPolicies.
   * @default - all namespaces, through a ClusterRoleBinding
   */
  readonly namespaces?: readonly string[];
  /**
   * Render the `Namespace` of each of `namespaces` in this chart, so that
   * `kubectl apply -f` of this chart alone works and ArgoCD creates them
   * before the RoleBindings in them (never pruned or deleted). Pipeline
   * charts in those namespaces then do not render them again.
   * @default true
   */
  readonly createNamespaces?: boolean;
  /**
   * Where the controller may read and write Secrets: the Secrets of MCP
   * servers (headersFrom, envFrom) and of GitHub App Workspaces. Elsewhere a
   * Workspace Secret is taken for a token the Job reads itself. @default - nowhere
   */
  readonly secretNamespaces?: readonly string[];
  /** More CIDRs agent pods must not reach, e.g. the Kubernetes API's public address. @default - none */
  readonly agentEgressExcept?: readonly string[];
}

/**
 * The kelos system as one chart: the kelos.dev CRDs, namespace `kelos-system`,
 * and the controller with least-privilege RBAC, leader election and metrics,
 * NetworkPolicies, and the ValidatingAdmissionPolicies that keep Tasks and
 * spawners within what their namespace allows.
 */
export class KelosController extends Chart {
  public readonly install: ControllerInstall;

  constructor(scope: Construct, id: string, props: KelosControllerProps = {}) {
    super(scope, id, { ...props, namespace: props.namespace ?? CONTROLLER_NAMESPACE });
    checkProps(this, 'KelosController', props, CONTROLLER_PROPS);
    checkInteger(this, 'replicas', props.replicas, 0);
    for (const prop of ['namespaces', 'secretNamespaces'] as const) {
      const bad = (props[prop] ?? []).find((n) => !NAMESPACE_RE.test(n));
      if (bad !== undefined)
        throw new Error(`${this.node.path}: '${prop}' must hold namespace names (lowercase letters, digits and '-', at most 63), got "${bad}"`);
    }
    const unserved = props.namespaces?.length ? (props.secretNamespaces ?? []).find((n) => !props.namespaces!.includes(n)) : undefined;
    if (unserved !== undefined) throw new Error(`${this.node.path}: 'secretNamespaces' must be among 'namespaces' of a namespaced install, got "${unserved}"`);
    const badCidr = (props.agentEgressExcept ?? []).find((c) => !CIDR_RE.test(c));
    if (badCidr !== undefined)
      throw new Error(`${this.node.path}: 'agentEgressExcept' must hold CIDRs such as 203.0.113.10/32 or 2001:db8::/64, got "${badCidr}"`);
    if (props.crds ?? true) {
      for (const crd of customResourceDefinitions()) {
        const o = structuredClone(crd) as any;
        // CRDs outlive a prune and the Application: deleting them would delete every Task in the cluster.
        o.metadata.annotations = { [ARGOCD_SYNC_WAVE]: SyncWave.CRDS, [ARGOCD_SYNC_OPTIONS]: `ServerSideApply=true,${ARGOCD_KEEP}` };
        new ApiObject(this, `Crd-${crd.metadata.name}`, o);
      }
    }
    this.install = controllerInstall(CONTROLLER_RULES, {
      namespace: this.namespace,
      image: props.image ?? this.node.tryGetContext(KELOS_IMAGE_CONTEXT),
      imagePullPolicy: props.imagePullPolicy,
      replicas: props.replicas,
      resources: props.resources,
      agentImages: props.agentImages,
      namespaces: props.namespaces,
      secretNamespaces: props.secretNamespaces,
      agentEgressExcept: props.agentEgressExcept,
    });
    if (props.createNamespaces ?? true) {
      for (const ns of new Set(props.namespaces ?? [])) {
        if (ns !== this.namespace) new ApiObject(this, `Namespace-${ns}`, namespaceObject(ns));
      }
    }
    const add = (cid: string, obj: unknown) => {
      const o = structuredClone(obj) as any;
      o.metadata.annotations = { ...o.metadata.annotations, [ARGOCD_SYNC_WAVE]: SyncWave.CONTROLLER };
      new ApiObject(this, cid, o);
    };
    for (const [key, value] of Object.entries(this.install)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        for (const o of value) add(`${o.kind}-${o.metadata.namespace ?? ''}-${o.metadata.name}`, o);
      } else {
        add(key[0]!.toUpperCase() + key.slice(1), value);
      }
    }
  }
}
