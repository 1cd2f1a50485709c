import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../lib/api/suggest.js';

describe('didYouMean', () => {
  it('finds a word in another case, a typo and a swap', () => {
    expect(didYouMean('title', ['Title', 'Body'])).toBe('Title');
    expect(didYouMean('Titel', ['Title', 'Body'])).toBe('Title');
    expect(didYouMean('maxConcurency', ['maxConcurrency', 'maxTotalTasks'])).toBe('maxConcurrency');
  });

  it('gives nothing when no candidate is close', () => {
    expect(didYouMean('Foo', ['Title', 'Body'])).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
