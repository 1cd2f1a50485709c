import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../lib/api/task-spawner.js';
import { POLLING_SOURCES, SOURCE_VARIABLES, SPAWNER_VARIABLES } from '../../lib/api/template-variables.js';
import { templateVars } from '../../lib/spawner/work-item.js';
import { TEMPLATE_VARIABLES_DOC, templateVariablesDoc } from '../../scripts/template-variables-doc.js';

const root = join(import.meta.dirname, '../..');

describe('docs/template-variables.md', () => {
  it('is what the template variables generate (run `npm run docs:template-variables`)', () => {
    expect(readFileSync(join(root, TEMPLATE_VARIABLES_DOC), 'utf8')).toBe(templateVariablesDoc());
  });

  it('documents every source', () => {
    for (const s of SOURCES) expect(templateVariablesDoc()).toContain(`### \`${s}\``);
  });
});

describe('the template variables', () => {
  it('name exactly the variables the spawner defines', () => {
    const item = { id: '1', number: 1, title: '', body: '', url: '', labels: [], kind: '' };
    expect(Object.keys(templateVars(item)).sort()).toEqual([...SPAWNER_VARIABLES].sort());
  });

  it('give each polling source only variables the spawner defines, and every source each name once', () => {
    for (const s of SOURCES) {
      const names = SOURCE_VARIABLES[s].map((x) => x.name);
      expect(new Set(names).size).toBe(names.length);
      if (POLLING_SOURCES.includes(s)) for (const n of names) expect(SPAWNER_VARIABLES).toContain(n);
    }
  });
});
