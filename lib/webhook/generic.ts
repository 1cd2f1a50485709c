import type { GenericWebhook } from '../api/task-spawner.js';
import { jsonPathText, selectJsonPath } from '../context/json-path.js';
import { re2 } from './patterns.js';
import { baseVars, type WebhookVars } from './vars.js';

/** Field mapping keys that are also Kelos's standard variables. */
const CANONICAL: Readonly<Record<string, string>> = { id: 'ID', title: 'Title', body: 'Body', url: 'URL' };

/**
 * Whether a delivery matches a generic webhook source: every filter holds
 * (AND) — its field exists and equals `value` or matches `pattern` (RE2,
 * unanchored). A field missing from the body fails its filter. Throws
 * JsonPathError for an expression this reader does not understand, and an
 * Error for a pattern that does not compile.
 */
export function matchesGenericWebhook(source: GenericWebhook, payload: unknown): boolean {
  for (const f of source.filters ?? []) {
    const v = selectJsonPath(payload, f.field);
    if (v === undefined || v === null) return false;
    const text = jsonPathText(v);
    if (f.pattern) {
      const r = re2(f.pattern);
      if (r instanceof Error) throw r;
      if (!r.matcher(text).find()) return false;
    } else if (text !== (f.value ?? '')) {
      return false;
    }
  }
  return true;
}

/**
 * The variables of a generic delivery: every fieldMapping key (missing fields
 * are ""), `id`/`title`/`body`/`url` also as ID/Title/Body/URL, `Kind`
 * GenericWebhook and `Payload` the parsed body. Standard names win over
 * mapping keys of the same name.
 */
export function genericVars(source: GenericWebhook, payload: unknown): WebhookVars {
  const mapped: Record<string, string> = {};
  for (const [key, path] of Object.entries(source.fieldMapping)) mapped[key] = jsonPathText(selectJsonPath(payload, path));
  const vars: WebhookVars = { ...mapped, ...baseVars(), Kind: 'GenericWebhook', Payload: payload };
  for (const [lower, upper] of Object.entries(CANONICAL)) if (lower in mapped) vars[upper] = mapped[lower];
  return vars;
}

/** The mapped `id`, which names the Task and deduplicates deliveries ("" when the body has none). */
export function genericId(source: GenericWebhook, payload: unknown): string {
  const path = source.fieldMapping.id;
  return path ? jsonPathText(selectJsonPath(payload, path)) : '';
}
