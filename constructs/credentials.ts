import type { Credentials as CredentialsSpec, CredentialType } from '../lib/api/shared.js';

/** A reference to a Secret by name: a cdk8s-plus `ISecret`, or anything with a `name`. */
export interface SecretRef {
  readonly name: string;
}

/**
 * How the agent authenticates. The Secret holds the credential under the
 * variable name of the agent type (its definition's `credentials` in
 * lib/agents, e.g. ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN).
 */
export class Credentials {
  /** An API key from a Secret. */
  public static apiKey(secret: SecretRef): Credentials {
    return new Credentials('api-key', secret);
  }

  /** An OAuth token from a Secret. */
  public static oauth(secret: SecretRef): Credentials {
    return new Credentials('oauth', secret);
  }

  /** No built-in credentials: supply your own through `podOverrides.env`. */
  public static none(): Credentials {
    return new Credentials('none');
  }

  private constructor(
    public readonly type: CredentialType,
    public readonly secret?: SecretRef,
  ) {}

  /** @internal */
  public _toKube(): CredentialsSpec {
    return this.secret ? { type: this.type, secretRef: { name: this.secret.name } } : { type: this.type };
  }
}
