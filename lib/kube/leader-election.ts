import type { Logger } from 'pino';
import { CONTROLLER_NAME } from '../api/constants.js';
import type { KubeClient } from './kube-client.js';
import { isAlreadyExists, isConflict, isNotFound } from './kube-error.js';
import { Resources, resourcePath } from './resource-path.js';
import { sleep } from './sleep.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  /** @default CONTROLLER_NAME */
  readonly name?: string;
  readonly identity: string;
  /** How long a lease is good for without renewal. @default 15 s */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down. @default 10 s */
  readonly renewDeadlineMs?: number;
  /** @default 2 s */
  readonly retryPeriodMs?: number;
  readonly logger?: Logger;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: a
 * candidate takes the lease when it is free or its record has not changed
 * for a lease duration (measured on the local clock, so clock skew between
 * replicas does not matter); the leader renews every retry period and steps
 * down when it could not renew within the renew deadline.
 */
export class LeaderElector {
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private observed?: { record: string; at: number };
  private leading = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.name = options.name ?? CONTROLLER_NAME;
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
  }

  private get path(): string {
    return resourcePath(Resources.leases, { namespace: this.options.namespace, name: this.name });
  }

  /**
   * Campaigns until elected (resolves true) or `signal` aborts (false). Then
   * call `hold`, which resolves when leadership is lost or given up.
   */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.options.logger?.info({ lease: `${this.options.namespace}/${this.name}`, identity: this.options.identity }, 'Acquired leadership');
        return true;
      }
      await sleep(this.retryMs, signal);
    }
    return false;
  }

  /** Renews until it fails for the renew deadline (returns 'lost') or `signal` aborts (releases, returns 'released'). */
  async hold(signal: AbortSignal): Promise<'lost' | 'released'> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.retryMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew > this.renewMs) {
        this.leading = false;
        this.options.logger?.warn({ lease: `${this.options.namespace}/${this.name}` }, 'Lost leadership');
        return 'lost';
      }
    }
    await this.release();
    return 'released';
  }

  /** Gives the lease up so a standby takes over at once (idempotent: every caller waits for the one release). */
  release(): Promise<void> {
    if (!this.leading && !this.releasing) return Promise.resolve();
    this.releasing ??= this.doRelease();
    return this.releasing;
  }

  private releasing?: Promise<void>;

  private async doRelease(): Promise<void> {
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(this.path);
      if (!lease || lease.spec.holderIdentity !== this.options.identity) return;
      const now = microTime(Date.now());
      await this.client.json('PUT', this.path, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
      });
      this.options.logger?.info({ lease: `${this.options.namespace}/${this.name}` }, 'Released leadership');
    } catch (err) {
      this.options.logger?.warn({ err: String(err) }, 'Failed to release the lease');
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const mine = { holderIdentity: this.options.identity, leaseDurationSeconds: Math.ceil(this.leaseMs / 1000), renewTime: microTime(now) };
    try {
      const lease = await this.client.get<Lease>(this.path);
      if (!lease) {
        await this.client.json('POST', resourcePath(Resources.leases, { namespace: this.options.namespace }), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.options.namespace },
            spec: { ...mine, acquireTime: microTime(now), leaseTransitions: 0 },
          },
        });
        this.observed = undefined;
        return true;
      }
      const spec = lease.spec ?? {};
      const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? ''}`;
      if (this.observed?.record !== record) this.observed = { record, at: now };
      const holder = spec.holderIdentity ?? '';
      const isMine = holder === this.options.identity;
      const duration = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseMs / 1000)) * 1000;
      const expired = holder === '' || this.observed.at + duration <= now;
      if (!isMine && !expired) return false;
      const next: Lease = {
        ...lease,
        spec: isMine ? { ...spec, ...mine } : { ...spec, ...mine, acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 },
      };
      await this.client.json('PUT', this.path, { body: next });
      return true;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err) || isNotFound(err)) return false;
      this.options.logger?.warn({ err: String((err as Error).message ?? err) }, 'Lease request failed');
      return false;
    }
  }
}
