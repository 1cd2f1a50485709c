/**
 * Seconds in a Go duration ("90s", "1m30s", "1.5h", "500ms", "0"), as the
 * pollInterval fields are written; undefined when the text is not one.
 * A leaf module: the CLI, the importer and the spawner parse durations alike.
 */
export function goDurationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
    end = re.lastIndex;
  }
  return t.length > 0 && end === t.length ? total : undefined;
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
