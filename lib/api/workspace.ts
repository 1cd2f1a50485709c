import { type Static, Type } from '@sinclair/typebox';
import { cel, NameRef } from './_schema.js';
import { Kind } from './constants.js';
import type { KindDefinition } from './kind.js';
import type { ObjectMeta } from './shared.js';

export const REPO_PATTERN = '^(https?://|git://|git@).*';

/**
 * Bounds that keep the CEL rules within the apiserver's cost budget (the
 * uniqueness rule is quadratic in the number of remotes).
 */
export const MAX_REMOTES = 32;
export const MAX_REMOTE_NAME_LENGTH = 253;
export const MAX_FILES = 256;
export const MAX_FILE_PATH_LENGTH = 4096;

export const WorkspaceSpecSchema = Type.Object(
  {
    repo: Type.String({ pattern: REPO_PATTERN, description: 'Repo is the git repository URL to clone.' }),
    ref: Type.Optional(
      Type.String({
        description: "Ref is the git reference to check out (branch, tag or 40-hex commit SHA). Defaults to the repository's default branch.",
      }),
    ),
    secretRef: Type.Optional(
      NameRef('SecretRef references a Secret with GITHUB_TOKEN (a personal access token), or GitHub App keys appID, installationID and privateKey.'),
    ),
    remotes: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ minLength: 1, maxLength: MAX_REMOTE_NAME_LENGTH, description: 'Name of the git remote.' }),
          url: Type.String({ pattern: REPO_PATTERN, description: 'URL of the git remote.' }),
        }),
        {
          maxItems: MAX_REMOTES,
          description: 'Remotes are extra git remotes added to the clone.',
          ...cel(
            { rule: "self.all(r, r.name != 'origin')", message: "remote name 'origin' is reserved for the clone source" },
            { rule: 'self.all(r, self.exists_one(s, s.name == r.name))', message: 'remote names must be unique' },
          ),
        },
      ),
    ),
    files: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({ minLength: 1, maxLength: MAX_FILE_PATH_LENGTH, description: 'Path relative to the repository root.' }),
            content: Type.String({ description: 'Content of the file.' }),
          },
          {
            ...cel({
              rule: "!self.path.startsWith('/') && self.path != '..' && !self.path.startsWith('../') && !self.path.endsWith('/..') && !self.path.contains('/../')",
              message: "files[].path must be relative and must not escape the repository with '..'",
            }),
          },
        ),
        { maxItems: MAX_FILES, description: 'Files are written into the clone before the agent starts.' },
      ),
    ),
    setupCommand: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description: 'SetupCommand is an exec-form command run in the repository before the agent (KELOS_SETUP_COMMAND).',
      }),
    ),
  },
  { description: 'WorkspaceSpec defines the desired state of Workspace.' },
);
export type WorkspaceSpec = Static<typeof WorkspaceSpecSchema>;

export interface Workspace {
  apiVersion: 'kelos.dev/v1alpha1';
  kind: 'Workspace';
  metadata: ObjectMeta;
  spec: WorkspaceSpec;
}

export const WorkspaceDefinition: KindDefinition = {
  kind: Kind.WORKSPACE,
  plural: 'workspaces',
  singular: 'workspace',
  listKind: 'WorkspaceList',
  description: 'Workspace is a git repository (with ref, token Secret, extra remotes and files to inject) that agents work in.',
  spec: WorkspaceSpecSchema,
  specRequired: true,
  printerColumns: [
    { name: 'Repo', type: 'string', jsonPath: '.spec.repo' },
    { name: 'Ref', type: 'string', jsonPath: '.spec.ref' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
