import { branchNameProblem, invalidBranchMessage, quoteForMessage } from '../git/ref-format.js';
import type { WorkItem } from './work-item.js';

/** Why an item's rendered branch is refused (TaskSpawner status and metrics name these). */
export const BranchRefusal = {
  /** Not a name git accepts (`git check-ref-format --branch`). */
  INVALID: 'InvalidBranch',
  /** The Workspace's ref or the repository's default branch. */
  BASE: 'BaseBranch',
  /** The head ref of a pull request from a fork, read through `.Branch`. */
  FORK: 'ForkHeadRef',
  /** A branch a Task of another TaskSpawner (or a user's Task) uses. */
  IN_USE: 'BranchInUse',
} as const;
export type BranchRefusal = (typeof BranchRefusal)[keyof typeof BranchRefusal];

export interface BranchContext {
  /** Branches a Task must never work on: the Workspace's ref, the repository's default branch. */
  readonly baseBranches: readonly string[];
  /** The branch template reads `.Branch` (a pull request's head ref). */
  readonly readsHeadRef: boolean;
  /** The Task (of another spawner, or a user's) that uses `branch` in the same Workspace; undefined when none. */
  readonly claimedBy: (branch: string) => string | undefined;
}

/**
 * Whether a spawned Task may work on `branch`, rendered for `item`. A branch
 * may be handed from one spawner to another only the way pipelines do it: a
 * pull request of this repository whose head is the branch (the PR responder
 * picks up the worker's branch). Text from an issue cannot name another
 * spawner's branch, and a fork's head ref is never taken for a branch here.
 */
export function branchRefusal(branch: string, item: WorkItem, ctx: BranchContext): { reason: BranchRefusal; message: string } | undefined {
  const problem = branchNameProblem(branch);
  if (problem) return { reason: BranchRefusal.INVALID, message: invalidBranchMessage(branch, problem) };
  const shown = quoteForMessage(branch);
  if (ctx.baseBranches.some((b) => b === branch || `refs/heads/${b}` === branch)) {
    return { reason: BranchRefusal.BASE, message: `branch ${shown} is the repository's base branch; a Task never works on it` };
  }
  if (item.fork && ctx.readsHeadRef) {
    return {
      reason: BranchRefusal.FORK,
      message: `pull request #${item.number} comes from a fork: its head ref ${quoteForMessage(item.branch ?? '')} is not a branch of this repository`,
    };
  }
  const handoff = !item.fork && item.branch !== undefined && item.branch === branch;
  const holder = handoff ? undefined : ctx.claimedBy(branch);
  if (holder) return { reason: BranchRefusal.IN_USE, message: `branch ${shown} is used by Task ${holder}` };
  return undefined;
}
