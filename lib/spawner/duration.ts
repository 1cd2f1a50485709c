import { goDurationSeconds } from '../api/duration.js';
import { DEFAULT_POLL_INTERVAL, type TaskSpawnerSpec } from '../api/index.js';

/**
 * Parses a Go duration ("90s", "1m30s", "1.5h", "500ms") or a plain number of
 * seconds, into milliseconds. Throws on anything else.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  const seconds = /^\d+$/.test(s) ? Number(s) : goDurationSeconds(s);
  if (seconds === undefined) {
    throw new Error(`invalid duration "${text}": expected a Go duration such as "30s", "5m" or "1h30m"`);
  }
  return seconds * 1000;
}

/**
 * The poll interval of a spawner: the source's own `pollInterval`, else the
 * spec-level one, else 5m.
 */
export function pollIntervalMs(spec: Pick<TaskSpawnerSpec, 'when' | 'pollInterval'>): number {
  const w = spec.when;
  const own = w.githubIssues?.pollInterval ?? w.githubPullRequests?.pollInterval ?? w.jira?.pollInterval;
  return parseDuration(own || spec.pollInterval || DEFAULT_POLL_INTERVAL);
}
