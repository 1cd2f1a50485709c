import { describe, expect, it } from 'vitest';
import { nextStatus, setCondition } from '../../lib/spawner/status.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:05:00Z';

describe('nextStatus', () => {
  it('records a spawning cycle: counters, time, message and Ready', () => {
    const s = nextStatus(
      { totalTasksCreated: 4, deploymentName: 'd' },
      { kind: 'spawned', discovered: 10, created: 3, activeTasks: 3, waiting: 7, blockedBy: 'maxConcurrency', limit: 3, failures: [], discoveredAt: T0 },
      T0,
      2,
    );
    expect(s).toMatchObject({
      phase: 'Running',
      deploymentName: 'd',
      totalDiscovered: 10,
      totalTasksCreated: 7,
      activeTasks: 3,
      lastDiscoveryTime: T0,
      observedGeneration: 2,
      message: 'Discovered 10 items, created 3 Tasks (7 in total); 7 waiting for maxConcurrency (3)',
    });
    expect(s.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'Spawning', message: s.message, lastTransitionTime: T0, observedGeneration: 2 }]);
  });

  it('reports creation failures in the message and a False Ready condition', () => {
    const s = nextStatus(
      undefined,
      {
        kind: 'spawned',
        discovered: 1,
        created: 0,
        activeTasks: 0,
        waiting: 0,
        failures: ['w-1: Task w-1 exists and is not owned by TaskSpawner w'],
        discoveredAt: T0,
      },
      T0,
      1,
    );
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TaskCreateFailed' });
    expect(s.message).toContain('is not owned by TaskSpawner w');
  });

  it('keeps counters and the last discovery time when discovery fails', () => {
    const s = nextStatus({ totalTasksCreated: 2, totalDiscovered: 5, lastDiscoveryTime: T0 }, { kind: 'failed', error: 'GitHub answered 503' }, T1, 1);
    expect(s).toMatchObject({
      phase: 'Failed',
      totalTasksCreated: 2,
      totalDiscovered: 5,
      lastDiscoveryTime: T0,
      message: 'Discovery failed: GitHub answered 503',
    });
    expect(s.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'DiscoveryFailed' });
  });

  it('reports Suspended', () => {
    const s = nextStatus(undefined, { kind: 'suspended', activeTasks: 1 }, T0, 3);
    expect(s).toMatchObject({ phase: 'Suspended', activeTasks: 1 });
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'Suspended' });
  });
});

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status holds, and other types untouched', () => {
    const other = { type: 'WorkloadReady', status: 'True' as const, reason: 'X', message: '', lastTransitionTime: T0 };
    const first = setCondition([other], { type: 'Ready', status: 'True', reason: 'Spawning', message: 'a', lastTransitionTime: T0 });
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'Spawning', message: 'b', lastTransitionTime: T1 });
    expect(second).toEqual([other, { type: 'Ready', status: 'True', reason: 'Spawning', message: 'b', lastTransitionTime: T0 }]);
    const third = setCondition(second, { type: 'Ready', status: 'False', reason: 'DiscoveryFailed', message: 'c', lastTransitionTime: T1 });
    expect(third[1]!.lastTransitionTime).toBe(T1);
  });
});

describe('nextStatus with skipped items', () => {
  const spawned = (skipped: Array<{ reason: string; message: string }>) => ({
    kind: 'spawned' as const,
    discovered: 3,
    created: 1,
    activeTasks: 1,
    waiting: 0,
    failures: [],
    skipped,
    discoveredAt: T0,
  });

  it('names them in an ItemsSkipped condition, Ready staying True', () => {
    const s = nextStatus(undefined, spawned([{ reason: 'InvalidBranch', message: '#2: branch "a..b" is not a valid git branch name' }]), T0, 1);
    expect(s.conditions).toContainEqual({
      type: 'ItemsSkipped',
      status: 'True',
      reason: 'InvalidBranch',
      message: '1 items skipped: #2: branch "a..b" is not a valid git branch name',
      lastTransitionTime: T0,
      observedGeneration: 1,
    });
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(s.message).toContain('; 1 skipped: #2: branch "a..b"');
  });

  it('says Several for mixed reasons, and turns False once nothing is skipped', () => {
    const s = nextStatus(
      undefined,
      spawned([
        { reason: 'InvalidBranch', message: 'a' },
        { reason: 'BaseBranch', message: 'b' },
      ]),
      T0,
      1,
    );
    expect(s.conditions?.find((c) => c.type === 'ItemsSkipped')).toMatchObject({ status: 'True', reason: 'Several' });
    const next = nextStatus(s, spawned([]), T1, 1);
    expect(next.conditions?.find((c) => c.type === 'ItemsSkipped')).toMatchObject({ status: 'False', reason: 'NoneSkipped', lastTransitionTime: T1 });
    expect(nextStatus(undefined, spawned([]), T0, 1).conditions?.map((c) => c.type)).toEqual(['Ready']);
  });

  it('takes the count of Tasks created from the ledger when given', () => {
    expect(nextStatus({ totalTasksCreated: 1 }, { ...spawned([]), totalTasksCreated: 7 }, T0, 1).totalTasksCreated).toBe(7);
  });
});
