import { Construct, type IConstruct } from 'constructs';
import { Kind } from '../lib/api/constants.js';
import { MAX_REMOTES, REPO_PATTERN, type WorkspaceSpec } from '../lib/api/workspace.js';
import { parseRepo, REPO_CREDENTIALS_REASON, RepoUrlError } from '../lib/github/repo-url.js';
import { checkProps, type KnownProps } from './_props.js';
import { kelosResource, objectName, PropError, show, some } from './_util.js';
import type { SecretRef } from './credentials.js';

// Prop names checked at run time (checkProps), for JavaScript callers.
const WORKSPACE_PROPS: KnownProps<WorkspaceProps> = {
  name: true,
  repo: true,
  ref: true,
  secret: true,
  remotes: true,
  files: true,
  setupCommand: true,
};
const WORKSPACE_REMOTE_PROPS: KnownProps<WorkspaceRemote> = { name: true, url: true };

/** A Workspace defined here or elsewhere. */
export interface IWorkspace extends IConstruct {
  /** The Workspace object's name. */
  readonly workspaceName: string;
  /** The Secret with the GitHub token or App keys, when known. */
  readonly secretName?: string;
}

export interface WorkspaceRemote {
  /** Remote name; `origin` is reserved for the clone source. */
  readonly name: string;
  /** Remote URL (`https://`, `http://`, `git://` or `git@`). */
  readonly url: string;
}

export interface WorkspaceProps {
  /** Object name. @default - the construct id */
  readonly name?: string;
  /** The git repository URL to clone (`https://`, `http://`, `git://` or `git@`). */
  readonly repo: string;
  /** Branch, tag or 40-hex commit SHA to check out. @default - the repository's default branch */
  readonly ref?: string;
  /**
   * Secret with `GITHUB_TOKEN` (a personal access token) or GitHub App keys
   * `appID`, `installationID`, `privateKey`.
   * @default - no token: public repositories only, unauthenticated GitHub API
   */
  readonly secret?: SecretRef;
  /** Extra git remotes. @default - none */
  readonly remotes?: readonly WorkspaceRemote[];
  /** Files written into the clone before the agent starts, by relative path. @default - none */
  readonly files?: Readonly<Record<string, string>>;
  /** Exec-form command run in the repository before the agent. @default - none */
  readonly setupCommand?: readonly string[];
}

export interface WorkspaceImportOptions {
  /** The Workspace's Secret, so spawners can be granted access to it. @default - unknown */
  readonly secretName?: string;
}

const repoPattern = new RegExp(REPO_PATTERN);

/** A git repository agents work in: renders a kelos.dev `Workspace`. */
export class Workspace extends Construct implements IWorkspace {
  /** A Workspace that exists already (applied elsewhere). */
  public static fromName(scope: Construct, id: string, name: string, options: WorkspaceImportOptions = {}): IWorkspace {
    return new ImportedWorkspace(scope, id, name, options.secretName);
  }

  public readonly workspaceName: string;
  public readonly secretName?: string;
  public readonly repo: string;
  public readonly ref?: string;
  private readonly remotes: WorkspaceRemote[] = [];
  private readonly files = new Map<string, string>();
  private readonly setupCommand?: string[];

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    checkProps(this, 'Workspace', props, WORKSPACE_PROPS);
    this.workspaceName = objectName(this, id, props.name);
    checkCredentials(this, 'repo', props.repo);
    if (!repoPattern.test(props.repo)) {
      throw new PropError(this, 'repo', `must start with https://, http://, git:// or git@, got ${show(props.repo)}`);
    }
    this.repo = props.repo;
    this.ref = props.ref;
    this.secretName = props.secret?.name;
    if (props.setupCommand !== undefined && props.setupCommand.length === 0) {
      throw new PropError(this, 'setupCommand', 'must have at least one element when set, got []');
    }
    this.setupCommand = props.setupCommand ? [...props.setupCommand] : undefined;
    for (const r of props.remotes ?? []) {
      checkProps(this, 'a Workspace remote', r, WORKSPACE_REMOTE_PROPS, 'remotes.');
      this.addRemote(r.name, r.url);
    }
    for (const [path, content] of Object.entries(props.files ?? {})) this.addFile(path, content);
    kelosResource(this, Kind.WORKSPACE, this.workspaceName, () => this._toKube());
  }

  /** Adds a git remote. */
  public addRemote(name: string, url: string): void {
    if (name === '') throw new PropError(this, 'remotes', 'name must not be empty');
    if (name === 'origin') throw new PropError(this, 'remotes', `name "origin" is reserved for the clone source`);
    if (this.remotes.some((r) => r.name === name)) throw new PropError(this, 'remotes', `name ${show(name)} is already used`);
    checkCredentials(this, 'remotes', url);
    if (!repoPattern.test(url)) {
      throw new PropError(this, 'remotes', `url of ${show(name)} must start with https://, http://, git:// or git@, got ${show(url)}`);
    }
    if (this.remotes.length >= MAX_REMOTES) throw new PropError(this, 'remotes', `must have at most ${MAX_REMOTES} entries`);
    this.remotes.push({ name, url });
  }

  /** Adds a file written into the clone before the agent starts. */
  public addFile(path: string, content: string): void {
    const segments = path.split('/');
    if (path === '' || path.startsWith('/') || segments.includes('..')) {
      throw new PropError(this, 'files', `path must be relative to the repository and must not contain '..', got ${show(path)}`);
    }
    if (this.files.has(path)) throw new PropError(this, 'files', `path ${show(path)} is already added`);
    this.files.set(path, content);
  }

  /** @internal */
  public _toKube(): WorkspaceSpec {
    return {
      repo: this.repo,
      ref: this.ref,
      secretRef: this.secretName ? { name: this.secretName } : undefined,
      remotes: some(this.remotes.map((r) => ({ ...r }))),
      files: some([...this.files].map(([path, content]) => ({ path, content }))),
      setupCommand: this.setupCommand ? [...this.setupCommand] : undefined,
    };
  }
}

class ImportedWorkspace extends Construct implements IWorkspace {
  constructor(
    scope: Construct,
    id: string,
    public readonly workspaceName: string,
    public readonly secretName?: string,
  ) {
    super(scope, id);
  }
}

/** Refuses a URL with credentials without printing them: they belong in the Workspace Secret. */
function checkCredentials(scope: Construct, prop: string, url: string): void {
  try {
    parseRepo(url);
  } catch (err) {
    // Any git host may serve a Workspace: of what parseRepo refuses, only credentials count here.
    if (err instanceof RepoUrlError && err.reason === REPO_CREDENTIALS_REASON) throw new PropError(scope, prop, `${err.reason}, got ${err.input}`);
    if (!(err instanceof RepoUrlError)) throw err;
  }
}
