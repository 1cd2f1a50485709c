import type { Octokit } from '@octokit/core';
import type { OctokitResponse } from '@octokit/types';

/** Least recently used entries beyond this many are dropped. */
const MAX_ENTRIES = 10_000;

interface Entry {
  etag: string;
  response: OctokitResponse<unknown>;
}

/**
 * Octokit plugin: GET requests carry the stored ETag as If-None-Match; a 304
 * (which Octokit raises as a RequestError, and which costs no rate limit) is
 * answered from the cache with `status: 304`, so `paginate` keeps following
 * the stored `Link` header and callers see "unchanged" data. Registered last,
 * it wraps the retry and throttling plugins: one logical request, one entry.
 */
export function etagCache(octokit: Octokit): void {
  const entries = new Map<string, Entry>();

  octokit.hook.wrap('request', async (request, opts) => {
    if (opts.method !== 'GET') return request(opts);
    const key = octokit.request.endpoint.parse(opts).url;
    const hit = entries.get(key);
    if (hit) opts.headers = { ...opts.headers, 'if-none-match': hit.etag };
    try {
      const response = await request(opts);
      const etag = response.headers.etag;
      if (etag) {
        entries.delete(key);
        entries.set(key, { etag, response });
        if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      }
      return response;
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) {
        entries.delete(key);
        entries.set(key, hit);
        // The body and Link are the cached ones; date and rate-limit headers are fresh.
        const fresh = (err as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
        const headers = { ...hit.response.headers };
        for (const [k, v] of Object.entries(fresh)) if (k === 'date' || k.startsWith('x-ratelimit-')) (headers as Record<string, string>)[k] = v;
        return { ...hit.response, headers, status: 304 } as OctokitResponse<unknown>;
      }
      throw err;
    }
  });
}
