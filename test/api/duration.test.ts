import { describe, expect, it } from 'vitest';
import { goDurationSeconds } from '../../lib/api/duration.js';

describe('goDurationSeconds', () => {
  it.each([
    ['5m', 300],
    ['90s', 90],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['500ms', 0.5],
    ['0', 0],
    [' 2m ', 120],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(goDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', '5', 'm', '5 m', '5x', '1h 30m', '-5m'])('rejects %j', (text) => {
    expect(goDurationSeconds(text)).toBeUndefined();
  });
});
