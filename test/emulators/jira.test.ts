import { afterEach, describe, expect, it } from 'vitest';
import { JiraEmulator, parseJql } from './jira.js';

let jira: JiraEmulator | undefined;
afterEach(async () => {
  await jira?.close();
  jira = undefined;
});

const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

describe('Jira emulator', () => {
  it('pages Cloud search with nextPageToken until isLast', async () => {
    jira = await JiraEmulator.start({ basic: { user: 'me@acme.io', token: 't' }, maxPageSize: 2 });
    for (let i = 0; i < 5; i++) jira.addIssue({ project: 'OPS', summary: `s${i}` });
    jira.addIssue({ project: 'DEV', summary: 'other' });
    const keys: string[] = [];
    let token: string | undefined;
    for (;;) {
      const u = new URL(`${jira.url}/rest/api/3/search/jql`);
      u.searchParams.set('jql', 'project = OPS ORDER BY key ASC');
      u.searchParams.set('maxResults', '100');
      u.searchParams.set('fields', 'summary');
      if (token) u.searchParams.set('nextPageToken', token);
      const res = await fetch(u, { headers: { authorization: basic('me@acme.io', 't') } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { issues: Array<{ key: string }>; isLast: boolean; nextPageToken?: string };
      keys.push(...body.issues.map((i) => i.key));
      if (body.isLast) break;
      token = body.nextPageToken;
    }
    expect(keys).toEqual(['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5']);
  });

  it('pages Data Center search with startAt and total', async () => {
    jira = await JiraEmulator.start({ flavour: 'datacenter', bearer: 'pat', maxPageSize: 2 });
    for (let i = 0; i < 3; i++) jira.addIssue({ project: 'OPS', summary: `s${i}` });
    const page = async (startAt: number) =>
      (await (
        await fetch(`${jira!.url}/rest/api/2/search?jql=${encodeURIComponent('project = OPS')}&startAt=${startAt}&maxResults=2`, {
          headers: { authorization: 'Bearer pat' },
        })
      ).json()) as {
        total: number;
        issues: Array<{ key: string }>;
      };
    const first = await page(0);
    expect(first.total).toBe(3);
    expect(first.issues.map((i) => i.key)).toEqual(['OPS-3', 'OPS-2']);
    expect((await page(2)).issues.map((i) => i.key)).toEqual(['OPS-1']);
    expect((await fetch(`${jira.url}/rest/api/3/search/jql?jql=x`, { headers: { authorization: 'Bearer pat' } })).status).toBe(404);
  });

  it('rejects missing or wrong credentials with 401', async () => {
    jira = await JiraEmulator.start({ basic: { user: 'me', token: 't' } });
    expect((await fetch(`${jira.url}/rest/api/2/search?jql=`)).status).toBe(401);
    expect((await fetch(`${jira.url}/rest/api/2/search?jql=`, { headers: { authorization: basic('me', 'wrong') } })).status).toBe(401);
    expect((await fetch(`${jira.url}/rest/api/2/search?jql=`, { headers: { authorization: 'Bearer t' } })).status).toBe(401);
  });

  it('evaluates the JQL subset and reports bad JQL as 400', async () => {
    jira = await JiraEmulator.start();
    jira.addIssue({ project: 'OPS', summary: 'a', status: 'To Do', labels: ['agent'] });
    jira.addIssue({ project: 'OPS', summary: 'b', status: 'Done', labels: ['agent'] });
    jira.addIssue({ project: 'OPS', summary: 'c', status: 'In Progress', issuetype: 'Bug' });
    const keys = async (jql: string) =>
      ((await (await fetch(`${jira!.url}/rest/api/2/search?jql=${encodeURIComponent(jql)}`)).json()) as { issues: Array<{ key: string }> }).issues.map(
        (i) => i.key,
      );
    expect(await keys('project = OPS AND (labels = agent AND status != Done)')).toEqual(['OPS-1']);
    expect(await keys('project = OPS AND (status in ("To Do", "In Progress")) ORDER BY key ASC')).toEqual(['OPS-1', 'OPS-3']);
    expect(await keys('project = OPS AND (NOT type = Bug) ORDER BY created ASC')).toEqual(['OPS-1', 'OPS-2']);
    expect(await keys('project = OPS AND labels is EMPTY')).toEqual(['OPS-3']);
    expect(await keys('project = OPS AND labels is not EMPTY ORDER BY key ASC')).toEqual(['OPS-1', 'OPS-2']);
    expect((await fetch(`${jira.url}/rest/api/2/search?jql=${encodeURIComponent('project = OPS AND (')}`)).status).toBe(400);
    expect(parseJql('a = 1 OR b = 2 AND c = 3').where).toMatchObject({ op: 'or' });
  });
});
