import { WEBHOOK_SOURCE_PATTERN } from '../api/task-spawner.js';
import { DEFAULT_GENERIC_SIGNATURE_HEADER, type GenericAuth } from './signature.js';

export interface GenericRouteConfig {
  /** The Secret with the route's shared secret (key WEBHOOK_SECRET). */
  readonly secretName: string;
  readonly auth: GenericAuth;
}

/** Port of the webhook routes (`/webhook/...`); /metrics and the probes have their own. */
export const WEBHOOK_PORT = 8090;

const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Why a Secret name is not one, or undefined. */
export function secretNameProblem(name: string): string | undefined {
  return name.length <= 253 && SECRET_NAME.test(name) ? undefined : `"${name}" is not a Secret name (lowercase letters, digits, '-' and '.')`;
}

/**
 * Parses `--generic <source>=<secret>[,auth=hmac|bearer][,header=<name>]`:
 * the generic source served at `/webhook/<source>`, the Secret holding its
 * shared secret (key WEBHOOK_SECRET), and how deliveries prove they know it —
 * an HMAC-SHA256 of the body in `header` (default X-Hub-Signature-256), or
 * `Authorization: Bearer <secret>`.
 */
export function parseGenericFlag(value: string): [string, GenericRouteConfig] {
  const [head, ...opts] = value.split(',');
  const eq = head!.indexOf('=');
  if (eq < 0) throw new Error(`expected <source>=<secret>[,auth=hmac|bearer][,header=<name>], got "${value}"`);
  const source = head!.slice(0, eq).trim();
  const secretName = head!.slice(eq + 1).trim();
  if (!new RegExp(WEBHOOK_SOURCE_PATTERN).test(source) || source.length > 63) {
    throw new Error(`"${source}" is not a source name (lowercase letters, digits and inner hyphens)`);
  }
  if (['github', 'linear', 'slack'].includes(source)) throw new Error(`"${source}" is a built-in route; use --${source}-secret`);
  const problem = secretNameProblem(secretName);
  if (problem) throw new Error(problem);
  let auth: 'hmac' | 'bearer' = 'hmac';
  let header = DEFAULT_GENERIC_SIGNATURE_HEADER;
  for (const opt of opts) {
    const [k, v = ''] = opt.split('=', 2).map((s) => s.trim()) as [string, string?];
    if (k === 'auth' && (v === 'hmac' || v === 'bearer')) auth = v;
    else if (k === 'header' && HEADER_NAME.test(v)) header = v;
    else throw new Error(`unknown option "${opt}": expected auth=hmac, auth=bearer or header=<HTTP header name>`);
  }
  return [source, { secretName, auth: auth === 'bearer' ? { type: 'bearer' } : { type: 'hmac', header } }];
}

/** The `--generic` value of a source (parseGenericFlag's inverse). */
export function genericFlag(source: string, config: GenericRouteConfig): string {
  if (config.auth.type === 'bearer') return `${source}=${config.secretName},auth=bearer`;
  return config.auth.header === DEFAULT_GENERIC_SIGNATURE_HEADER
    ? `${source}=${config.secretName}`
    : `${source}=${config.secretName},header=${config.auth.header}`;
}

/** The Lease the webhook server's replicas elect the one that reports to GitHub with. */
export const WEBHOOK_REPORTING_LEASE = 'kelos-webhook-server-reporting';
