import { type CronExpression, CronExpressionParser } from 'cron-parser';

/**
 * The macros a Kubernetes CronJob accepts (robfig/cron's descriptors), as the
 * 5-field expressions they stand for. `@every <duration>` is left out: the
 * spawner counts ticks of a calendar schedule, and an interval has none.
 */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const EXPECTED = `expected 5 fields (${FIELDS.join(' ')}) or one of ${Object.keys(CRON_MACROS).join(', ')}`;

/** A schedule that is not a cron schedule a Kubernetes CronJob and the spawner both accept. */
export class CronScheduleError extends Error {
  constructor(
    readonly schedule: string,
    /** What is wrong, in the cron parser's words where it has them. */
    readonly reason: string,
  ) {
    super(`invalid cron schedule ${JSON.stringify(schedule)}: ${reason}`);
    this.name = 'CronScheduleError';
  }
}

/**
 * The 5-field expression (minute hour day-of-month month day-of-week, UTC) a
 * schedule stands for: the schedule itself with single spaces, or the
 * expansion of a macro such as `@daily`. Throws CronScheduleError with the
 * reason: the cron parser's own, or a feature cron-parser has and a
 * Kubernetes CronJob refuses (`L`, `W`, `#`, `H`, a 7th weekday, seconds,
 * `TZ=`), since the same schedule becomes a CronJob's.
 */
export function cronExpression(schedule: string): string {
  if (typeof schedule !== 'string') return parseExpression(schedule);
  // cron-parser is slow to start (time zones); pipelines repeat schedules and each is checked more than once.
  let known = checked.get(schedule);
  if (!known) {
    try {
      known = { expression: parseExpression(schedule) };
    } catch (err) {
      if (!(err instanceof CronScheduleError)) throw err;
      known = { reason: err.reason };
    }
    if (checked.size >= 1000) checked.clear();
    checked.set(schedule, known);
  }
  if (known.expression !== undefined) return known.expression;
  throw new CronScheduleError(schedule, known.reason!);
}

const checked = new Map<string, { expression?: string; reason?: string }>();

function parseExpression(schedule: string): string {
  const fail = (reason: string): never => {
    throw new CronScheduleError(String(schedule), reason);
  };
  if (typeof schedule !== 'string') return fail('must be a string');
  const text = schedule.trim();
  if (text === '') return fail(`must not be empty; ${EXPECTED}`);
  if (/^(CRON_)?TZ=/i.test(text)) return fail('must not name a time zone (TZ=, CRON_TZ=): schedules are evaluated in UTC');
  if (text.startsWith('@')) {
    const macro = CRON_MACROS[text];
    if (macro) return macro;
    if (/^@every\b/.test(text)) return fail(`"@every" is not supported: the spawner counts calendar ticks; use 5 fields, e.g. "*/5 * * * *"`);
    return fail(`unknown macro ${JSON.stringify(text)}; ${EXPECTED}`);
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return fail(`${EXPECTED}, got ${fields.length} field${fields.length === 1 ? '' : 's'}`);
  fields.forEach((field, i) => {
    const problem = cronJobProblem(field, i);
    if (problem) fail(`${FIELDS[i]} field ${JSON.stringify(field)}: ${problem}`);
  });
  const expression = fields.join(' ');
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
  } catch (err) {
    const at = fields.findIndex((_, i) => !parses(fields.map((f, j) => (j === i ? f : '*')).join(' ')));
    fail(`${at >= 0 ? `${FIELDS[at]} field ${JSON.stringify(fields[at])}: ` : ''}${(err as Error).message}`);
  }
  return expression;
}

/** The reason a schedule is refused, or undefined when it is a valid cron schedule. */
export function cronScheduleProblem(schedule: unknown): string | undefined {
  try {
    cronExpression(schedule as string);
    return undefined;
  } catch (err) {
    if (err instanceof CronScheduleError) return err.reason;
    throw err;
  }
}

/** The schedule's ticks after `currentDate`, in UTC. Throws CronScheduleError. */
export function parseCronSchedule(schedule: string, currentDate: Date): CronExpression {
  return CronExpressionParser.parse(cronExpression(schedule), { currentDate, tz: 'UTC' });
}

function parses(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/** What robfig/cron (the CronJob parser) refuses in a field that cron-parser accepts. */
function cronJobProblem(field: string, index: number): string | undefined {
  if (field.includes('#')) return '"#" is not supported by Kubernetes CronJobs';
  if (/^H(\(|$|\/)/i.test(field)) return '"H" is not supported by Kubernetes CronJobs';
  // Steps (after '/') are counts, not values.
  for (const token of field.split(',').flatMap((part) => part.split('/')[0]!.split('-'))) {
    if (index === 4 && token === '7') return 'day 7 is not a weekday for Kubernetes CronJobs; use 0 for Sunday';
    const special = /^(?:\d*(L)W?|\d*(W))$/i.exec(token);
    if (special) return `"${(special[1] ?? special[2])!.toUpperCase()}" is not supported by Kubernetes CronJobs`;
  }
  return undefined;
}
