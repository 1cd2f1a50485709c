// `kelos delete <kind> <name>... | --all`
import { UserError } from '../errors.js';
import { type GlobalOptions, poll, requireCrds, timeoutMs, withCluster } from './_context.js';
import { collectionPath, kindOf, notFound, objectPathOf } from './_kinds.js';

export interface DeleteOptions {
  readonly all?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
}

export async function runDelete(g: GlobalOptions, word: string, names: string[], opts: DeleteOptions): Promise<void> {
  const def = kindOf(word);
  if (opts.all && names.length > 0) throw new UserError(`pass either names or --all, not both`, 2);
  if (!opts.all && names.length === 0)
    throw new UserError(`name the ${def.singular} to delete, or pass --all to delete every ${def.singular} of the namespace`, 2);
  const limit = opts.wait ? timeoutMs(opts.timeout, '2m') : 0;
  await withCluster(g, async ({ client, namespace }) => {
    await requireCrds(client, [def.kind]);
    let targets = names;
    if (opts.all) {
      const list = await client.list<{ metadata: { name: string } }>(collectionPath(def, namespace));
      targets = list.items.map((i) => i.metadata.name);
      if (targets.length === 0) {
        process.stderr.write(`No ${def.plural} found in namespace "${namespace}".\n`);
        return;
      }
    } else {
      // Check them all first, so a typo deletes nothing.
      for (const name of names) if (!(await client.get(objectPathOf(def, namespace, name)))) throw notFound(def, name, namespace);
    }
    for (const name of targets) {
      if (await client.delete(objectPathOf(def, namespace, name), { propagationPolicy: 'Background' })) {
        process.stdout.write(`${def.singular}/${name} deleted\n`);
      }
    }
    if (opts.wait) {
      for (const name of targets) {
        const gone = await poll(async () => (await client.get(objectPathOf(def, namespace, name))) === undefined, limit);
        if (!gone)
          throw new UserError(`${def.singular}/${name} is still there after ${opts.timeout ?? '2m'}: its finalizer waits for the controller (is it running?)`);
      }
    }
  });
}
