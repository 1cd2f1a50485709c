import type { Duration } from 'cdk8s';
import type { CONTEXT_SOURCE_FAILURE_POLICIES, CONTEXT_SOURCE_METHODS, RESPONSE_FILTER_TYPES } from '../lib/api/task-spawner.js';

/**
 * Data a Spawner fetches for each work item before it creates the Task; the
 * value is `{{.Context.<name>}}` in `promptTemplate`, `branch` and Task metadata.
 */
export interface ContextSourceProps {
  /** Template key: a letter, then letters, digits or `_`; at most 64 characters; unique in the Spawner. */
  readonly name: string;
  /** Fetch over HTTP(S). */
  readonly http: HttpContextSourceProps;
  /** When the fetch fails: `Fail` creates no Task for the item (it is tried again next time); `Ignore` uses an empty value. @default "Fail" */
  readonly failurePolicy?: (typeof CONTEXT_SOURCE_FAILURE_POLICIES)[number];
}

export interface HttpContextSourceProps {
  /** URL, a Go text/template over the work item, e.g. `https://tracker.example.com/items/{{.Number}}`; https unless `allowInsecure`. */
  readonly url: string;
  /** HTTP method. @default "GET" */
  readonly method?: (typeof CONTEXT_SOURCE_METHODS)[number];
  /** Request headers; values are Go text/templates over the work item. @default - none */
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers whose values are read from Secrets in the Spawner's namespace (at most 16); they win over `headers`. @default - none */
  readonly headersFrom?: readonly HeaderFromSecretProps[];
  /** Body of a POST request, a Go text/template over the work item. @default - no body */
  readonly body?: string;
  /** Keep only part of the response. @default - the whole response body */
  readonly responseFilter?: ResponseFilterProps;
  /** Allow a plain `http://` URL. @default false */
  readonly allowInsecure?: boolean;
  /** Time limit of each request, 1 to 60 whole seconds. @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Most bytes of the response read (and so put into the prompt), 1 to 131072. @default 32768 */
  readonly maxResponseBytes?: number;
}

/** A request header whose value is a Secret key. */
export interface HeaderFromSecretProps {
  /** Header name, e.g. `Authorization`. */
  readonly header: string;
  /** Name of the Secret, in the Spawner's namespace. */
  readonly secretName: string;
  /** Key of the Secret that holds the header value. */
  readonly secretKey: string;
}

export interface ResponseFilterProps {
  /** Filter language; only `JSONPath` today. */
  readonly type: (typeof RESPONSE_FILTER_TYPES)[number];
  /** Expression in that language, e.g. `$.fields.description`. */
  readonly expression: string;
}
