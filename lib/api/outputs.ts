/**
 * The agent output contract (docs/architecture.md §4): an agent image prints `key: value`
 * lines between these markers on stdout; the controller reads the last complete
 * block from the tail of the `kelos-agent` log. `kelos capture` writes it, the
 * controller parses it: both use this one definition.
 */
export const OUTPUTS_START = '---KELOS_OUTPUTS_START---';
export const OUTPUTS_END = '---KELOS_OUTPUTS_END---';

/** The well-known output keys. Images may print more; all land in `status.results`. */
export const OutputKey = {
  BRANCH: 'branch',
  COMMIT: 'commit',
  BASE_BRANCH: 'base-branch',
  PR: 'pr',
  COST_USD: 'cost-usd',
  INPUT_TOKENS: 'input-tokens',
  OUTPUT_TOKENS: 'output-tokens',
} as const;
export type OutputKey = (typeof OutputKey)[keyof typeof OutputKey];

export interface ParsedOutputs {
  /** The raw `key: value` lines of the block, in order. */
  readonly lines: string[];
  /** The lines split at the first `: `; a later duplicate key wins. */
  readonly results: Record<string, string>;
}

/** Renders an outputs block; keys with empty values are left out. */
export function formatOutputs(values: ReadonlyArray<readonly [string, string | undefined]>): string {
  const body = values.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}: ${String(v).replace(/[\r\n]+/g, ' ')}`);
  return [OUTPUTS_START, ...body, OUTPUTS_END].join('\n') + '\n';
}

/**
 * Finds the last complete outputs block in a log. Returns undefined when the
 * log holds no complete block (a start without its end does not count).
 */
export function parseOutputs(log: string): ParsedOutputs | undefined {
  const lines = log.split(/\r?\n/);
  let end = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trim() === OUTPUTS_END) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  let start = -1;
  for (let i = end - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (t === OUTPUTS_START) {
      start = i;
      break;
    }
    if (t === OUTPUTS_END) return undefined;
  }
  if (start < 0) return undefined;
  const out: string[] = [];
  const results: Record<string, string> = {};
  for (const raw of lines.slice(start + 1, end)) {
    const line = raw.trim();
    if (line === '') continue;
    out.push(line);
    const sep = line.indexOf(': ');
    if (sep > 0) results[line.slice(0, sep).trim()] = line.slice(sep + 2).trim();
    else if (line.endsWith(':')) results[line.slice(0, -1).trim()] = '';
  }
  return { lines: out, results };
}
