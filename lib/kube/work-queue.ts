export interface WorkQueueOptions<K = string> {
  /** First retry delay of a failing key. @default 100 ms */
  readonly baseDelayMs?: number;
  /** @default 60 s */
  readonly maxDelayMs?: number;
  /**
   * The identity of a key: two keys with the same identity are the same work
   * item. Lets keys be objects rather than strings built and split again.
   * @default String
   */
  readonly identity?: (key: K) => string;
}

/**
 * A keyed work queue with client-go's guarantees: a key is queued at most
 * once; a key is never processed by two workers at once (adding it while it
 * is processed queues it again after `done`); failures back off per key
 * exponentially; `addAfter` wakes a key later (the earliest wins).
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private head = 0;
  // All sets and maps below are by identity.
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: K | undefined) => void> = [];
  private shuttingDown = false;
  private readonly base: number;
  private readonly max: number;
  private readonly id: (key: K) => string;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.base = options.baseDelayMs ?? 100;
    this.max = options.maxDelayMs ?? 60_000;
    this.id = options.identity ?? String;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  add(key: K): void {
    if (this.shuttingDown) return;
    const id = this.id(key);
    if (this.processing.has(id)) {
      this.dirty.add(id);
      return;
    }
    if (this.queued.has(id)) return;
    this.queued.add(id);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(id);
      this.processing.add(id);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const id = this.id(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(id, { at, timer });
  }

  /** Re-queues a key that failed, after its next backoff delay. */
  addRateLimited(key: K): number {
    const id = this.id(key);
    const n = this.failures.get(id) ?? 0;
    this.failures.set(id, n + 1);
    const delay = Math.min(this.base * 2 ** n, this.max);
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its backoff starts over. */
  forget(key: K): void {
    this.failures.delete(this.id(key));
  }

  /** The next key to process; undefined once shut down. Call `done(key)` after. */
  get(): Promise<K | undefined> {
    if (this.length > 0) {
      const key = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      const id = this.id(key);
      this.queued.delete(id);
      this.processing.add(id);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    const id = this.id(key);
    this.processing.delete(id);
    if (this.dirty.delete(id)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
