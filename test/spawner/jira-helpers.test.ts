import { describe, expect, it } from 'vitest';
import { buildJql, issueNumber, plainText } from '../../lib/spawner/jira.js';
import { templateNeeds } from '../../lib/spawner/source.js';
import { joinNewest, templateVars } from '../../lib/spawner/work-item.js';

describe('buildJql', () => {
  it('scopes the query to the project and keeps ORDER BY outside', () => {
    expect(buildJql('OPS')).toBe('project = OPS');
    expect(buildJql('OPS', 'status = "To Do" OR labels = agent')).toBe('project = OPS AND (status = "To Do" OR labels = agent)');
    expect(buildJql('OPS', 'labels = agent ORDER BY created DESC')).toBe('project = OPS AND (labels = agent) ORDER BY created DESC');
    expect(buildJql('OPS', 'order by key')).toBe('project = OPS order by key');
  });
});

describe('Jira helpers', () => {
  it('takes the number from the key', () => {
    expect(issueNumber('PROJ-42')).toBe(42);
    expect(issueNumber('weird')).toBe(0);
  });
  it('reads plain and Atlassian Document Format text', () => {
    expect(plainText('x')).toBe('x');
    expect(plainText({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] })).toBe('a\nb');
    expect(plainText(null)).toBe('');
  });
});

describe('templateNeeds', () => {
  it('finds which costly variables a template uses', () => {
    expect(templateNeeds(['{{.Title}}', undefined])).toEqual({ comments: false, reviewComments: false });
    expect(templateNeeds(['{{.Comments}}'])).toEqual({ comments: true, reviewComments: false });
    expect(templateNeeds(['{{if .ReviewComments}}{{.ReviewComments}}{{end}}'])).toEqual({ comments: false, reviewComments: true });
    expect(templateNeeds(['{{index . "Comments"}}'])).toMatchObject({ comments: true });
  });
});

describe('work item variables', () => {
  it('always defines every variable', () => {
    expect(templateVars({ id: '1', number: 1, title: 't', body: '', url: 'u', labels: ['a', 'b'], kind: 'Issue' })).toEqual({
      ID: '1', Number: 1, Title: 't', Body: '', URL: 'u', Labels: 'a, b', Comments: '', Kind: 'Issue', Branch: '', ReviewState: '', ReviewComments: '', Time: '', Schedule: '',
    });
  });
  it('keeps the newest comments that fit, oldest first', () => {
    expect(joinNewest(['a', 'b', 'c'])).toBe('a\n---\nb\n---\nc');
    expect(joinNewest(['aaaa', 'bb', 'cc'], 4)).toBe('bb\n---\ncc');
  });
});
