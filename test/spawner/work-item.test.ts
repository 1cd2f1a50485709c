import { describe, expect, it } from 'vitest';
import { joinNewest, templateVars } from '../../lib/spawner/work-item.js';

describe('work item variables', () => {
  it('always defines every variable', () => {
    expect(templateVars({ id: '1', number: 1, title: 't', body: '', url: 'u', labels: ['a', 'b'], kind: 'Issue' })).toEqual({
      ID: '1',
      Number: 1,
      Title: 't',
      Body: '',
      URL: 'u',
      Labels: 'a, b',
      Comments: '',
      Kind: 'Issue',
      Branch: '',
      ReviewState: '',
      ReviewComments: '',
      ChangedFiles: '',
      Time: '',
      Schedule: '',
    });
  });
  it('gives the changed files one a line', () => {
    expect(templateVars({ id: '7', number: 7, title: 't', body: '', url: 'u', labels: [], kind: 'PR', changedFiles: ['a.ts', 'docs/b.md'] }).ChangedFiles).toBe(
      'a.ts\ndocs/b.md',
    );
  });
  it('keeps the newest comments that fit, oldest first', () => {
    expect(joinNewest(['a', 'b', 'c'])).toBe('a\n---\nb\n---\nc');
    expect(joinNewest(['aaaa', 'bb', 'cc'], 4)).toBe('bb\n---\ncc');
  });
});
