import { describe, expect, it } from 'vitest';
import { type BranchContext, branchRefusal } from '../../lib/spawner/branch-policy.js';
import type { WorkItem } from '../../lib/spawner/work-item.js';

const issue: WorkItem = { id: '7', number: 7, title: 't', body: '', url: '', labels: [], kind: 'Issue' };
const pull = (branch: string, fork = false): WorkItem => ({ ...issue, kind: 'PR', branch, ...(fork ? { fork: true } : {}) });
const ctx = (over: Partial<BranchContext> = {}): BranchContext => ({ baseBranches: ['main'], readsHeadRef: false, claimedBy: () => undefined, ...over });

describe('branchRefusal', () => {
  it('passes a fine branch', () => {
    expect(branchRefusal('kelos-task-7', issue, ctx())).toBeUndefined();
  });

  it('refuses a name git refuses, quoting it safely', () => {
    expect(branchRefusal('-f main', issue, ctx())).toEqual({
      reason: 'InvalidBranch',
      message: 'branch "-f main" is not a valid git branch name: it starts with "-" (see git check-ref-format --branch)',
    });
  });

  it('refuses the base branch, as a name and as a full ref', () => {
    expect(branchRefusal('main', issue, ctx())?.reason).toBe('BaseBranch');
    expect(branchRefusal('refs/heads/main', issue, ctx())?.reason).toBe('BaseBranch');
    expect(branchRefusal('develop', issue, ctx({ baseBranches: ['main', 'develop'] }))?.reason).toBe('BaseBranch');
  });

  it('refuses the head ref of a fork when the template reads .Branch, and nothing else of a fork', () => {
    expect(branchRefusal('feature', pull('feature', true), ctx({ readsHeadRef: true }))).toEqual({
      reason: 'ForkHeadRef',
      message: 'pull request #7 comes from a fork: its head ref "feature" is not a branch of this repository',
    });
    expect(branchRefusal('review-7', pull('feature', true), ctx({ readsHeadRef: false }))).toBeUndefined();
  });

  it("refuses another spawner's branch, except a same-repository pull request's own head (the hand-off)", () => {
    const claimedBy = (b: string) => (b === 'kelos-task-5' ? 'kelos-workers-5' : undefined);
    expect(branchRefusal('kelos-task-5', issue, ctx({ claimedBy }))).toEqual({
      reason: 'BranchInUse',
      message: 'branch "kelos-task-5" is used by Task kelos-workers-5',
    });
    expect(branchRefusal('kelos-task-5', pull('kelos-task-5'), ctx({ claimedBy, readsHeadRef: true }))).toBeUndefined();
    expect(branchRefusal('kelos-task-5', pull('other'), ctx({ claimedBy }))?.reason).toBe('BranchInUse');
  });
});
