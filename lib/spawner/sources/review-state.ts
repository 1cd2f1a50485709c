export interface Review {
  readonly user: string;
  /** GitHub's review state: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  readonly state: string;
  readonly commitId: string;
  /** RFC 3339. */
  readonly submittedAt: string;
}

export interface AggregatedReviewState {
  /** `approved`, `changes_requested`, or `''` when no reviewer decided on the head commit. */
  readonly state: '' | 'approved' | 'changes_requested';
  /** When the newest review of that state was submitted. */
  readonly at?: Date;
}

/**
 * The review state of a pull request at its head commit: each reviewer's
 * latest APPROVED or CHANGES_REQUESTED review on `headSha` counts; one
 * reviewer asking for changes outweighs any number of approvals.
 */
export function aggregateReviewState(reviews: readonly Review[], headSha: string): AggregatedReviewState {
  const latest = new Map<string, { state: 'approved' | 'changes_requested'; at: number }>();
  for (const r of reviews) {
    const state = r.state.toUpperCase() === 'APPROVED' ? 'approved' : r.state.toUpperCase() === 'CHANGES_REQUESTED' ? 'changes_requested' : undefined;
    if (!state || r.commitId !== headSha) continue;
    const reviewer = r.user.trim().toLowerCase();
    const at = Date.parse(r.submittedAt);
    if (!reviewer || Number.isNaN(at)) continue;
    const prev = latest.get(reviewer);
    if (!prev || at >= prev.at) latest.set(reviewer, { state, at });
  }
  let approved = -Infinity;
  let changes = -Infinity;
  for (const { state, at } of latest.values()) {
    if (state === 'approved') approved = Math.max(approved, at);
    else changes = Math.max(changes, at);
  }
  if (Number.isFinite(changes)) return { state: 'changes_requested', at: new Date(changes) };
  if (Number.isFinite(approved)) return { state: 'approved', at: new Date(approved) };
  return { state: '' };
}
