import { ApiObject, App, type AppProps, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { checkObject } from '../lib/api/object-checks.js';
import { isKelosObject, validateObject } from '../lib/api/validate.js';
import { type OutputFile, renderYaml, writeOutput } from '../lib/render/output.js';
import { checkProps, type KnownProps } from './_props.js';
import { ARGOCD_SYNC_WAVE, namespaceObject } from './_util.js';
import { KELOS_IMAGE_CONTEXT } from './spawner.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const APP_PROPS: KnownProps<KelosAppProps & AppProps> = {
  outdir: true,
  image: true,
  argocd: true,
  namespaces: true,
  // cdk8s AppProps
  outputFileExtension: true,
  yamlOutputType: true,
  recordConstructMetadata: true,
  resolvers: true,
};
const ARGOCD_PROPS: KnownProps<ArgoCdProps> = {
  repoURL: true,
  targetRevision: true,
  path: true,
  project: true,
  namespace: true,
  server: true,
};

export interface ArgoCdProps {
  /** Git URL of the repository that holds the rendered output. */
  readonly repoURL: string;
  /** Revision ArgoCD syncs. @default "HEAD" */
  readonly targetRevision?: string;
  /** Path of the output folder inside the repository. @default "dist" */
  readonly path?: string;
  /** ArgoCD project. @default "default" */
  readonly project?: string;
  /** Namespace ArgoCD runs in. @default "argocd" */
  readonly namespace?: string;
  /** Destination cluster. @default "https://kubernetes.default.svc" */
  readonly server?: string;
}

export interface KelosAppProps {
  /** Output folder. @default - $CDK8S_OUTDIR, else "dist" */
  readonly outdir?: string;
  /** Runtime image of the controller and every spawner. @default - the kelos image of this version */
  readonly image?: string;
  /**
   * Also render one ArgoCD `Application` per chart into `argocd/`, so
   * `kubectl apply -f dist/argocd/` bootstraps GitOps.
   * @default - no ArgoCD Applications
   */
  readonly argocd?: ArgoCdProps;
  /**
   * Render a `Namespace` for each chart with a namespace (not for a chart that
   * declares that Namespace itself), so `kubectl apply -f dist/<chart>/` works
   * on an empty cluster. It is annotated to stay when ArgoCD prunes or its
   * Application is deleted: the Secrets made by hand in it stay too.
   * @default true
   */
  readonly namespaces?: boolean;
}

