import { createHash } from 'node:crypto';

/** Longest Task name: Task names become Job names and `kelos.dev/task` label values. */
export const TASK_NAME_MAX_LENGTH = 63;

/**
 * The Task name for a work item: `<spawner>-<id>`, the id lowercased with
 * every run of characters outside `[a-z0-9]` turned into one `-`. A name
 * longer than 63 characters is cut and given a hash of the untruncated name,
 * so distinct long ids never collide and the same id always maps to the same
 * name (which is what makes "skip names that exist" safe).
 */
export function taskName(spawner: string, id: string): string {
  const safeId = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const name = safeId ? `${spawner}-${safeId}` : spawner;
  if (name.length <= TASK_NAME_MAX_LENGTH) return name;
  const hash = createHash('sha256').update(`${spawner}\0${id}`).digest('hex').slice(0, 10);
  const head = name.slice(0, TASK_NAME_MAX_LENGTH - hash.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${head}-${hash}`;
}
