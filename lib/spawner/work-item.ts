/** Where a work item came from, stamped on its Task as `kelos.dev/source-*` annotations. */
export interface WorkItemOrigin {
  /** `issue` or `pull-request` (Kelos's values). */
  readonly kind: 'issue' | 'pull-request';
  /** `owner/repo`. */
  readonly repo: string;
}

/** One discovered unit of work: an issue, a pull request, a cron tick or a Jira issue. */
export interface WorkItem {
  /** Unique within the source; the Task is named `<spawner>-<id>`. */
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  readonly labels: readonly string[];
  /** `Issue`, `PR`, or the Jira issue type. */
  readonly kind: string;
  /** Conversation comments, joined (`undefined` until loaded; see `Source.hydrate`). */
  comments?: string;
  readonly branch?: string;
  readonly reviewState?: string;
  /** Inline review comments on the head commit (`undefined` until loaded). */
  reviewComments?: string;
  readonly time?: string;
  readonly schedule?: string;
  readonly author?: string;
  /**
   * When the command that admitted the item was given (the newest authorised
   * trigger comment, or the review that set the wanted review state). A
   * finished Task older than this is replaced by a fresh one.
   */
  readonly triggerTime?: Date;
  /** When the review that set the wanted review state was given (pull requests; part of triggerTime). */
  readonly reviewTime?: Date;
  /**
   * A pull request whose head is in another repository (a fork, or one that
   * is gone): its `branch` names a ref of that repository, chosen by the
   * fork's owner, not a branch of this one.
   */
  readonly fork?: boolean;
  readonly origin?: WorkItemOrigin;
}

/** The variables templates see (docs/template-variables.md): always all of them. */
export interface TemplateVars {
  ID: string;
  Number: number;
  Title: string;
  Body: string;
  URL: string;
  Labels: string;
  Comments: string;
  Kind: string;
  Branch: string;
  ReviewState: string;
  ReviewComments: string;
  Time: string;
  Schedule: string;
}

export function templateVars(item: WorkItem): TemplateVars {
  return {
    ID: item.id,
    Number: item.number,
    Title: item.title,
    Body: item.body,
    URL: item.url,
    Labels: item.labels.join(', '),
    Comments: item.comments ?? '',
    Kind: item.kind,
    Branch: item.branch ?? '',
    ReviewState: item.reviewState ?? '',
    ReviewComments: item.reviewComments ?? '',
    Time: item.time ?? '',
    Schedule: item.schedule ?? '',
  };
}

/** The newest comment bodies that fit in 64 KiB, oldest first, joined by `\n---\n`. */
export const MAX_COMMENT_BYTES = 64 * 1024;

export function joinNewest(parts: readonly string[], maxBytes = MAX_COMMENT_BYTES): string {
  const kept: string[] = [];
  let remaining = maxBytes;
  for (let i = parts.length - 1; i >= 0; i--) {
    const size = Buffer.byteLength(parts[i]!, 'utf8');
    if (size > remaining) break;
    remaining -= size;
    kept.push(parts[i]!);
  }
  return kept.reverse().join('\n---\n');
}
