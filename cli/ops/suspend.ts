// `kelos suspend|resume taskspawner <name>`: sets spec.suspend.
import { Annotation } from '../../lib/api/constants.js';
import type { TaskSpawner } from '../../lib/api/task-spawner.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, requireCrds, withCluster } from './_context.js';
import { kindOf, notFound, objectPathOf } from './_kinds.js';

export async function runSuspend(g: GlobalOptions, word: string, name: string, suspend: boolean): Promise<void> {
  const def = kindOf(word);
  const done = suspend ? 'suspended' : 'resumed';
  if (def.kind !== 'TaskSpawner') throw new UserError(`only taskspawners can be ${done}, not ${def.plural}`, 2);
  await withCluster(g, async ({ client, namespace }) => {
    await requireCrds(client, [def.kind]);
    const path = objectPathOf(def, namespace, name);
    const ts = await client.get<TaskSpawner>(path);
    if (!ts) throw notFound(def, name, namespace);
    if ((ts.spec.suspend ?? false) === suspend) {
      process.stdout.write(`taskspawner/${name} is already ${suspend ? 'suspended' : 'running (not suspended)'}\n`);
      return;
    }
    await client.mergePatch(path, { spec: { suspend } });
    process.stdout.write(`taskspawner/${name} ${done}\n`);
    if (ts.metadata.annotations?.[Annotation.WORKLOAD_COMPILED] === 'true') {
      process.stderr.write(
        `Note: taskspawner/${name} was rendered by kelos synth; set \`suspend: ${suspend}\` in its pipeline too, or the next sync of dist/ reverts this\n`,
      );
    }
  });
}
