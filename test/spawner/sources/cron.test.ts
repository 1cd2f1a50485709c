import { describe, expect, it } from 'vitest';
import { CronSource, MAX_CRON_TICKS, tickId } from '../../../lib/spawner/sources/cron.js';

describe('CronSource', () => {
  it('yields one item per tick in (since, now], with ID, Time and Schedule', async () => {
    const src = new CronSource({ schedule: '0 9 * * 1', since: new Date('2025-01-01T00:00:00Z') });
    const items = await src.discover(new Date('2025-01-20T09:00:00Z'));
    expect(items.map((i) => i.id)).toEqual(['20250106-0900', '20250113-0900', '20250120-0900']);
    expect(items[0]).toMatchObject({ title: '2025-01-06T09:00:00Z', time: '2025-01-06T09:00:00Z', schedule: '0 9 * * 1', number: 0, body: '', comments: '' });
  });

  it('excludes a tick exactly at since (it belongs to the previous cycle)', async () => {
    const src = new CronSource({ schedule: '*/15 * * * *', since: new Date('2025-01-01T10:00:00Z') });
    const items = await src.discover(new Date('2025-01-01T10:31:00Z'));
    expect(items.map((i) => i.id)).toEqual(['20250101-1015', '20250101-1030']);
  });

  it('returns nothing before the next tick', async () => {
    const src = new CronSource({ schedule: '0 0 * * *', since: new Date('2025-01-01T00:00:01Z') });
    expect(await src.discover(new Date('2025-01-01T23:59:59Z'))).toEqual([]);
  });

  it('stops at 1,000 ticks', async () => {
    const src = new CronSource({ schedule: '* * * * *', since: new Date('2025-01-01T00:00:00Z') });
    const items = await src.discover(new Date('2025-01-10T00:00:00Z'));
    expect(items).toHaveLength(MAX_CRON_TICKS);
    expect(items[0]!.id).toBe('20250101-0001');
  });

  it('evaluates the schedule in UTC, whatever the local time zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      // New York is at UTC-5, then UTC-4 from 2025-03-09 07:00Z: local 09:00 would be 14:00Z, then 13:00Z.
      const src = new CronSource({ schedule: '0 9 * * *', since: new Date('2025-03-08T00:00:00Z') });
      const items = await src.discover(new Date('2025-03-11T00:00:00Z'));
      expect(items.map((i) => i.time)).toEqual(['2025-03-08T09:00:00Z', '2025-03-09T09:00:00Z', '2025-03-10T09:00:00Z']);
      expect(items.map((i) => i.id)).toEqual(['20250308-0900', '20250309-0900', '20250310-0900']);
      expect(tickId(new Date('2025-03-09T23:05:00Z'))).toBe('20250309-2305');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('fails on schedules that are not 5 fields, naming the expected form', async () => {
    await expect(new CronSource({ schedule: '0 0 9 * * 1', since: new Date() }).discover(new Date())).rejects.toThrow(/expected 5 fields/);
    await expect(new CronSource({ schedule: '61 * * * *', since: new Date() }).discover(new Date())).rejects.toThrow(/invalid cron schedule/);
  });
});
