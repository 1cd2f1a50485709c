// `kelos uninstall`: kelos resources first (their finalizers need the
// controller), then the controller install, then the CRDs.
import { API_VERSION, FIELD_MANAGER, Label, LabelValue } from '../../lib/api/constants.js';
import type { KindDefinition } from '../../lib/api/kind.js';
import { KINDS } from '../../lib/api/kinds.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { isNotFound } from '../../lib/kube/kube-error.js';
import { Resources, type ResourceType, resourceOf, resourcePath } from '../../lib/kube/resource-path.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, poll, timeoutMs, withCluster } from './_context.js';
import { confirm } from './_prompt.js';
import { describeObject, kindRank, type Manifest, RestMapper } from './_rest.js';
import { installObjects } from './install.js';

export interface UninstallOptions {
  readonly keepCrds?: boolean;
  readonly force?: boolean;
  readonly yes?: boolean;
  readonly timeout?: string;
  /** Also delete the spawner workloads applied from dist/ (otherwise they are listed). */
  readonly workloads?: boolean;
}

/** Spawners first, so nothing creates Tasks while they are deleted. */
const RESOURCE_ORDER = ['TaskSpawner', 'Task', 'Workspace', 'AgentConfig'];

interface Item {
  metadata: { name: string; namespace: string; finalizers?: string[] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const resourceOfKind = (def: KindDefinition): ResourceType => resourceOf(API_VERSION, def.kind);

async function listAll(client: KubeClient, def: KindDefinition): Promise<Item[] | undefined> {
  try {
    return (await client.list<Item>(resourcePath(resourceOfKind(def)))).items;
  } catch (err) {
    if (isNotFound(err)) return undefined; // CRD not installed
    throw err;
  }
}

/** The objects of a spawner workload, in deletion order: what runs first, then its identity. */
const WORKLOAD_TYPES: readonly ResourceType[] = [Resources.deployments, Resources.cronJobs, Resources.roleBindings, Resources.roles, Resources.serviceAccounts];
const WORKLOAD_SELECTOR = `${Label.NAME}=${LabelValue.NAME},${Label.COMPONENT}=${LabelValue.COMPONENT_SPAWNER}`;

interface Workload {
  readonly type: ResourceType;
  readonly item: Item & { metadata: { ownerReferences?: unknown[] } };
}

/**
 * Spawner workloads applied from dist/ (a compiled Spawner's Deployment or
 * CronJob and its RBAC). Those the controller made for TaskSpawners applied
 * as YAML are owned by their TaskSpawner and go with it; these are owned by
 * nothing, and outlive the CRDs unless deleted.
 */
async function compiledWorkloads(client: KubeClient): Promise<Workload[]> {
  const out: Workload[] = [];
  for (const type of WORKLOAD_TYPES) {
    const list = await client.list<Workload['item']>(resourcePath(type), { labelSelector: WORKLOAD_SELECTOR });
    for (const item of list.items) if (!item.metadata.ownerReferences?.length) out.push({ type, item });
  }
  return out;
}

const workloadName = (w: Workload) => `${w.type.kind} ${w.item.metadata.namespace}/${w.item.metadata.name}`;

const itemPath = (def: KindDefinition, i: Item) => resourcePath(resourceOfKind(def), { namespace: i.metadata.namespace, name: i.metadata.name });

export async function runUninstall(g: GlobalOptions, opts: UninstallOptions): Promise<void> {
  const limit = timeoutMs(opts.timeout, '5m');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  await withCluster(
    g,
    async ({ client }) => {
      const kinds = RESOURCE_ORDER.map((k) => KINDS.find((d) => d.kind === k)!);
      const found = new Map<string, Item[]>();
      for (const def of kinds) {
        const items = await listAll(client, def);
        if (items?.length) found.set(def.kind, items);
      }
      const total = [...found.values()].reduce((n, l) => n + l.length, 0);
      const workloads = await compiledWorkloads(client);
      const deleteWorkloads = opts.workloads === true && workloads.length > 0;
      if ((total > 0 || deleteWorkloads) && !opts.yes) {
        const what = [
          ...[...found].map(([kind, l]) => plural(l.length, kind)),
          ...(deleteWorkloads ? [plural(workloads.length, 'spawner workload object')] : []),
        ].join(', ');
        const ok = await confirm(`Delete ${what} in all namespaces, the controller and the CRDs?`);
        if (!ok) throw new UserError('uninstall aborted, nothing was deleted (pass -y to skip this question)');
      }
      // Workloads first: their spawners stop creating Tasks.
      if (deleteWorkloads) {
        for (const w of workloads) {
          const path = resourcePath(w.type, { namespace: w.item.metadata.namespace, name: w.item.metadata.name });
          if (await client.delete(path, { propagationPolicy: 'Background' })) say(`Deleted ${workloadName(w)}`);
        }
      }

      for (const def of kinds) {
        const items = found.get(def.kind) ?? [];
        for (const i of items) await client.delete(itemPath(def, i), { propagationPolicy: 'Background' });
        if (items.length) say(`Deleted ${plural(items.length, def.kind)}`);
      }
      if (total > 0) {
        say('Waiting for kelos resources to be finalized');
        const left = async () => {
          const rest: Array<[KindDefinition, Item]> = [];
          for (const def of kinds) for (const i of (await listAll(client, def)) ?? []) rest.push([def, i]);
          return rest;
        };
        if (opts.force) {
          for (const [def, i] of await left()) {
            if (i.metadata.finalizers?.length) {
              await client.mergePatch(itemPath(def, i), { metadata: { finalizers: null } }).catch((err: unknown) => {
                if (!isNotFound(err)) throw err;
              });
            }
          }
        }
        let rest: Array<[KindDefinition, Item]> = [];
        const gone = await poll(async () => (rest = await left()).length === 0, limit, 1000);
        if (!gone) {
          const names = rest
            .slice(0, 5)
            .map(([d, i]) => `${d.plural}/${i.metadata.namespace}/${i.metadata.name}`)
            .join(', ');
          throw new UserError(
            `${plural(rest.length, 'kelos resource')} still exist${rest.length === 1 ? 's' : ''} after ${opts.timeout ?? '5m'} (${names}${rest.length > 5 ? ', …' : ''}): ` +
              'their finalizers wait for the controller; start it, or run `kelos uninstall --force` to remove the finalizers',
          );
        }
      }

      const mapper = new RestMapper(client);
      const objects = installObjects();
      const controller = objects.filter((o) => o.kind !== 'CustomResourceDefinition').sort((a, b) => kindRank(b.kind) - kindRank(a.kind));
      const crds = opts.keepCrds ? [] : objects.filter((o) => o.kind === 'CustomResourceDefinition');
      const deleted: Array<[Manifest, string]> = [];
      for (const obj of [...controller, ...crds]) {
        const path = await mapper.path(obj);
        if (path && (await client.delete(path, { propagationPolicy: 'Background' }))) {
          say(`Deleted ${describeObject(obj)}`);
          deleted.push([obj, path]);
        }
      }
      if (deleted.length > 0) {
        say('Waiting for them to be removed');
        for (const [obj, path] of deleted) {
          const gone = await poll(async () => (await client.get(path)) === undefined, limit, 1000);
          if (!gone)
            throw new UserError(
              `${describeObject(obj)} is still terminating after ${opts.timeout ?? '5m'}: check \`kubectl get ${obj.kind.toLowerCase()} ${obj.metadata.name}\``,
            );
        }
      }
      if (workloads.length > 0 && !deleteWorkloads) {
        say(`Kept ${plural(workloads.length, 'spawner workload object')} applied from dist/ (a TaskSpawner does not own them):`);
        for (const w of workloads) say(`  ${workloadName(w)}`);
        say('Delete them with `kelos uninstall --workloads`, or where they are declared (a sync of dist/ re-creates them)');
      }
      const anything = deleted.length > 0 || total > 0 || deleteWorkloads;
      say(anything ? `Uninstalled kelos${opts.keepCrds ? ' (the CRDs were kept)' : ''}` : 'kelos was not installed: nothing to delete');
    },
    FIELD_MANAGER,
  );
}
