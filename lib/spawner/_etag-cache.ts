import type { Octokit } from '@octokit/core';
import type { OctokitOptions } from '@octokit/core/types';
import type { OctokitResponse } from '@octokit/types';

interface Entry {
  etag: string;
  response: OctokitResponse<unknown>;
}

export interface EtagCacheStats {
  /** GET requests sent with If-None-Match. */
  conditional: number;
  /** Answered 304 and served from the cache. */
  notModified: number;
  /** Answered with a body (and stored). */
  fetched: number;
}

export interface EtagCacheApi {
  readonly stats: EtagCacheStats;
  readonly size: number;
  clear(): void;
}

/**
 * Octokit plugin: GET requests carry the stored ETag as If-None-Match; a 304
 * (which Octokit raises as a RequestError, and which costs no rate limit) is
 * answered from the cache with `status: 304`, so `paginate` keeps following
 * the stored `Link` header and callers see "unchanged" data. Registered last,
 * it wraps the retry and throttling plugins: one logical request, one entry.
 */
export function etagCache(octokit: Octokit, options: OctokitOptions): { etagCache: EtagCacheApi } {
  const maxEntries = (options.etagCache as { maxEntries?: number } | undefined)?.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const stats: EtagCacheStats = { conditional: 0, notModified: 0, fetched: 0 };

  octokit.hook.wrap('request', async (request, opts) => {
    if (opts.method !== 'GET') return request(opts);
    const key = octokit.request.endpoint.parse(opts).url;
    const hit = entries.get(key);
    if (hit) {
      opts.headers = { ...opts.headers, 'if-none-match': hit.etag };
      stats.conditional++;
    }
    try {
      const response = await request(opts);
      const etag = response.headers.etag;
      if (etag) {
        entries.delete(key);
        entries.set(key, { etag, response });
        stats.fetched++;
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      }
      return response;
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) {
        entries.delete(key);
        entries.set(key, hit);
        stats.notModified++;
        // The body and Link are the cached ones; date and rate-limit headers are fresh.
        const fresh = (err as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
        const headers = { ...hit.response.headers };
        for (const [k, v] of Object.entries(fresh)) if (k === 'date' || k.startsWith('x-ratelimit-')) (headers as Record<string, string>)[k] = v;
        return { ...hit.response, headers, status: 304 } as OctokitResponse<unknown>;
      }
      throw err;
    }
  });

  return {
    etagCache: {
      stats,
      get size() {
        return entries.size;
      },
      clear: () => entries.clear(),
    },
  };
}
