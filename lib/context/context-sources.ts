import { type ContextSource, DEFAULT_CONTEXT_MAX_RESPONSE_BYTES, DEFAULT_CONTEXT_TIMEOUT_SECONDS } from '../api/index.js';
import { renderTemplate } from '../template/index.js';
import { jsonPathText, selectJsonPath } from './json-path.js';

/** Reads one key of a Secret of the spawner's namespace. */
export type SecretKeyReader = (secretName: string, key: string) => Promise<string>;

/** The values of a work item's context sources by name, or the first source that failed under failurePolicy Fail. */
export type ContextResult = { readonly values: Record<string, string> } | { readonly failed: string; readonly error: string };

export interface ContextFetchOptions {
  readonly readSecret: SecretKeyReader;
  /** Called for a source that failed under failurePolicy Ignore. */
  readonly onIgnored?: (source: string, error: string) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** A cap on every source's timeoutSeconds (the webhook server answers within a sender's deadline). @default - none */
  readonly maxTimeoutSeconds?: number;
}

/**
 * Fetches every context source of a work item, in parallel (Kelos's
 * `contextSources`). `url`, `headers` and `body` are templates over the
 * item's variables; the values fetched are data for `.Context.<name>` and
 * are never parsed as templates. A source that fails makes the item fail
 * (failurePolicy Fail, the default) or gives "" (Ignore).
 */
export async function fetchContext(sources: readonly ContextSource[], vars: object, options: ContextFetchOptions): Promise<ContextResult> {
  const results = await Promise.all(
    sources.map(async (s) => {
      try {
        return { name: s.name, value: await fetchOne(s, vars, options) };
      } catch (err) {
        return { name: s.name, error: err instanceof Error ? err.message : String(err), policy: s.failurePolicy ?? 'Fail' };
      }
    }),
  );
  const values: Record<string, string> = {};
  for (const r of results) {
    if (r.value !== undefined) {
      values[r.name] = r.value;
    } else if (r.policy === 'Ignore') {
      values[r.name] = '';
      options.onIgnored?.(r.name, r.error);
    } else {
      return { failed: r.name, error: r.error };
    }
  }
  return { values };
}

async function fetchOne(source: ContextSource, vars: object, options: ContextFetchOptions): Promise<string> {
  const http = source.http;
  if (!http) throw new Error('no source kind is set (only http is supported)');
  const where = `contextSources[${source.name}]`;
  checkHostIsFixed(http.url);
  let url: URL;
  try {
    url = new URL(renderTemplate(http.url, vars, `${where}.http.url`));
  } catch (err) {
    if (err instanceof TypeError) throw new Error('url does not render to an absolute URL');
    throw err;
  }
  if (url.protocol !== 'https:' && !(http.allowInsecure === true && url.protocol === 'http:')) {
    throw new Error(`url must be https:// (http:// only with allowInsecure), got ${url.protocol}//${url.host}`);
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(http.headers ?? {})) headers.set(k, renderTemplate(v, vars, `${where}.http.headers[${k}]`));
  for (const h of http.headersFrom ?? []) headers.set(h.header, await options.readSecret(h.secretName, h.secretKey));
  const method = http.method ?? 'GET';
  const body = method === 'POST' && http.body !== undefined ? renderTemplate(http.body, vars, `${where}.http.body`) : undefined;
  const timeoutMs = Math.min(http.timeoutSeconds ?? DEFAULT_CONTEXT_TIMEOUT_SECONDS, options.maxTimeoutSeconds ?? Infinity) * 1000;
  const maxBytes = http.maxResponseBytes ?? DEFAULT_CONTEXT_MAX_RESPONSE_BYTES;
  let res: Response;
  try {
    // No redirects: a redirect would carry the Secret's headers to wherever the server says.
    res = await (options.fetch ?? fetch)(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new Error(`${method} ${url.origin}${url.pathname} timed out after ${timeoutMs / 1000} s`);
    throw new Error(`${method} ${url.origin}${url.pathname} failed: ${(e.cause as Error | undefined)?.message ?? e.message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${method} ${url.origin}${url.pathname} answered ${res.status}`);
  }
  const text = await readCapped(res, maxBytes);
  const filter = http.responseFilter;
  if (!filter) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(
      `${url.origin}${url.pathname} did not answer JSON (read at most ${maxBytes} bytes), so responseFilter ${JSON.stringify(filter.expression)} cannot apply`,
    );
  }
  return jsonPathText(selectJsonPath(doc, filter.expression));
}

/**
 * The template alone chooses the host: its text before the first action
 * holds the whole origin, so a work item's text can change only the path
 * and query.
 */
function checkHostIsFixed(template: string): void {
  const action = template.indexOf('{{');
  if (action >= 0 && !/^https?:\/\/[^/?#{]+[/?#]/i.test(template.slice(0, action))) {
    throw new Error('url must name its host before any {{...}} action, so that a work item cannot choose where the request goes');
  }
}

/** The body up to `max` bytes (Kelos caps what reaches the prompt), cut at a whole character. */
async function readCapped(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const bytes = Buffer.concat(chunks).subarray(0, max);
  // A character cut in two is left out rather than becoming U+FFFD.
  return new TextDecoder('utf-8').decode(trimPartialUtf8(bytes));
}

function trimPartialUtf8(b: Buffer): Buffer {
  let i = b.length - 1;
  let cont = 0;
  while (i >= 0 && cont < 3 && (b[i]! & 0xc0) === 0x80) {
    i--;
    cont++;
  }
  if (i < 0) return b;
  const lead = b[i]!;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > cont ? b.subarray(0, i) : b;
}
