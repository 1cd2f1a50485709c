import { describe, expect, it } from 'vitest';
import { templateNeeds } from '../../../lib/spawner/sources/source.js';

describe('templateNeeds', () => {
  it('finds which costly variables a template uses', () => {
    expect(templateNeeds(['{{.Title}}', undefined])).toEqual({ comments: false, reviewComments: false, changedFiles: false });
    expect(templateNeeds(['{{.Comments}}'])).toEqual({ comments: true, reviewComments: false, changedFiles: false });
    expect(templateNeeds(['{{if .ReviewComments}}{{.ReviewComments}}{{end}}'])).toEqual({ comments: false, reviewComments: true, changedFiles: false });
    expect(templateNeeds(['{{range .ChangedFiles}}{{end}}'])).toEqual({ comments: false, reviewComments: false, changedFiles: true });
    expect(templateNeeds(['{{index . "Comments"}}'])).toMatchObject({ comments: true });
  });
});
