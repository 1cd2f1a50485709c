import type { Logger } from 'pino';
import type { KubeClient } from './kube-client.js';
import { Resources, resourcePath } from './resource-path.js';

export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/**
 * Records core/v1 Events on objects (what `kubectl describe` shows). Writes
 * are best effort and bounded: an Event that cannot be written is logged and
 * dropped, never failing or slowing a reconcile.
 */
export class EventRecorder {
  private inFlight = 0;
  private readonly backlog: Array<() => Promise<void>> = [];
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly logger?: Logger,
    private readonly maxInFlight = 4,
    private readonly maxBacklog = 1000,
  ) {}

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ns = target.metadata.namespace ?? 'default';
    const now = new Date();
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const name = `${target.metadata.name}.${(now.getTime() * 1000 + (this.seq++ % 1000)).toString(16)}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.metadata.name,
        namespace: ns,
        ...(target.metadata.uid ? { uid: target.metadata.uid } : {}),
        ...(target.metadata.resourceVersion ? { resourceVersion: target.metadata.resourceVersion } : {}),
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    const send = async () => {
      try {
        await this.client.json('POST', resourcePath(Resources.events, { namespace: ns }), { body: event });
      } catch (err) {
        this.logger?.debug({ err: String(err), reason, object: target.metadata.name }, 'Failed to record Event');
      }
    };
    if (this.backlog.length >= this.maxBacklog) return;
    this.backlog.push(send);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.backlog.length) {
      const job = this.backlog.shift()!;
      this.inFlight++;
      void job().finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** Resolves when every queued Event was sent (or dropped). */
  async flush(): Promise<void> {
    while (this.inFlight || this.backlog.length) await new Promise((r) => setTimeout(r, 20));
  }
}
