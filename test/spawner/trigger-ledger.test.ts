import { describe, expect, it } from 'vitest';
import {
  boundLedger,
  decodeLedger,
  EMPTY_LEDGER,
  encodeLedger,
  type Ledger,
  reconcileLedger,
  reserve,
  settle,
  spentUpTo,
} from '../../lib/spawner/trigger-ledger.js';

const ledger = (created: number, ...records: Array<[string, number, boolean?]>): Ledger => ({
  created,
  records: records.map(([name, upTo, pending]) => ({ name, upTo, pending: pending ?? false })),
});

describe('the trigger ledger', () => {
  it('round-trips through its JSON form', () => {
    const l = ledger(3, ['w-1', 0], ['w-2', 1735689600000, true]);
    expect(encodeLedger(l)).toBe('{"v":1,"created":3,"records":[["w-1",0,0],["w-2",1735689600000,1]]}');
    expect(decodeLedger(encodeLedger(l))).toEqual(l);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['another version', '{"v":2,"created":0,"records":[]}', /expected \{"v":1/],
    ['a negative count', '{"v":1,"created":-1,"records":[]}', /expected \{"v":1/],
    ['a bad record', '{"v":1,"created":0,"records":[["w-1","x",0]]}', /bad record/],
  ])('fails clearly on %s', (_, text, message) => {
    expect(() => decodeLedger(text)).toThrow(message);
  });

  it('counts and spends a reservation before the Task exists, and undoes it when the create certainly failed', () => {
    const before = ledger(1, ['w-1', 0]);
    const reserved = reserve(before, [
      { name: 'w-2', upTo: 0 },
      { name: 'w-3', upTo: 5 },
    ]);
    expect(reserved.created).toBe(3);
    expect(spentUpTo(reserved)).toEqual(
      new Map([
        ['w-1', 0],
        ['w-2', 0],
        ['w-3', 5],
      ]),
    );
    const settled = settle(reserved, before, ['w-2'], ['w-3']);
    expect(settled).toEqual(ledger(2, ['w-1', 0], ['w-2', 0]));
  });

  it('restores the earlier record of an item whose re-trigger could not be created', () => {
    const before = ledger(1, ['w-1', 100]);
    const reserved = reserve(before, [{ name: 'w-1', upTo: 200 }]);
    expect(settle(reserved, before, [], ['w-1'])).toEqual(ledger(1, ['w-1', 100]));
  });

  it('confirms a pending reservation whose Task exists, and spends one whose Task is missing (at most one Task per trigger)', () => {
    const r = reconcileLedger(ledger(2, ['w-1', 0, true], ['w-2', 0, true]), [{ name: 'w-1', createdAt: 10 }]);
    expect(r.ledger).toEqual(ledger(2, ['w-1', 0], ['w-2', 0]));
    expect(r.unconfirmed).toEqual(['w-2']);
    expect(r.changed).toBe(true);
  });

  it('spends triggers given while a Task ran, and records Tasks made before the ledger existed', () => {
    const r = reconcileLedger(ledger(1, ['w-1', 100]), [
      { name: 'w-1', createdAt: 50, completedAt: 300 },
      { name: 'w-9', createdAt: 70 },
    ]);
    expect(r.ledger).toEqual(ledger(1, ['w-1', 300], ['w-9', 70]));
    expect(reconcileLedger(r.ledger, [{ name: 'w-1', createdAt: 50, completedAt: 300 }]).changed).toBe(false);
  });

  it('stays bounded: drops the oldest records of items no longer seen, never pending ones', () => {
    const l = ledger(5, ['a', 1], ['b', 2, true], ['c', 3], ['d', 4], ['e', 5]);
    expect(boundLedger(l, new Set(['c']), 3)).toEqual(ledger(5, ['b', 2, true], ['c', 3], ['e', 5]));
    expect(boundLedger(l, new Set(['a', 'c', 'd', 'e']), 3)).toBeUndefined();
    expect(boundLedger(l, new Set(), 10)).toBe(l);
  });

  it('keeps 5,000 items, each with a record, well inside a ConfigMap', () => {
    let l = EMPTY_LEDGER;
    const names = Array.from({ length: 5000 }, (_, i) => `kelos-workers-${10000 + i}`);
    l = reserve(
      l,
      names.map((name) => ({ name, upTo: 1735689600000 })),
    );
    const bounded = boundLedger(l, new Set(names))!;
    expect(bounded.records).toHaveLength(5000);
    expect(Buffer.byteLength(encodeLedger(bounded))).toBeLessThan(256 * 1024);
    // The worst case: 8,000 names of 63 characters.
    const worst = reserve(
      EMPTY_LEDGER,
      Array.from({ length: 8000 }, (_, i) => ({ name: `${'x'.repeat(53)}-${String(i).padStart(9, '0')}`, upTo: 1735689600000 })),
    );
    expect(Buffer.byteLength(encodeLedger(worst))).toBeLessThan(1024 * 1024 - 4096);
  });
});
