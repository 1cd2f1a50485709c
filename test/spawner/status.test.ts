import { describe, expect, it } from 'vitest';
import { nextStatus, setCondition } from '../../lib/spawner/status.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:05:00Z';

describe('nextStatus', () => {
  it('records a spawning cycle: counters, time, message and Ready', () => {
    const s = nextStatus({ totalTasksCreated: 4, deploymentName: 'd' }, { kind: 'spawned', discovered: 10, created: 3, activeTasks: 3, waiting: 7, blockedBy: 'maxConcurrency', limit: 3, failures: [], discoveredAt: T0 }, T0, 2);
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
    const s = nextStatus(undefined, { kind: 'spawned', discovered: 1, created: 0, activeTasks: 0, waiting: 0, failures: ['w-1: Task w-1 exists and is not owned by TaskSpawner w'], discoveredAt: T0 }, T0, 1);
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TaskCreateFailed' });
    expect(s.message).toContain('is not owned by TaskSpawner w');
  });

  it('keeps counters and the last discovery time when discovery fails', () => {
    const s = nextStatus({ totalTasksCreated: 2, totalDiscovered: 5, lastDiscoveryTime: T0 }, { kind: 'failed', error: 'GitHub answered 503' }, T1, 1);
    expect(s).toMatchObject({ phase: 'Failed', totalTasksCreated: 2, totalDiscovered: 5, lastDiscoveryTime: T0, message: 'Discovery failed: GitHub answered 503' });
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