/** A synth failure: every problem found, each with its construct path. Nothing was written. */
export class SynthError extends Error {
  constructor(readonly problems: string[]) {
    super(`Synthesis failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'SynthError';
  }
}

/** Kinds without a namespace: a chart's namespace is not written on them. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'APIService',
  'IngressClass',
  'RuntimeClass',
]);

/**
 * A cdk8s App that writes owned, deterministic output: one folder per chart,
 * one file per object, sorted keys; every kelos.dev object validated against
 * the CRD schemas and CEL rules; no Secret values; stale files removed; and
 * nothing written at all when anything is wrong.
 */
export class KelosApp extends App {
  private readonly argocd?: ArgoCdProps;
  private readonly namespaces: boolean;

  constructor(props: KelosAppProps & AppProps = {}) {
    super({ ...props, outdir: props.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist' });
    checkProps(this, 'KelosApp', props, APP_PROPS);
    checkProps(this, 'KelosApp argocd', props.argocd, ARGOCD_PROPS, 'argocd.');
    this.argocd = props.argocd;
    this.namespaces = props.namespaces ?? true;
    if (props.image) this.node.setContext(KELOS_IMAGE_CONTEXT, props.image);
  }

  /** Renders every file (path relative to outdir → content) without writing; throws SynthError. */
  public render(): OutputFile[] {
    return [...this.files()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Each file as it is rendered; throws SynthError at the end when anything was wrong. */
  private *files(): Generator<OutputFile> {
    const problems: string[] = [];
    for (const c of this.node.findAll()) {
      for (const msg of c.node.validate()) problems.push(`${c.node.path}: ${msg}`);
    }
    const paths = new Set<string>();
    const charts = this.node.children.filter((c): c is Chart => Chart.isChart(c));
    const crdCharts = new Set<string>();
    // A Namespace declared by any chart (a namespaced controller install declares those it serves) is not rendered twice.
    const declared = new Set(
      charts.flatMap((chart) =>
        apiObjects(chart)
          .filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1')
          .map((o) => o.metadata.name),
      ),
    );
    for (const chart of charts) {
      // Objects of a chart without a namespace go to "default", as its spawners' --taskspawner says.
      const chartNs = chart.namespace ?? DEFAULT_NAMESPACE;
      let namespaced = false;
      for (const obj of apiObjects(chart)) {
        let json: any;
        try {
          json = obj.toJson();
        } catch (err) {
          problems.push(`${obj.node.path}: ${(err as Error).message}`);
          continue;
        }
        if (CLUSTER_SCOPED.has(json.kind) && json.metadata) delete json.metadata.namespace;
        else if (json.metadata?.namespace === chart.namespace) namespaced ||= chart.namespace !== undefined;
        if (json.kind === 'CustomResourceDefinition') crdCharts.add(chart.node.id);
        if (isKelosObject(json)) {
          for (const issue of [...validateObject(json), ...checkObject(json)]) problems.push(`${obj.node.path}: ${issue.path}: ${issue.message}`);
        }
        if (json.kind === 'Secret' && (json.data || json.stringData)) {
          problems.push(`${obj.node.path}: Secret "${json.metadata?.name}" holds values; reference Secrets by name instead of rendering them`);
        }
        const name = json.metadata?.name ?? json.metadata?.generateName ?? obj.node.id;
        const ns = json.metadata?.namespace && json.metadata.namespace !== chartNs ? `${json.metadata.namespace}.` : '';
        const path = `${chart.node.id}/${json.kind}.${ns}${name}.yaml`;
        if (paths.has(path)) {
          problems.push(`${obj.node.path}: another object in chart "${chart.node.id}" is also ${json.kind} "${ns}${name}"`);
          continue;
        }
        paths.add(path);
        yield { path, content: renderYaml(json, true) };
      }
      if (this.namespaces && namespaced && !declared.has(chart.namespace!)) {
        const path = `${chart.node.id}/Namespace.${chart.namespace}.yaml`;
        if (!paths.has(path)) yield { path, content: renderYaml(namespaceObject(chart.namespace!)) };
      }
    }
    if (this.argocd) yield* this.applications(charts, crdCharts);
    if (problems.length > 0) throw new SynthError(problems);
  }

  /**
   * Renders and writes the output folder, removing files it no longer
   * produces. Each file is written as it is rendered (into a new folder that
   * replaces the old one only once all is well), so thousands of them are
   * never all held at once.
   */
  public override synth(): void {
    writeOutput(this.outdir, this.files());
  }

  private applications(charts: Chart[], crdCharts: ReadonlySet<string>): OutputFile[] {
    const a = this.argocd!;
    return charts.map((chart) => {
      const app = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: chart.node.id,
          namespace: a.namespace ?? 'argocd',
          // The chart with the CRDs and the controller syncs first.
          annotations: { [ARGOCD_SYNC_WAVE]: crdCharts.has(chart.node.id) ? '-1' : '0' },
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: a.project ?? 'default',
          source: { repoURL: a.repoURL, targetRevision: a.targetRevision ?? 'HEAD', path: `${a.path ?? 'dist'}/${chart.node.id}` },
          destination: { server: a.server ?? 'https://kubernetes.default.svc', namespace: chart.namespace ?? 'default' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['CreateNamespace=true'],
          },
        },
      };
      return { path: `argocd/${chart.node.id}.yaml`, content: renderYaml(app) };
    });
  }
}

const DEFAULT_NAMESPACE = 'default';

function apiObjects(scope: IConstruct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}
