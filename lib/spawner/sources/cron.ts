import { parseCronSchedule } from '../../api/cron-schedule.js';
import { rfc3339 } from '../../api/index.js';
import type { WorkItem } from '../work-item.js';
import type { Source } from './source.js';

/** At most this many ticks are returned by one discovery. */
export const MAX_CRON_TICKS = 1000;

export interface CronSourceOptions {
  /** A 5-field cron expression or a macro such as `@daily`, evaluated in UTC. */
  readonly schedule: string;
  /** Ticks strictly after this instant count (the spawner's lastDiscoveryTime, else its creation). */
  readonly since: Date;
}

/** `YYYYMMDD-HHMM` in UTC. */
export function tickId(t: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}`;
}

/** One work item per schedule tick in (since, now], oldest first, at most 1,000. */
export class CronSource implements Source {
  constructor(private readonly options: CronSourceOptions) {}

  async discover(now: Date): Promise<WorkItem[]> {
    const expr = parseCronSchedule(this.options.schedule, this.options.since);
    const items: WorkItem[] = [];
    while (items.length < MAX_CRON_TICKS) {
      const next = expr.next().toDate();
      if (next.getTime() > now.getTime()) break;
      const time = rfc3339(next);
      items.push({ id: tickId(next), number: 0, title: time, body: '', url: '', labels: [], kind: '', comments: '', time, schedule: this.options.schedule });
    }
    return items;
  }
}
