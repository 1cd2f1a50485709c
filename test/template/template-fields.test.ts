import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateError, templateFieldPaths, templateFields } from '../../lib/template/index.js';

describe('templateFields', () => {
  it('lists the top-level fields in order of first use', () => {
    expect(templateFields('#{{.Number}} {{.Title}}\n{{.Body}} {{.Title}}')).toEqual(['Number', 'Title', 'Body']);
  });

  it('lists only the first key of a field path', () => {
    expect(templateFields('{{.Deps.scaffold.Outputs}} {{.Name}}')).toEqual(['Deps', 'Name']);
  });

  it('reads conditions, pipelines, arguments and parentheses', () => {
    const text = '{{if and .A (not .B)}}{{.C | printf "%s"}}{{else if eq .D "x"}}{{printf "%d" (len .E)}}{{end}}';
    expect(templateFields(text)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('skips fields inside with and range bodies, where dot is not the data', () => {
    const text = '{{with .User}}{{.Name}}{{else}}{{.Fallback}}{{end}}{{range .Items}}{{.Title}}{{else}}{{.Empty}}{{end}}';
    expect(templateFields(text)).toEqual(['User', 'Fallback', 'Items', 'Empty']);
  });

  it('lists $ fields anywhere', () => {
    expect(templateFields('{{range .Items}}{{$.Prefix}}{{.}}{{end}}')).toEqual(['Items', 'Prefix']);
  });

  it('lists keys read with index from the data', () => {
    expect(templateFields('{{index . "Number"}} {{range .L}}{{index $ "Title"}}{{index . "Nested"}}{{end}}')).toEqual(['Number', 'L', 'Title']);
  });

  it('follows templates called with the data', () => {
    expect(templateFields('{{define "head"}}{{.Title}}{{end}}{{template "head" .}}{{template "x" .Body}}')).toEqual(['Title', 'Body']);
  });

  it('does not trace fields read through other variables', () => {
    expect(templateFields('{{$d := .Deps}}{{$d.x.Results}}')).toEqual(['Deps']);
  });

  it('accepts a parsed template', () => {
    expect(templateFields(parseTemplate('{{.Kind}}-{{.Number}}', 'branch'))).toEqual(['Kind', 'Number']);
  });

  it('returns nothing for a template without fields', () => {
    expect(templateFields('plain {{"text"}}')).toEqual([]);
  });

  it('fails when the template does not parse', () => {
    expect(() => templateFields('{{.A')).toThrow(TemplateError);
  });
});

describe('templateFieldPaths', () => {
  it('lists field paths from the data, in order of first use', () => {
    expect(templateFieldPaths('{{.Deps.scaffold.Results.branch}} {{.Name}} {{$.Deps.b.Outputs}} {{.Name}}')).toEqual([
      ['Deps', 'scaffold', 'Results', 'branch'],
      ['Name'],
      ['Deps', 'b', 'Outputs'],
    ]);
  });

  it('extends a path with the string keys given to index', () => {
    expect(templateFieldPaths('{{index .Deps "scaffold" "Results" "branch"}}{{index . "Deps" "x"}}{{index $.Deps "y" .Key}}')).toEqual([
      ['Deps', 'scaffold', 'Results', 'branch'],
      ['Deps', 'x'],
      ['Deps', 'y'],
      ['Key'],
    ]);
  });

  it('passes over index on values other than the data', () => {
    expect(templateFieldPaths('{{range .L}}{{index . "k"}}{{index .M "k"}}{{end}}{{index "abc" 1}}')).toEqual([['L']]);
  });
});
