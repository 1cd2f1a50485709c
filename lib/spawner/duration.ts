import { DEFAULT_POLL_INTERVAL, type TaskSpawnerSpec } from '../api/index.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration ("90s", "1m30s", "1.5h", "500ms") or a plain number of
 * seconds, into milliseconds. Throws on anything else.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (!s || consumed !== s.length) {
    throw new Error(`invalid duration "${text}": expected a Go duration such as "30s", "5m" or "1h30m"`);
  }
  return total;
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
