import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDER_LIMITS, parseTemplate, type RenderOptions, renderTemplate, TemplateBudgetError, TemplateError } from '../../lib/template/index.js';

/**
 * The TemplateBudgetError a render throws. Unless a case is about time, the
 * time budget is raised so a busy machine cannot trip it first.
 */
function budgetError(text: string, data: unknown, options: RenderOptions = {}): TemplateBudgetError {
  try {
    renderTemplate(text, data, { name: 'prompt', timeoutMs: 600_000, ...options });
  } catch (err) {
    if (err instanceof TemplateBudgetError) return err;
    throw err;
  }
  throw new Error(`rendered within its budgets: ${text}`);
}

describe('render limits', () => {
  it('defaults to 1 MiB of output, a million steps, depth 100 and one second', () => {
    expect(DEFAULT_RENDER_LIMITS).toEqual({ maxOutputBytes: 1048576, maxSteps: 1000000, maxDepth: 100, timeoutMs: 1000 });
    expect(Object.isFrozen(DEFAULT_RENDER_LIMITS)).toBe(true);
  });

  it('still takes the template name as the third argument', () => {
    const err = budgetError('{{range 2000000}}{{end}}', {}, {});
    expect(err.templateName).toBe('prompt');
    expect(() => renderTemplate('{{.X}}', {}, 'promptTemplate')).toThrow(/^template: promptTemplate:1:2: /);
  });

  describe('maxSteps', () => {
    it('stops a nested range of 400 million iterations', () => {
      const err = budgetError('{{range 20000}}{{range 20000}}{{end}}{{end}}', {});
      expect(err).toBeInstanceOf(TemplateError);
      expect(err).toMatchObject({ name: 'TemplateBudgetError', budget: 'maxSteps', limit: 1000000, templateName: 'prompt', line: 1 });
      expect(err.message).toBe(
        'template: prompt:1:23: executing "prompt" at <{{range 20000}}{{end}}>: render budget exceeded: more than 1000000 steps (maxSteps)',
      );
    });

    it('is set per call', () => {
      expect(renderTemplate('{{range 10}}.{{end}}', {}, { maxSteps: 100 })).toBe('..........');
      expect(budgetError('{{range 10}}.{{end}}', {}, { maxSteps: 5 })).toMatchObject({ budget: 'maxSteps', limit: 5 });
    });

    it('charges a function for the long strings it reads', () => {
      const data = { Body: 'x'.repeat(64 * 1000) };
      // 20 calls reading 64000 characters each cost over 20000 steps, though the template walks only a few dozen nodes.
      expect(renderTemplate('{{range 20}}{{len $.Body}}{{end}}', data, { maxSteps: 30000 })).toBe('64000'.repeat(20));
      expect(budgetError('{{range 20}}{{len $.Body}}{{end}}', data, { maxSteps: 15000 }).budget).toBe('maxSteps');
    });

    it('charges a range over a map one step per key before it starts', () => {
      const m = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
      expect(budgetError('{{range .M}}{{break}}{{end}}', { M: m }, { maxSteps: 1000 }).budget).toBe('maxSteps');
      expect(renderTemplate('{{range .M}}{{.}}{{break}}{{end}}', { M: m }, { maxSteps: 3000 })).toBe('0');
    });
  });

  describe('maxOutputBytes', () => {
    it('allows output of exactly the limit and fails one byte past it, counting UTF-8 bytes', () => {
      expect(renderTemplate('{{.S}}', { S: 'ééééé' }, { maxOutputBytes: 10 })).toBe('ééééé');
      const err = budgetError('{{.S}}x', { S: 'ééééé' }, { maxOutputBytes: 10 });
      expect(err).toMatchObject({ budget: 'maxOutputBytes', limit: 10 });
      expect(err.message).toBe('template: prompt:1:6: executing "prompt" at <x>: render budget exceeded: output larger than 10 bytes (maxOutputBytes)');
    });

    it('counts a character outside the BMP as 4 bytes', () => {
      expect(renderTemplate('{{.S}}{{.S}}', { S: '🎉' }, { maxOutputBytes: 8 })).toBe('🎉🎉');
      expect(budgetError('{{.S}}{{.S}}', { S: '🎉' }, { maxOutputBytes: 7 }).budget).toBe('maxOutputBytes');
    });

    it('allows a full mebibyte by default and not a byte more', () => {
      const mib = 'a'.repeat(1024 * 1024);
      expect(renderTemplate('{{.S}}', { S: mib }).length).toBe(1024 * 1024);
      expect(budgetError('{{.S}}!', { S: mib }).budget).toBe('maxOutputBytes');
    });

    it('caps a string a function builds even when it is never printed', () => {
      const err = budgetError('{{$x := "ab"}}{{range 100}}{{$x = printf "%s%s" $x $x}}{{end}}', {});
      expect(err.budget).toBe('maxOutputBytes');
      expect(err.message).toMatch(/at <printf "%s%s" \$x \$x>: render budget exceeded: a string larger than 1048576 bytes \(maxOutputBytes\)$/);
    });

    it('stops printf before it pads past the limit', () => {
      const err = budgetError('{{printf "%1000000d" 1}}', {}, { maxOutputBytes: 1000 });
      expect(err.message).toMatch(/at <printf "%1000000d" 1>: render budget exceeded: a string larger than 1000 bytes/);
    });

    it('caps what a value prints as', () => {
      const list = Array.from({ length: 1000 }, (_, i) => `item ${i}`);
      expect(budgetError('{{.L}}', { L: list }, { maxOutputBytes: 100 }).budget).toBe('maxOutputBytes');
    });
  });

  describe('maxDepth', () => {
    const nested = (n: number) => '{{if 1}}'.repeat(n) + 'x' + '{{end}}'.repeat(n);

    it('parses nesting up to the limit and fails past it, naming the line', () => {
      expect(renderTemplate(nested(3), {}, { maxDepth: 3 })).toBe('x');
      const err = budgetError('a\n' + nested(4), {}, { maxDepth: 3 });
      expect(err).toMatchObject({ budget: 'maxDepth', limit: 3, line: 2 });
      expect(err.message).toBe('template: prompt:2: render budget exceeded: nesting deeper than 3 (maxDepth)');
    });

    it('counts parentheses', () => {
      expect(renderTemplate('{{((1))}}', {}, { maxDepth: 2 })).toBe('1');
      expect(budgetError('{{(((1)))}}', {}, { maxDepth: 2 }).budget).toBe('maxDepth');
    });

    it('is checked by parseTemplate too', () => {
      expect(() => parseTemplate(nested(101), 'p')).toThrow(TemplateBudgetError);
      expect(parseTemplate(nested(101), 'p', { maxDepth: 200 }).name).toBe('p');
    });

    it('counts {{template}} calls together with the bodies around them', () => {
      // Each element adds a call and an if body: 5 elements nest 12 deep.
      const countdown = '{{define "c"}}{{if .}}{{template "c" (slice . 1)}}{{end}}{{end}}{{template "c" .}}';
      const list = (n: number) => Array.from({ length: n }, () => 0);
      expect(renderTemplate(countdown, list(4), { maxDepth: 10 })).toBe('');
      expect(budgetError(countdown, list(5), { maxDepth: 10 })).toMatchObject({ budget: 'maxDepth', limit: 10 });
    });
  });

  describe('timeoutMs', () => {
    it('stops a render that would finish within its steps but takes too long', () => {
      const err = budgetError('{{range 20000}}{{range 20000}}{{end}}{{end}}', {}, { maxSteps: 2 ** 52, timeoutMs: 1 });
      expect(err).toMatchObject({ budget: 'timeoutMs', limit: 1 });
      expect(err.message).toMatch(/render budget exceeded: took longer than 1 ms \(timeoutMs\)$/);
    });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('fails when a limit is %s', (v) => {
    expect(() => renderTemplate('x', {}, { maxSteps: v })).toThrow(`'maxSteps' must be a positive integer, got ${v}`);
    expect(() => renderTemplate('x', {}, { maxDepth: v })).toThrow(RangeError);
  });
});
