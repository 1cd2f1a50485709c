import { describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import { spawnerGate, spawnerGateState } from '../../lib/controller/spawner-gate.js';

function task(name: string, o: { created: string; limit?: string; spawner?: string; jobName?: string; phase?: string; dependsOn?: string[] }): Task {
  return {
    apiVersion: 'kelos.dev/v1alpha1',
    kind: 'Task',
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: o.created,
      labels: { 'kelos.dev/taskspawner': o.spawner ?? 'hooks' },
      ...(o.limit !== undefined ? { annotations: { 'kelos.dev/max-concurrency': o.limit } } : {}),
    },
    spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'none' }, ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}) },
    ...(o.jobName || o.phase ? { status: { ...(o.jobName ? { jobName: o.jobName } : {}), ...(o.phase ? { phase: o.phase as never } : {}) } } : {}),
  };
}

function state(t: Task, peers: Task[]) {
  const byName = new Map(peers.map((p) => [p.metadata.name!, p]));
  return spawnerGateState(
    t,
    (key) => peers.filter((p) => spawnerGate(p)?.key === key),
    byName,
    () => false,
  );
}

describe('spawnerGateState', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  it('lets every Task start when none carries a limit', () => {
    const peers = [task('a', { created: at(0), jobName: 'a' }), task('b', { created: at(1) })];
    expect(state(peers[1]!, peers)).toEqual({ free: true });
  });

  it('holds a Task while its spawner runs maxConcurrency Tasks, and frees it when one finishes', () => {
    const running = [task('a', { created: at(0), limit: '2', jobName: 'a' }), task('b', { created: at(1), limit: '2', jobName: 'b' })];
    const c = task('c', { created: at(2), limit: '2' });
    expect(state(c, [...running, c])).toEqual({ free: false, spawner: 'hooks', limit: 2 });
    const finished = [{ ...running[0]!, status: { jobName: 'a', phase: 'Succeeded' as const } }, running[1]!];
    expect(state(c, [...finished, c])).toEqual({ free: true });
  });

  it('serves the waiting Tasks first created first', () => {
    const a = task('a', { created: at(0), limit: '1', jobName: 'a', phase: 'Succeeded' });
    const b = task('b', { created: at(1), limit: '1' });
    const c = task('c', { created: at(2), limit: '1' });
    expect(state(b, [a, b, c])).toEqual({ free: true });
    expect(state(c, [a, b, c])).toEqual({ free: false, spawner: 'hooks', limit: 1 });
  });

  it('does not let an earlier Task that waits for its dependencies hold a slot', () => {
    const b = task('b', { created: at(1), limit: '1', dependsOn: ['setup'] });
    const c = task('c', { created: at(2), limit: '1' });
    expect(state(c, [b, c])).toEqual({ free: true });
  });

  it('keeps the gates of two spawners apart, and ignores a limit that is not a positive integer', () => {
    const other = task('x', { created: at(0), limit: '1', spawner: 'other', jobName: 'x' });
    const mine = task('m', { created: at(1), limit: '1' });
    expect(state(mine, [other, mine])).toEqual({ free: true });
    expect(spawnerGate(task('z', { created: at(0), limit: '0' }))).toBeUndefined();
    expect(spawnerGate(task('z', { created: at(0), limit: '-1' }))).toBeUndefined();
  });
});
