import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { SourceName } from '../lib/api/task-spawner.js';
import { DEFAULT_KELOS_IMAGE } from '../lib/render/images.js';
import { type WebhookServerInstall, type WebhookServerInstallOptions, webhookServerInstall } from '../lib/render/webhook-server.js';
import type { GenericRouteConfig } from '../lib/webhook/config.js';
import { DEFAULT_GENERIC_SIGNATURE_HEADER } from '../lib/webhook/signature.js';
import { ARGOCD_SYNC_WAVE, checkInteger, namespaceOf, PropError, SyncWave, show } from './_util.js';
import type { SecretRef } from './credentials.js';

/** The context key an app sets to choose the runtime image (the same as the spawners'). */
const KELOS_IMAGE_CONTEXT = 'kelos:image';

export interface WebhookRouteProps {
  /** Secret holding the shared secret under `WEBHOOK_SECRET` (Slack: `SLACK_SIGNING_SECRET` or `WEBHOOK_SECRET`). */
  readonly secret: SecretRef;
}

export interface SlackRouteProps extends WebhookRouteProps {
  /** The bot's user id, whose @-mentions trigger. @default - read from each event's authorizations */
  readonly botUserId?: string;
}

export interface GenericRouteProps extends WebhookRouteProps {
  /**
   * How a delivery proves it knows the secret: `hmac`, an HMAC-SHA256 of the
   * body (hex, optionally `sha256=`-prefixed) in `signatureHeader`; or
   * `bearer`, `Authorization: Bearer <secret>`. There is no unauthenticated mode.
   * @default "hmac"
   */
  readonly auth?: 'hmac' | 'bearer';
  /** Header of the HMAC (e.g. `Sentry-Hook-Signature`). @default "X-Hub-Signature-256" */
  readonly signatureHeader?: string;
}

export interface WebhookIngressProps {
  /** Host the senders reach, e.g. `hooks.example.com`; routes are under `/webhook/`. */
  readonly host: string;
  /** @default - the cluster's default IngressClass */
  readonly className?: string;
  /** TLS certificate Secret for `host`. @default - no TLS section */
  readonly tlsSecret?: SecretRef;
  /** Annotations (e.g. cert-manager's cluster issuer). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface WebhookServerProps {
  /** `/webhook/github`. @default - served with Secret `github-webhook-secret` when a Spawner of the namespace uses githubWebhook */
  readonly github?: WebhookRouteProps;
  /** `/webhook/linear`. @default - served with Secret `linear-webhook-secret` when a Spawner uses linearWebhook */
  readonly linear?: WebhookRouteProps;
  /** `/webhook/slack` (Events API and slash commands). @default - served with Secret `slack-signing-secret` when a Spawner uses slack */
  readonly slack?: SlackRouteProps;
  /** `/webhook/<source>` per generic source. @default - each source a Spawner uses, with Secret `<source>-webhook-secret` and HMAC */
  readonly generic?: Readonly<Record<string, GenericRouteProps>>;
  /** @default 2 */
  readonly replicas?: number;
  /** Runtime image. @default - the `kelos:image` context value, else the kelos image of this version */
  readonly image?: string;
  /** @default - 20m CPU and 96Mi requested, 256Mi limit */
  readonly resources?: V1ResourceRequirements;
  /** Larger deliveries are answered 413. @default 1048576 (1 MiB) */
  readonly maxBodyBytes?: number;
  /** Expose `/webhook/` through an Ingress. @default - no Ingress (reach the Service another way) */
  readonly ingress?: WebhookIngressProps;
}

const DEFAULT_SECRETS = { github: 'github-webhook-secret', linear: 'linear-webhook-secret', slack: 'slack-signing-secret' } as const;
const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const SOURCE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * The webhook server of a chart's namespace (`kelos webhook-server`): it
 * verifies GitHub, Linear, Slack and generic deliveries and turns them into
 * Tasks for the namespace's webhook Spawners. Renders a ServiceAccount, a
 * Role that reads exactly the route Secrets and the Spawners' contextSources
 * header Secrets, a Deployment of 2 replicas, a
 * Service, a PodDisruptionBudget and optionally an Ingress. A Spawner with a
 * webhook source adds one with defaults when its chart has none; declare it
 * before such Spawners to configure it. One per namespace.
 */
export class WebhookServer extends Construct {
  /** The chart's webhook server, made with defaults when there is none. */
  public static of(scope: Construct): WebhookServer {
    const chart = Chart.of(scope);
    return WebhookServer.find(chart) ?? new WebhookServer(chart, 'WebhookServer');
  }

  private static find(chart: Chart): WebhookServer | undefined {
    return chart.node.findAll().find((c): c is WebhookServer => c instanceof WebhookServer);
  }

  public readonly namespace: string;
  private readonly props: WebhookServerProps;
  /** Sources the Spawners use: route → Secret name. */
  private readonly used = new Set<string>();
  /** Secrets the Spawners' contextSources send as headers. */
  private readonly contextSecrets = new Set<string>();
  /** The Workspaces and token Secrets of githubWebhook Spawners with reporting. */
  private readonly reportWorkspaces = new Set<string>();
  private readonly reportSecrets = new Set<string>();

