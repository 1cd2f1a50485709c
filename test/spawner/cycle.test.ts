import { describe, expect, it } from 'vitest';
import { type CycleInput, type ExistingTask, planCycle, priorityRank } from '../../lib/spawner/cycle.js';
import type { WorkItem } from '../../lib/spawner/work-item.js';

const item = (n: number, labels: string[] = [], triggerTime?: string): WorkItem => ({
  id: String(n),
  number: n,
  title: `issue ${n}`,
  body: '',
  url: '',
  labels,
  kind: 'Issue',
  ...(triggerTime ? { triggerTime: new Date(triggerTime) } : {}),
});
const task = (n: number, phase?: string, completionTime?: string, deleting = false): ExistingTask => ({
  name: `w-${n}`,
  ...(phase ? { phase } : {}),
  ...(completionTime ? { completionTime } : {}),
  deleting,
});
const plan = (p: Partial<CycleInput>) => planCycle({ spawner: 'w', items: [], tasks: [], totalTasksCreated: 0, ...p });
const names = (p: ReturnType<typeof planCycle>) => p.creates.map((c) => c.name);

describe('planCycle', () => {
  it('creates a Task for each item without one, named <spawner>-<id>', () => {
    const p = plan({ items: [item(1), item(2)], tasks: [task(1, 'Running')] });
    expect(names(p)).toEqual(['w-2']);
    expect(p).toMatchObject({ activeTasks: 1, waiting: 0, deletes: [] });
  });

  it('orders by priority label, then by discovery order', () => {
    const priorityLabels = ['priority/critical-urgent', 'priority/important-soon', 'priority/backlog'];
    const items = [
      item(1),
      item(2, ['priority/backlog']),
      item(3, ['priority/critical-urgent']),
      item(4, ['bug', 'priority/important-soon']),
      item(5, ['priority/critical-urgent']),
    ];
    expect(names(plan({ items, priorityLabels }))).toEqual(['w-3', 'w-5', 'w-4', 'w-2', 'w-1']);
  });

  it('uses the best of several priority labels', () => {
    expect(priorityRank(['p2', 'p0'], ['p0', 'p1', 'p2'])).toBe(0);
    expect(priorityRank(['x'], ['p0'])).toBe(1);
  });

  it('stops at maxConcurrency counting non-terminal Tasks', () => {
    const items = [1, 2, 3, 4, 5, 6].map((n) => item(n));
    const tasks = [task(1, 'Running'), task(2, 'Succeeded', '2025-01-01T00:00:00Z'), task(3)];
    const p = plan({ items, tasks, maxConcurrency: 3 });
    expect(names(p)).toEqual(['w-4']);
    expect(p).toMatchObject({ activeTasks: 2, waiting: 2, blockedBy: 'maxConcurrency' });
  });

  it('creates nothing when maxConcurrency is already reached', () => {
    const p = plan({ items: [item(9)], tasks: [task(1, 'Running'), task(2, 'Pending')], maxConcurrency: 2 });
    expect(p.creates).toEqual([]);
    expect(p.blockedBy).toBe('maxConcurrency');
  });

  it('stops at maxTotalTasks counting Tasks created over the lifetime', () => {
    const p = plan({ items: [item(1), item(2), item(3)], maxTotalTasks: 5, totalTasksCreated: 3 });
    expect(names(p)).toEqual(['w-1', 'w-2']);
    expect(p).toMatchObject({ waiting: 1, blockedBy: 'maxTotalTasks' });
    expect(plan({ items: [item(1)], maxTotalTasks: 3, totalTasksCreated: 3 }).creates).toEqual([]);
  });

  it('treats 0 limits as unlimited', () => {
    expect(names(plan({ items: [item(1), item(2)], maxConcurrency: 0, maxTotalTasks: 0 }))).toEqual(['w-1', 'w-2']);
  });

  it('replaces a finished Task when a newer trigger arrived after it completed', () => {
    const items = [item(1, [], '2025-01-02T00:00:00Z'), item(2, [], '2025-01-01T00:00:00Z'), item(3, [], '2025-01-05T00:00:00Z')];
    const tasks = [task(1, 'Succeeded', '2025-01-01T12:00:00Z'), task(2, 'Failed', '2025-01-01T12:00:00Z'), task(3, 'Running')];
    const p = plan({ items, tasks });
    expect(p.creates).toEqual([{ name: 'w-1', item: items[0], replaces: true }]);
    expect(p.deletes).toEqual(['w-1']);
  });

  it('does not replace a Task whose deletion is under way, nor one without a completion time', () => {
    const items = [item(1, [], '2025-01-02T00:00:00Z'), item(2, [], '2025-01-02T00:00:00Z')];
    const tasks = [task(1, 'Succeeded', '2025-01-01T00:00:00Z', true), task(2, 'Succeeded')];
    expect(plan({ items, tasks }).creates).toEqual([]);
  });

  it('counts a replacement against the limits and only deletes what it will recreate', () => {
    const items = [item(1, ['p0'], '2025-01-02T00:00:00Z'), item(2, ['p1'], '2025-01-02T00:00:00Z')];
    const tasks = [task(1, 'Succeeded', '2025-01-01T00:00:00Z'), task(2, 'Succeeded', '2025-01-01T00:00:00Z'), task(7, 'Running')];
    const p = plan({ items, tasks, maxConcurrency: 2, priorityLabels: ['p0', 'p1'] });
    expect(p.deletes).toEqual(['w-1']);
    expect(names(p)).toEqual(['w-1']);
  });

  it('collapses items that map to the same name', () => {
    expect(
      names(
        plan({
          items: [
            { ...item(1), id: 'A_1' },
            { ...item(2), id: 'a-1' },
          ],
        }),
      ),
    ).toEqual(['w-a-1']);
  });
});

describe('planCycle with the trigger ledger', () => {
  const T1 = '2025-01-01T00:00:00Z';
  const T2 = '2025-01-02T00:00:00Z';

  it('gives an item admitted without a trigger time one Task ever, also once its Task is gone', () => {
    const p = plan({ items: [item(1), item(2)], spent: new Map([['w-1', 0]]) });
    expect(names(p)).toEqual(['w-2']);
  });

  it('spawns again only for a trigger newer than the one spent, whether the old Task still exists or not', () => {
    const spent = new Map([['w-1', Date.parse(T1)]]);
    expect(names(plan({ items: [item(1, [], T1)], spent }))).toEqual([]);
    expect(names(plan({ items: [item(1, [], T2)], spent }))).toEqual(['w-1']);
    // The finished Task is still there: it is replaced.
    const p = plan({ items: [item(1, [], T2)], spent, tasks: [task(1, 'Succeeded', '2025-01-01T12:00:00Z')] });
    expect(p.creates).toEqual([{ name: 'w-1', item: item(1, [], T2), replaces: true }]);
  });

  it('lists every candidate in priority order with the capacity, so a refused one makes way for the next', () => {
    const p = plan({ items: [item(1), item(2), item(3)], maxConcurrency: 2, tasks: [task(9, 'Running')] });
    expect(p.candidates.map((c) => c.name)).toEqual(['w-1', 'w-2', 'w-3']);
    expect(p.capacity).toBe(1);
    expect(names(p)).toEqual(['w-1']);
    expect(plan({ items: [item(1)] }).capacity).toBe(Infinity);
    expect(plan({ items: [item(1)], maxTotalTasks: 3, totalTasksCreated: 5 }).capacity).toBe(0);
  });
});
