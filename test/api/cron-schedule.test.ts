import { describe, expect, it } from 'vitest';
import { CRON_MACROS, CronScheduleError, cronExpression, cronScheduleProblem, parseCronSchedule } from '../../lib/api/cron-schedule.js';

const EXPECTED = 'expected 5 fields (minute hour day-of-month month day-of-week) or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly';

describe('cronExpression', () => {
  it('returns a 5-field schedule with single spaces', () => {
    expect(cronExpression(' 0  9 * *  1 ')).toBe('0 9 * * 1');
    expect(cronExpression('0 0 ? * MON-FRI')).toBe('0 0 ? * MON-FRI');
    expect(cronExpression('*/15 1-5 1,15 jan,jul sun')).toBe('*/15 1-5 1,15 jan,jul sun');
  });

  it('expands every macro a Kubernetes CronJob accepts', () => {
    expect(Object.keys(CRON_MACROS)).toEqual(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
    expect(cronExpression('@daily')).toBe('0 0 * * *');
    expect(cronExpression('@hourly')).toBe('0 * * * *');
    expect(cronExpression('@weekly')).toBe('0 0 * * 0');
    expect(cronExpression('@monthly')).toBe('0 0 1 * *');
    expect(cronExpression('@yearly')).toBe('0 0 1 1 *');
    expect(cronExpression('@annually')).toBe('0 0 1 1 *');
    expect(cronExpression('@midnight')).toBe('0 0 * * *');
  });

  it('throws a CronScheduleError that quotes the schedule and gives the reason', () => {
    expect(() => cronExpression('0 25 * * *')).toThrow(CronScheduleError);
    expect(() => cronExpression('0 25 * * *')).toThrow(
      'invalid cron schedule "0 25 * * *": hour field "25": Constraint error, got value 25 expected range 0-23',
    );
  });
});

describe('cronScheduleProblem', () => {
  it('accepts valid schedules and macros', () => {
    for (const s of ['* * * * *', '0 9 * * 1', '@daily', '@hourly', '0 0 * * 0', '0 0 * * */7', '0 0 * jul wed'])
      expect(cronScheduleProblem(s)).toBeUndefined();
  });

  it.each([
    ['not a cron', `${EXPECTED}, got 3 fields`],
    ['', `must not be empty; ${EXPECTED}`],
    ['0 0 9 * * *', `${EXPECTED}, got 6 fields`],
    ['0 25 * * *', 'hour field "25": Constraint error, got value 25 expected range 0-23'],
    ['61 * * * *', 'minute field "61": Constraint error, got value 61 expected range 0-59'],
    ['0 0 0 * *', 'day-of-month field "0": Constraint error, got value 0 expected range 1-31'],
    ['*/0 * * * *', 'minute field "*/0": Constraint error, cannot repeat at every 0 time.'],
    ['0 0 31 2 *', 'Invalid explicit day of month definition'],
    ['0 0 * * MONDAY', 'day-of-week field "MONDAY": Validation error, cannot resolve alias "day"'],
    ['@dayly', `unknown macro "@dayly"; ${EXPECTED}`],
    ['@every 5m', '"@every" is not supported: the spawner counts calendar ticks; use 5 fields, e.g. "*/5 * * * *"'],
    ['TZ=UTC 0 0 * * *', 'must not name a time zone (TZ=, CRON_TZ=): schedules are evaluated in UTC'],
    // cron-parser accepts these; a Kubernetes CronJob (robfig/cron) does not.
    ['0 0 L * *', 'day-of-month field "L": "L" is not supported by Kubernetes CronJobs'],
    ['0 0 1W * *', 'day-of-month field "1W": "W" is not supported by Kubernetes CronJobs'],
    ['0 0 * * 5#2', 'day-of-week field "5#2": "#" is not supported by Kubernetes CronJobs'],
    ['0 0 * * 5L', 'day-of-week field "5L": "L" is not supported by Kubernetes CronJobs'],
    ['H * * * *', 'minute field "H": "H" is not supported by Kubernetes CronJobs'],
    ['0 0 * * 1-7', 'day-of-week field "1-7": day 7 is not a weekday for Kubernetes CronJobs; use 0 for Sunday'],
  ])('refuses %j: %s', (schedule, reason) => {
    expect(cronScheduleProblem(schedule)).toBe(reason);
  });

  it('refuses a value that is not a string', () => {
    expect(cronScheduleProblem(5)).toBe('must be a string');
  });
});

describe('parseCronSchedule', () => {
  it('gives the ticks of a macro in UTC', () => {
    const ticks = parseCronSchedule('@daily', new Date('2025-01-01T12:00:00Z'));
    expect(ticks.next().toDate().toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });
});
