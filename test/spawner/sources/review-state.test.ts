import { describe, expect, it } from 'vitest';
import { aggregateReviewState, type Review } from '../../../lib/spawner/sources/review-state.js';

const HEAD = 'head';
const r = (user: string, state: string, submittedAt: string, commitId = HEAD): Review => ({ user, state, commitId, submittedAt });

describe('aggregateReviewState', () => {
  it('is empty without decisive reviews on the head commit', () => {
    expect(aggregateReviewState([], HEAD)).toEqual({ state: '' });
    expect(aggregateReviewState([r('a', 'COMMENTED', '2025-01-01T00:00:00Z'), r('b', 'APPROVED', '2025-01-01T00:00:00Z', 'old')], HEAD)).toEqual({ state: '' });
  });

  it('is approved when every deciding reviewer approved, at the newest approval', () => {
    expect(aggregateReviewState([r('a', 'APPROVED', '2025-01-01T00:00:00Z'), r('b', 'APPROVED', '2025-01-02T00:00:00Z')], HEAD)).toEqual({
      state: 'approved',
      at: new Date('2025-01-02T00:00:00Z'),
    });
  });

  it('lets one request for changes outweigh approvals', () => {
    const got = aggregateReviewState([r('a', 'APPROVED', '2025-01-03T00:00:00Z'), r('b', 'CHANGES_REQUESTED', '2025-01-01T00:00:00Z')], HEAD);
    expect(got).toEqual({ state: 'changes_requested', at: new Date('2025-01-01T00:00:00Z') });
  });

  it("counts only each reviewer's latest decision", () => {
    const got = aggregateReviewState([r('a', 'CHANGES_REQUESTED', '2025-01-01T00:00:00Z'), r('A', 'APPROVED', '2025-01-02T00:00:00Z')], HEAD);
    expect(got.state).toBe('approved');
  });

  it('ignores reviews of older commits', () => {
    const got = aggregateReviewState([r('a', 'CHANGES_REQUESTED', '2025-01-01T00:00:00Z', 'old'), r('b', 'APPROVED', '2025-01-02T00:00:00Z')], HEAD);
    expect(got.state).toBe('approved');
  });
});
