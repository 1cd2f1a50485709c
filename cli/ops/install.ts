// `kelos install`: server-side applies the CRDs and the controller install,
// the same objects the compiler renders into dist/kelos-system.
import { parse } from 'yaml';
import { KelosApp, KelosController } from '../../constructs/index.js';
import { FIELD_MANAGER } from '../../lib/api/constants.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { KELOS_IMAGE_REPOSITORY } from '../../lib/render/images.js';
import { renderYaml } from '../../lib/render/output.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, poll, timeoutMs, withCluster } from './_context.js';
import { applyObject, describeObject, kindRank, type Manifest, RestMapper } from './_rest.js';

export interface InstallOptions {
  readonly image?: string;
  readonly version?: string;
  readonly dryRun?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
  /** Comma-separated namespaces of a namespaced install. */
  readonly namespaces?: string;
  /** Comma-separated namespaces where the controller may use Secrets. */
  readonly secretNamespaces?: string;
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The image `--image` / `--version` choose. */
export function installImage(opts: Pick<InstallOptions, 'image' | 'version'>): string | undefined {
  if (opts.image && opts.version) throw new UserError("'--image' and '--version' cannot be used together: --version picks the tag of the kelos image", 2);
  if (opts.version !== undefined) {
    if (!/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(opts.version)) {
      throw new UserError(`'--version' must be a release like 0.1.0 or v0.1.0, got "${opts.version}"`, 2);
    }
    return `${KELOS_IMAGE_REPOSITORY}:${opts.version.startsWith('v') ? opts.version : `v${opts.version}`}`;
  }
  return opts.image;
}

/** The objects of the install, in apply order, rendered exactly as dist/kelos-system renders them. */
export function installObjects(opts: Pick<InstallOptions, 'image' | 'version' | 'namespaces' | 'secretNamespaces'> = {}): Manifest[] {
  const image = installImage(opts);
  const app = new KelosApp({ outdir: '.kelos-install-unused' });
  const namespaces = list(opts.namespaces);
  const secretNamespaces = list(opts.secretNamespaces);
  try {
    new KelosController(app, 'kelos-system', {
      ...(image ? { image } : {}),
      ...(namespaces.length ? { namespaces } : {}),
      ...(secretNamespaces.length ? { secretNamespaces } : {}),
    });
  } catch (err) {
    // The construct's check names its props; on the command line they are flags.
    throw new UserError(
      (err as Error).message.replace(/^kelos-system: '(\w+)'/, (_, p: string) => `'--${p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}'`),
      2,
    );
  }
  const objects = app.render().map((f) => parse(f.content) as Manifest);
  return objects.sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export async function crdEstablished(client: KubeClient, name: string): Promise<boolean> {
  const crd = await client.get<{ status?: { conditions?: Condition[] } }>(resourcePath(Resources.customResourceDefinitions, { name }));
  return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

interface DeploymentLike {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
}

/** Rolled out and available, as `kubectl rollout status` judges it. */
export function deploymentAvailable(d: DeploymentLike | undefined): boolean {
  if (!d) return false;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.availableReplicas ?? 0) >= want &&
    (s.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True')
  );
}

export async function runInstall(g: GlobalOptions, opts: InstallOptions): Promise<void> {
  const objects = installObjects(opts);
  if (opts.dryRun) {
    process.stdout.write(objects.map((o) => renderYaml(o)).join('---\n'));
    return;
  }
  const limit = timeoutMs(opts.timeout, '5m');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  await withCluster(
    g,
    async ({ client }) => {
      const mapper = new RestMapper(client);
      const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
      for (const crd of crds) {
        await applyObject(client, mapper, crd);
        say(`Applied ${describeObject(crd)}`);
      }
      if (opts.wait !== false) {
        say('Waiting for the CRDs to be established');
        for (const crd of crds) {
          const ok = await poll(() => crdEstablished(client, crd.metadata.name!), limit);
          if (!ok)
            throw new UserError(
              `CustomResourceDefinition ${crd.metadata.name} was not established within ${opts.timeout ?? '5m'}: check \`kubectl describe crd ${crd.metadata.name}\``,
            );
        }
        // Established is not yet servable: the apiserver answers "storage is (re)initializing" for a moment.
        for (const crd of crds) {
          const spec = crd.spec as { group: string; versions: Array<{ name: string }>; names: { plural: string } };
          const path = `/apis/${spec.group}/${spec.versions[0]!.name}/${spec.names.plural}`;
          const ok = await poll(
            () =>
              client.list(path, { limit: 1 }).then(
                () => true,
                () => false,
              ),
            limit,
          );
          if (!ok)
            throw new UserError(`the API server does not serve ${spec.names.plural}.${spec.group} within ${opts.timeout ?? '5m'} of its CRD being established`);
        }
      }
      mapper.forget();
      let deployment: Manifest | undefined;
      for (const obj of objects.filter((o) => o.kind !== 'CustomResourceDefinition')) {
        await applyObject(client, mapper, obj);
        say(`Applied ${describeObject(obj)}`);
        if (obj.kind === 'Deployment') deployment = obj;
      }
      const container = ((deployment?.spec as any)?.template?.spec?.containers ?? [])[0];
      if (deployment && opts.wait !== false) {
        const { name, namespace } = deployment.metadata;
        say(`Waiting for Deployment ${namespace}/${name} to be available`);
        const path = (await mapper.path(deployment))!;
        let last: DeploymentLike | undefined;
        const ok = await poll(async () => deploymentAvailable((last = await client.get<DeploymentLike>(path))), limit, 1000);
        if (!ok) {
          const why = last?.status?.conditions?.find((c) => c.status !== 'True')?.message;
          throw new UserError(
            `Deployment ${namespace}/${name} did not become available within ${opts.timeout ?? '5m'}${why ? ` (${why})` : ''}: check \`kubectl -n ${namespace} describe deployment ${name}\` and the image ${container?.image}`,
          );
        }
      }
      say(`Installed kelos: controller ${container?.image} in namespace ${deployment?.metadata.namespace}`);
    },
    FIELD_MANAGER,
  );
}
