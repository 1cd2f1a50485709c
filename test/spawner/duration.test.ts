import { describe, expect, it } from 'vitest';
import { parseDuration, pollIntervalMs } from '../../lib/spawner/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['90', 90_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5 minutes', '1d', 'm5', '5m junk'])('fails on %j with the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a Go duration/);
  });
});

describe('pollIntervalMs', () => {
  const cron = { cron: { schedule: '* * * * *' } };
  it("prefers the source's own pollInterval", () => {
    expect(pollIntervalMs({ when: { githubIssues: { pollInterval: '30s' } }, pollInterval: '10m' })).toBe(30_000);
    expect(pollIntervalMs({ when: { jira: { baseUrl: 'https://j', project: 'P', secretRef: { name: 's' }, pollInterval: '2m' } } })).toBe(120_000);
  });
  it('falls back to the spec-level pollInterval, then 5m', () => {
    expect(pollIntervalMs({ when: { githubPullRequests: {} }, pollInterval: '1m' })).toBe(60_000);
    expect(pollIntervalMs({ when: cron })).toBe(300_000);
  });
});