  constructor(scope: Construct, id: string, props: WebhookServerProps = {}) {
    super(scope, id);
    const chart = Chart.of(this);
    const other = chart.node.findAll().find((c) => c instanceof WebhookServer && c !== this);
    if (other) {
      throw new PropError(
        this,
        'id',
        `is a second webhook server in chart ${chart.node.id} (there is ${other.node.path}); declare one, before the webhook Spawners`,
      );
    }
    this.namespace = namespaceOf(this);
    this.props = props;
    checkInteger(this, 'replicas', props.replicas, 1);
    checkInteger(this, 'maxBodyBytes', props.maxBodyBytes, 1024);
    for (const [source, g] of Object.entries(props.generic ?? {})) {
      if (!SOURCE.test(source) || ['github', 'linear', 'slack'].includes(source)) {
        throw new PropError(
          this,
          'generic',
          `keys must be source names (lowercase letters, digits, inner hyphens; not github, linear or slack), got ${show(source)}`,
        );
      }
      if (g.signatureHeader !== undefined && !HEADER.test(g.signatureHeader))
        throw new PropError(this, `generic.${source}.signatureHeader`, `must be an HTTP header name, got ${show(g.signatureHeader)}`);
      if (g.auth === 'bearer' && g.signatureHeader !== undefined)
        throw new PropError(this, `generic.${source}.signatureHeader`, 'is for auth "hmac"; bearer tokens come in Authorization');
    }
    if (props.ingress && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(props.ingress.host)) {
      throw new PropError(this, 'ingress.host', `must be a DNS host name, got ${show(props.ingress.host)}`);
    }

    this.node.addValidation({
      validate: () => {
        const o = this.options();
        return o.github || o.linear || o.slack || o.generic
          ? []
          : ['serves no route: configure github, linear, slack or generic, or add a Spawner with a webhook source'];
      },
    });
    const install = () => this.install();
    const cid = (k: string) => k[0]!.toUpperCase() + k.slice(1);
    const probe = webhookServerInstall(this.options());
    for (const key of ['serviceAccount', 'role', 'roleBinding', 'deployment', 'service', 'podDisruptionBudget', 'ingress'] as const) {
      const obj = probe[key];
      if (!obj) continue;
      const { metadata, apiVersion, kind, ...rest } = obj as { metadata: Record<string, unknown>; apiVersion: string; kind: string } & Record<string, unknown>;
      const lazy = Object.fromEntries(
        Object.keys(rest).map((field) => [field, Lazy.any({ produce: () => (install()[key] as Record<string, unknown>)[field] })]),
      );
      new ApiObject(this, cid(key), {
        apiVersion,
        kind,
        metadata: { ...metadata, annotations: { ...(metadata.annotations as Record<string, string> | undefined), [ARGOCD_SYNC_WAVE]: SyncWave.WORKLOADS } },
        ...lazy,
      });
    }
  }

  /** @internal Called by a Spawner with a webhook source. */
  public _addSource(
    source: SourceName,
    genericSource?: string,
    contextSecrets: readonly string[] = [],
    reporting?: { readonly workspace: string; readonly secret: string },
  ): void {
    for (const name of contextSecrets) this.contextSecrets.add(name);
    if (reporting) {
      this.reportWorkspaces.add(reporting.workspace);
      this.reportSecrets.add(reporting.secret);
    }
    if (source === 'githubWebhook') this.used.add('github');
    else if (source === 'linearWebhook') this.used.add('linear');
    else if (source === 'slack') this.used.add('slack');
    else if (source === 'webhook' && genericSource) this.used.add(`generic:${genericSource}`);
  }

  /** The rendered objects, as they are once every Spawner has been added. */
  public install(): WebhookServerInstall {
    return webhookServerInstall(this.options());
  }

  private options(): WebhookServerInstallOptions {
    const p = this.props;
    const route = (name: 'github' | 'linear') =>
      p[name] ? { secretName: p[name]!.secret.name } : this.used.has(name) ? { secretName: DEFAULT_SECRETS[name] } : undefined;
    const github = route('github');
    const linear = route('linear');
    const slack = p.slack
      ? { secretName: p.slack.secret.name, ...(p.slack.botUserId ? { botUserId: p.slack.botUserId } : {}) }
      : this.used.has('slack')
        ? { secretName: DEFAULT_SECRETS.slack }
        : undefined;
    const generic: Record<string, GenericRouteConfig> = {};
    for (const u of this.used)
      if (u.startsWith('generic:'))
        generic[u.slice(8)] = { secretName: `${u.slice(8)}-webhook-secret`, auth: { type: 'hmac', header: DEFAULT_GENERIC_SIGNATURE_HEADER } };
    for (const [source, g] of Object.entries(p.generic ?? {})) {
      generic[source] = {
        secretName: g.secret.name,
        auth: g.auth === 'bearer' ? { type: 'bearer' } : { type: 'hmac', header: g.signatureHeader ?? DEFAULT_GENERIC_SIGNATURE_HEADER },
      };
    }
    return {
      namespace: this.namespace,
      image: p.image ?? this.node.tryGetContext(KELOS_IMAGE_CONTEXT) ?? DEFAULT_KELOS_IMAGE,
      ...(p.replicas !== undefined ? { replicas: p.replicas } : {}),
      ...(p.resources ? { resources: p.resources } : {}),
      ...(p.maxBodyBytes !== undefined ? { maxBodyBytes: p.maxBodyBytes } : {}),
      ...(github ? { github } : {}),
      ...(linear ? { linear } : {}),
      ...(slack ? { slack } : {}),
      ...(Object.keys(generic).length ? { generic } : {}),
      ...(this.contextSecrets.size ? { contextSecrets: [...this.contextSecrets].sort() } : {}),
      ...(this.reportWorkspaces.size ? { reporting: { workspaces: [...this.reportWorkspaces].sort(), secrets: [...this.reportSecrets].sort() } } : {}),
      ...(p.ingress
        ? {
            ingress: {
              host: p.ingress.host,
              ...(p.ingress.className ? { className: p.ingress.className } : {}),
              ...(p.ingress.tlsSecret ? { tlsSecretName: p.ingress.tlsSecret.name } : {}),
              ...(p.ingress.annotations ? { annotations: p.ingress.annotations } : {}),
            },
          }
        : {}),
    };
  }
}
