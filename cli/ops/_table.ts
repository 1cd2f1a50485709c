// Tables and durations printed the way kubectl (and Kelos) print them.

/** Columns separated by three spaces; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return formatRows([headers, ...rows], columnWidths(headers, rows));
}

/** The width of each column: its widest cell, and at least `atLeast` (the widths printed so far). */
export function columnWidths(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, atLeast: readonly number[] = []): number[] {
  const all = [headers, ...rows];
  return headers.map((_, i) => Math.max(atLeast[i] ?? 0, ...all.map((r) => (r[i] ?? '').length)));
}

/** Rows padded to `widths`, each on a line. */
export function formatRows(rows: ReadonlyArray<readonly string[]>, widths: readonly number[]): string {
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

/** Kubernetes' HumanDuration: 45s, 5m30s, 47m, 3h20m, 2d4h, 400d, 3y12d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Age of a timestamp (`-` when unset). */
export function age(timestamp: string | Date | undefined, now = Date.now()): string {
  if (!timestamp) return '-';
  return humanDuration(now - new Date(timestamp).getTime());
}

/** `Label:` padded to 20 characters, then the value. */
export function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(20)}${value}\n`;
}

/** Continuation lines of a multi-value field. */
export function more(value: string): string {
  return `${''.padEnd(20)}${value}\n`;
}
