import { describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../lib/kube/work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; adding it then re-queues it after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('backs off per key exponentially, and starts over after forget', () => {
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('a'))).toEqual([100, 200, 400, 800, 1000]);
    expect(q.addRateLimited('b')).toBe(100);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(100);
    q.shutDown();
  });

  it('keeps the earliest of several delayed adds', async () => {
    vi.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.addAfter('a', 10_000);
      q.addAfter('a', 20);
      q.addAfter('a', 30_000);
      vi.advanceTimersByTime(19);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
      expect(await q.get()).toBe('a');
      q.done('a');
      // The later adds were dropped, not kept for later.
      vi.advanceTimersByTime(60_000);
      expect(q.length).toBe(0);
      q.shutDown();
    } finally {
      vi.useRealTimers();
    }
  });

  it('releases waiting workers with undefined on shutdown and takes no more keys', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    expect(await q.get()).toBeUndefined();
  });
});

describe('WorkQueue with object keys', () => {
  const identity = (k: { kind: string; name: string }) => `${k.kind}/${k.name}`;

  it('queues equal keys once and hands back the key as added', async () => {
    const q = new WorkQueue<{ kind: string; name: string }>({ identity });
    q.add({ kind: 'Task', name: 'a' });
    q.add({ kind: 'Task', name: 'a' });
    q.add({ kind: 'TaskSpawner', name: 'a' });
    expect(q.length).toBe(2);
    expect(await q.get()).toEqual({ kind: 'Task', name: 'a' });
    expect(await q.get()).toEqual({ kind: 'TaskSpawner', name: 'a' });
  });

  it('re-queues an equal key added while the first is processed', async () => {
    const q = new WorkQueue<{ kind: string; name: string }>({ identity });
    q.add({ kind: 'Task', name: 'a' });
    const key = await q.get();
    q.add({ kind: 'Task', name: 'a' });
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
  });
});
