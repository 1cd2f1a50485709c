import { describe, expect, it } from 'vitest';
import { TASK_NAME_MAX_LENGTH, taskName } from '../../lib/spawner/task-name.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('taskName', () => {
  it.each([
    ['a GitHub number is kept', 'spawner', '42', 'spawner-42'],
    ['a Jira key is lowercased', 'my-spawner', 'PROJECT-1234', 'my-spawner-project-1234'],
    ['a cron tick is kept', 'nightly', '20250102-0900', 'nightly-20250102-0900'],
    ['invalid characters become a dash', 'spawner', 'PROJ_1', 'spawner-proj-1'],
    ['runs of separators collapse', 'spawner', 'PROJ--1', 'spawner-proj-1'],
    ['dots are separators', 'spawner', 'a..b', 'spawner-a-b'],
    ['trailing separators are trimmed', 'spawner', 'ABC-', 'spawner-abc'],
    ['an id with nothing valid falls back to the spawner name', 'spawner', '@@@', 'spawner'],
  ])('%s', (_, spawner, id, want) => {
    const got = taskName(spawner, id);
    expect(got).toBe(want);
    expect(got).toMatch(DNS1123_LABEL);
  });

  it('cuts long names to 63 characters with a stable hash suffix', () => {
    const long = 'x'.repeat(100);
    const name = taskName('spawner', long);
    expect(name.length).toBeLessThanOrEqual(TASK_NAME_MAX_LENGTH);
    expect(name).toMatch(DNS1123_LABEL);
    expect(taskName('spawner', long)).toBe(name);
  });

  it('keeps distinct long ids distinct after truncation', () => {
    const a = taskName('spawner', `${'a'.repeat(80)}-one`);
    const b = taskName('spawner', `${'a'.repeat(80)}-two`);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(b.length).toBeLessThanOrEqual(63);
  });

  it('leaves a name of exactly 63 characters alone', () => {
    const id = 'a'.repeat(63 - 'spawner-'.length);
    expect(taskName('spawner', id)).toBe(`spawner-${id}`);
  });
});
