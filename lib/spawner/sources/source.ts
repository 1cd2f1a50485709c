import type { WorkItem } from '../work-item.js';

/** Which optional, costly fields the templates use. */
export interface Needs {
  readonly comments: boolean;
  readonly reviewComments: boolean;
  readonly changedFiles: boolean;
}

/**
 * A source of work items. `discover` reads the source once and throws on any
 * failure, leaving the source's state as before the call (the next call
 * repeats the work, nothing is lost or half-applied).
 */
export interface Source {
  discover(now: Date): Promise<WorkItem[]>;
  /**
   * Loads `comments` / `reviewComments` / `changedFiles` of the items about to become Tasks,
   * when the templates use them; sources that always load them omit it.
   */
  hydrate?(items: readonly WorkItem[], needs: Needs): Promise<void>;
}

/** What a set of templates needs beyond the list call. */
export function templateNeeds(templates: ReadonlyArray<string | undefined>): Needs {
  const text = templates.filter(Boolean).join('\n');
  return {
    comments: /\bComments\b/.test(text.replace(/\bReviewComments\b/g, '')),
    reviewComments: /\bReviewComments\b/.test(text),
    changedFiles: /\bChangedFiles\b/.test(text),
  };
}
