import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kelos from '../../constructs/index.js';
import { API_DOC, apiDoc } from '../../scripts/api-doc.js';

const root = join(import.meta.dirname, '../..');
const doc = apiDoc();

/** The rows of a markdown section's tables, as cells. */
function rows(section: string): string[][] {
  const start = doc.indexOf(`\n## ${section}\n`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) =>
      l
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe('docs/api.md', () => {
  it('is what the TSDoc of constructs/ generates (run `npm run docs:api`)', () => {
    expect(readFileSync(join(root, API_DOC), 'utf8')).toBe(doc);
  });

  it('has a section for every value the package exports', () => {
    const exported = Object.keys(kelos).sort();
    expect(exported.length).toBeGreaterThan(10);
    for (const name of exported) expect(doc).toContain(`\n### ${name}\n`);
  });

  it('documents the factories and the props they take', () => {
    expect(doc).toContain('- `When.githubIssues(props?: GitHubIssuesProps): When` ([GitHubIssuesProps](#githubissuesprops))');
    expect(doc).toContain('- `Agent.fromName(scope: Construct, id: string, name: string): IAgent`');
    expect(doc).toContain('`McpServer.stdio(name: string, props: { command: string;');
    expect(doc).toContain('| `maxConcurrency` |');
  });

  it('spells out the values of a prop typed by a list of the API', () => {
    expect(doc).toContain("| `state` | `'open' \\| 'closed' \\| 'all'` | `\"open\"` | Item state. |");
    expect(doc).not.toMatch(/typeof /);
  });

  it('gives every optional prop a default', () => {
    const props = rows('Props');
    expect(props.length).toBeGreaterThan(100);
    for (const [name, , def] of props) expect({ name, def }).not.toEqual({ name, def: '' });
  });

  it('leaves out what is internal', () => {
    expect(doc).not.toMatch(/`_\w+\(|_toKube|_checkProps/);
  });
});
