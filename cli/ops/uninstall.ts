// `kelos uninstall`: kelos resources first (their finalizers need the
// controller), then the controller install, then the CRDs.
import { API_VERSION, FIELD_MANAGER } from '../../lib/api/constants.js';
import type { KindDefinition } from '../../lib/api/kind.js';
import { KINDS } from '../../lib/api/kinds.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { isNotFound } from '../../lib/kube/kube-error.js';
import { resourceOf, resourcePath, type ResourceType } from '../../lib/kube/resource-path.js';
import { UserError } from '../errors.js';
import { poll, timeoutMs, withCluster, type GlobalOptions } from './_context.js';
import { confirm } from './_prompt.js';
import { RestMapper, describeObject, type Manifest } from './_rest.js';
import { installObjects } from './install.js';
import { kindRank } from './_rest.js';

export interface UninstallOptions {
  readonly keepCrds?: boolean;
  readonly force?: boolean;
  readonly yes?: boolean;
  readonly timeout?: string;
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
      if (total > 0 && !opts.yes) {
        const what = [...found].map(([kind, l]) => plural(l.length, kind)).join(', ');
        const ok = await confirm(`Delete ${what} in all namespaces, the controller and the CRDs?`);
        if (!ok) throw new UserError('uninstall aborted, nothing was deleted (pass -y to skip this question)');
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
          const names = rest.slice(0, 5).map(([d, i]) => `${d.plural}/${i.metadata.namespace}/${i.metadata.name}`).join(', ');
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
          if (!gone) throw new UserError(`${describeObject(obj)} is still terminating after ${opts.timeout ?? '5m'}: check \`kubectl get ${obj.kind.toLowerCase()} ${obj.metadata.name}\``);
        }
      }
      say(deleted.length > 0 || total > 0 ? `Uninstalled kelos${opts.keepCrds ? ' (the CRDs were kept)' : ''}` : 'kelos was not installed: nothing to delete');
    },
    FIELD_MANAGER,
  );
}
