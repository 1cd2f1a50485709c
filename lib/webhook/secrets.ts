import type { KubeClient } from '../kube/kube-client.js';
import { Resources, resourcePath } from '../kube/resource-path.js';
import { decodeSecretData } from '../kube/secret-data.js';

/** The Secret key holding a route's shared secret (Kelos's key); Slack also takes its own name for it. */
export const WEBHOOK_SECRET_KEY = 'WEBHOOK_SECRET';
export const SLACK_SIGNING_SECRET_KEY = 'SLACK_SIGNING_SECRET';

/** A Secret could not be used: it is missing, or has none of the keys. */
export class SecretMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretMissingError';
  }
}

interface Entry {
  readonly at: number;
  readonly data: Promise<Record<string, string> | undefined>;
}

/**
 * Reads the Secrets that hold the webhook secrets, by name (the server may
 * `get` exactly those), and keeps each for `ttlMs` so a rotated secret takes
 * effect within that time without a restart. Values never leave this object
 * except to verify a signature.
 */
export class SecretStore {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The first of `keys` the Secret holds. `maxAgeMs` asks for a copy read
   * at most that long ago. Throws SecretMissingError, or the apiserver's error.
   */
  async value(name: string, keys: readonly string[], maxAgeMs = this.ttlMs): Promise<string> {
    const data = await this.data(name, maxAgeMs);
    for (const k of keys) if (data[k]) return data[k]!;
    throw new SecretMissingError(`Secret ${this.namespace}/${name} has no ${keys.join(' or ')} key`);
  }

  /** Every key of the Secret (a Workspace's token or GitHub App keys). Throws SecretMissingError, or the apiserver's error. */
  async data(name: string, maxAgeMs = this.ttlMs): Promise<Readonly<Record<string, string>>> {
    let entry = this.cache.get(name);
    if (!entry || this.now() - entry.at > Math.min(maxAgeMs, this.ttlMs)) {
      const data = this.client
        .get<{ data?: Record<string, string> }>(resourcePath(Resources.secrets, { namespace: this.namespace, name }))
        .then((s) => (s ? decodeSecretData(s) : undefined));
      entry = { at: this.now(), data };
      this.cache.set(name, entry);
      // A failed read is not remembered.
      data.catch(() => {
        if (this.cache.get(name) === entry) this.cache.delete(name);
      });
    }
    const data = await entry.data;
    if (!data) throw new SecretMissingError(`Secret ${this.namespace}/${name} does not exist`);
    return data;
  }

  /** When the cached copy of `name` was read (epoch ms), if there is one. */
  readAt(name: string): number | undefined {
    return this.cache.get(name)?.at;
  }
}
