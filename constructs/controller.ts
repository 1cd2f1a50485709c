import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AgentTypeName } from '../lib/api/constants.js';
import { customResourceDefinitions } from '../lib/api/crd.js';
import { CONTROLLER_RULES } from '../lib/render/controller-rbac.js';
import { CONTROLLER_NAMESPACE, controllerInstall, type ControllerInstall } from '../lib/render/controller-install.js';
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { KELOS_IMAGE_CONTEXT } from './spawner.js';
import { checkProps, type KnownProps } from './_props.js';
import { ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE, SyncWave, checkInteger } from './_util.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const CONTROLLER_PROPS: KnownProps<KelosControllerProps> = {
  image: true,
  imagePullPolicy: true,
  replicas: true,
  resources: true,
  agentImages: true,
  crds: true,
  // ChartProps
  namespace: true,
  labels: true,
  disableResourceNameHashes: true,
};

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
}

/**
 * The kelos system as one chart: the kelos.dev CRDs, namespace `kelos-system`,
 * and the controller with least-privilege RBAC, leader election and metrics.
 */
export class KelosController extends Chart {
  public readonly install: ControllerInstall;

  constructor(scope: Construct, id: string, props: KelosControllerProps = {}) {
    super(scope, id, { ...props, namespace: props.namespace ?? CONTROLLER_NAMESPACE });
    checkProps(this, 'KelosController', props, CONTROLLER_PROPS);
    checkInteger(this, 'replicas', props.replicas, 0);
    if (props.crds ?? true) {
      for (const crd of customResourceDefinitions()) {
        const o = structuredClone(crd) as any;
        o.metadata.annotations = { [ARGOCD_SYNC_WAVE]: SyncWave.CRDS, [ARGOCD_SYNC_OPTIONS]: 'ServerSideApply=true' };
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
    });
    for (const [cid, obj] of Object.entries(this.install)) {
      const o = structuredClone(obj) as any;
      o.metadata.annotations = { ...o.metadata.annotations, [ARGOCD_SYNC_WAVE]: SyncWave.CONTROLLER };
      new ApiObject(this, cid[0].toUpperCase() + cid.slice(1), o);
    }
  }
}
