import { describe, expect, it } from 'vitest';
import { Workspace } from '../../constructs/index.js';
import { RESOURCE_ANNOTATIONS, rendered, setup } from './_helpers.js';

describe('Workspace', () => {
  it('renders a Workspace with every field', () => {
    const { app, chart } = setup();
    const ws = new Workspace(chart, 'app-repo', {
      repo: 'https://github.com/o/app.git',
      ref: 'main',
      secret: { name: 'gh-token' },
      remotes: [{ name: 'upstream', url: 'git@github.com:u/app.git' }],
      files: { 'docs/NOTES.md': 'hi\n' },
      setupCommand: ['npm', 'ci'],
    });
    ws.addFile('.env', 'A=1\n');
    expect(rendered(app)['Workspace/app-repo']).toEqual({
      apiVersion: 'kelos.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'app-repo', namespace: 'team', annotations: RESOURCE_ANNOTATIONS },
      spec: {
        repo: 'https://github.com/o/app.git',
        ref: 'main',
        secretRef: { name: 'gh-token' },
        remotes: [{ name: 'upstream', url: 'git@github.com:u/app.git' }],
        files: [
          { path: 'docs/NOTES.md', content: 'hi\n' },
          { path: '.env', content: 'A=1\n' },
        ],
        setupCommand: ['npm', 'ci'],
      },
    });
    expect(ws.secretName).toBe('gh-token');
  });

  it('renders only the repo when nothing else is set', () => {
    const { app, chart } = setup();
    new Workspace(chart, 'min', { repo: 'git@github.com:o/r.git' });
    expect(rendered(app)['Workspace/min'].spec).toEqual({ repo: 'git@github.com:o/r.git' });
  });

  it('references a Workspace defined elsewhere by name', () => {
    const { chart } = setup();
    const ws = Workspace.fromName(chart, 'ext', 'shared-repo', { secretName: 'tok' });
    expect([ws.workspaceName, ws.secretName]).toEqual(['shared-repo', 'tok']);
  });

  it('fails when the repo is not a git URL', () => {
    const { chart } = setup();
    expect(() => new Workspace(chart, 'w', { repo: 'github.com/o/r' })).toThrow(
      `pipeline/w: 'repo' must start with https://, http://, git:// or git@, got "github.com/o/r"`,
    );
  });

  it('fails when a remote is named origin', () => {
    const { chart } = setup();
    expect(() => new Workspace(chart, 'w', { repo: 'https://x.io/r.git', remotes: [{ name: 'origin', url: 'https://x.io/r.git' }] })).toThrow(
      /pipeline\/w: 'remotes' name "origin" is reserved/,
    );
  });

  it('fails when a remote name is used twice', () => {
    const { chart } = setup();
    const ws = new Workspace(chart, 'w', { repo: 'https://x.io/r.git', remotes: [{ name: 'up', url: 'https://x.io/a.git' }] });
    expect(() => ws.addRemote('up', 'https://x.io/b.git')).toThrow(/'remotes' name "up" is already used/);
  });

  it('fails when a file escapes the repository', () => {
    const { chart } = setup();
    expect(() => new Workspace(chart, 'w', { repo: 'https://x.io/r.git', files: { '../x': '' } })).toThrow(/'files' path must be relative/);
    expect(() => new Workspace(chart, 'v', { repo: 'https://x.io/r.git', files: { '/etc/x': '' } })).toThrow(/'files' path must be relative/);
  });

  it('fails when the name is not a DNS-1123 name', () => {
    const { chart } = setup();
    expect(() => new Workspace(chart, 'My_Repo', { repo: 'https://x.io/r.git' })).toThrow(
      /pipeline\/My_Repo: 'id' must be a lowercase DNS-1123 name .* got "My_Repo"/,
    );
  });

  it('fails when setupCommand is empty', () => {
    const { chart } = setup();
    expect(() => new Workspace(chart, 'w', { repo: 'https://x.io/r.git', setupCommand: [] })).toThrow(/'setupCommand' must have at least one element/);
  });

  it('fails on a repository URL with credentials, without printing them', () => {
    const { chart } = setup();
    const make = () => new Workspace(chart, 'w', { repo: 'https://x-access-token:ghp_secret@github.com/o/r.git' });
    expect(make).toThrow(
      `pipeline/w: 'repo' must not carry credentials (user:password@ or token@); put the token in the Workspace Secret, got "https://***@github.com/o/r.git"`,
    );
    expect(make).not.toThrow(/ghp_secret/);
    expect(() => new Workspace(chart, 'w2', { repo: 'https://github.com/o/r.git', remotes: [{ name: 'up', url: 'https://tok@github.com/u/r.git' }] })).toThrow(
      `pipeline/w2: 'remotes' must not carry credentials (user:password@ or token@); put the token in the Workspace Secret, got "https://***@github.com/u/r.git"`,
    );
  });

  it('accepts repositories of any git host', () => {
    const { chart } = setup();
    expect(
      () => new Workspace(chart, 'w', { repo: 'git://mirror.example.com/widgets.git', remotes: [{ name: 'm', url: 'git@host.example:group/sub/repo.git' }] }),
    ).not.toThrow();
  });
});
