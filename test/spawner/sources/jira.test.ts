import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildJql, issueNumber, JiraSource, plainText } from '../../../lib/spawner/sources/jira.js';
import { JiraEmulator } from '../../emulators/jira.js';

const log = pino({ level: 'silent' });
let jira: JiraEmulator | undefined;
afterEach(async () => {
  await jira?.close();
  jira = undefined;
});

describe('JiraSource', () => {
  it('pages through Jira Cloud search with Basic auth and maps issues to items', async () => {
    jira = await JiraEmulator.start({ flavour: 'cloud', basic: { user: 'bot@acme.io', token: 'api-token' }, maxPageSize: 3 });
    for (let i = 1; i <= 7; i++) jira.addIssue({ project: 'OPS', summary: `task ${i}`, labels: ['agent'], description: `do ${i}`, comments: ['c1', 'c2'] });
    jira.addIssue({ project: 'OPS', summary: 'not for agents' });
    jira.addIssue({ project: 'DEV', summary: 'other project', labels: ['agent'] });
    const src = new JiraSource({
      baseUrl: jira.url,
      project: 'OPS',
      jql: 'labels = agent ORDER BY key ASC',
      credentials: { user: 'bot@acme.io', token: 'api-token' },
      log,
    });
    const items = await src.discover();
    expect(items.map((i) => i.id)).toEqual(['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5', 'OPS-6', 'OPS-7']);
    expect(items[3]).toEqual({
      id: 'OPS-4',
      number: 4,
      title: 'task 4',
      body: 'do 4',
      url: `${jira.url}/browse/OPS-4`,
      labels: ['agent'],
      kind: 'Task',
      comments: 'c1\n---\nc2',
    });
    expect(jira.requests.map((r) => r.path)).toEqual(Array(3).fill('/rest/api/2/search/jql'));
    expect(jira.requests[0]!.jql).toBe('project = OPS AND (labels = agent) ORDER BY key ASC');
  });

  it('falls back to the Data Center search API with startAt paging and Bearer auth', async () => {
    jira = await JiraEmulator.start({ flavour: 'datacenter', bearer: 'pat', maxPageSize: 2 });
    for (let i = 1; i <= 5; i++) jira.addIssue({ project: 'OPS', summary: `t${i}`, issuetype: 'Bug' });
    const src = new JiraSource({ baseUrl: jira.url, project: 'OPS', credentials: { token: 'pat' }, log });
    const items = await src.discover();
    expect(items.map((i) => i.id).sort()).toEqual(['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5']);
    expect(items[0]!.kind).toBe('Bug');
    const again = jira.requests.length;
    await src.discover();
    // The API choice is remembered: no more Cloud attempts.
    expect(jira.requests.slice(again).every((r) => r.path === '/rest/api/2/search')).toBe(true);
  });

  it('retries 503 and 429, and reports bad credentials clearly', async () => {
    jira = await JiraEmulator.start({ basic: { user: 'u', token: 't' } });
    jira.addIssue({ project: 'OPS', summary: 'x' });
    jira.failNext('server-error');
    jira.failNext('too-many-requests');
    const ok = new JiraSource({ baseUrl: jira.url, project: 'OPS', credentials: { user: 'u', token: 't' }, log, retryBaseMs: 5 });
    expect((await ok.discover()).map((i) => i.id)).toEqual(['OPS-1']);
    const bad = new JiraSource({ baseUrl: jira.url, project: 'OPS', credentials: { user: 'u', token: 'wrong' }, log, retryBaseMs: 5 });
    await expect(bad.discover()).rejects.toThrow(/Jira answered \/rest\/api\/2\/search\/jql with 401: You are not authenticated/);
  });
});

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
    expect(
      plainText({
        type: 'doc',
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      }),
    ).toBe('a\nb');
    expect(plainText(null)).toBe('');
  });
});
