import type { V1Container, V1EnvVar, V1VolumeMount } from '@kubernetes/client-node';
import type { WorkspaceSpec } from '../../api/workspace.js';
import { sanitizeRelativePath, shellQuote } from '../_shell.js';
import type { Checkout } from './_checkout.js';
import { initContainer } from './_init-container.js';
import { tokenMount, workspaceMount } from './_volumes.js';
import { AgentPod, InitContainer } from './agent-pod.js';
import { TaskSpecError } from './task-spec-error.js';

// The init containers that check the Workspace out into /workspace/repo, in
// the order they run: clone, remotes, branch, files.

/** The checkout's init containers, each only when needed. Throws TaskSpecError on a bad workspace file path. */
export function workspaceInitContainers(co: Checkout, branch: string | undefined, image: string): V1Container[] {
  const ws = co.workspace;
  const init = [gitClone(co, image)];
  if (ws.remotes?.length) init.push(remoteSetup(co, ws.remotes, image));
  if (branch) init.push(branchSetup(co, branch, image));
  if (ws.files?.length) init.push(workspaceFiles(co, ws.files, image));
  return init;
}

/** HOME for git's config, and GH_HOST on GitHub Enterprise. */
function gitEnv(co: Checkout): V1EnvVar[] {
  const env: V1EnvVar[] = [{ name: 'HOME', value: '/tmp' }];
  if (co.enterpriseHost) env.push({ name: 'GH_HOST', value: co.enterpriseHost });
  return env;
}

/** The workspace, and the token for the containers that talk to the remote. */
function gitMounts(co: Checkout): V1VolumeMount[] {
  return co.tokenSecret ? [workspaceMount(), tokenMount()] : [workspaceMount()];
}

const SHA_RE = /^[0-9a-f]{40}$/i;

/** Reads the token from the mounted Secret when git asks for credentials; the token itself is never written to disk config. */
const CREDENTIAL_HELPER =
  `!f() { test "$1" = get || exit 0; echo username=x-access-token; ` + `printf 'password=%s\\n' "$(cat ${AgentPod.GITHUB_TOKEN_DIR}/GITHUB_TOKEN)"; }; f`;

function gitClone(co: Checkout, image: string): V1Container {
  const ws = co.workspace;
  const env: V1EnvVar[] = [...gitEnv(co), { name: 'KELOS_REPO', value: ws.repo }];
  if (ws.ref) env.push({ name: 'KELOS_REF', value: ws.ref });
  return initContainer(InitContainer.GIT_CLONE, image, gitCloneScript(ws, co.credentialOrigin), env, gitMounts(co));
}

function gitCloneScript(ws: WorkspaceSpec, origin: string | undefined): string {
  const repo = AgentPod.REPO_DIR;
  // An empty helper first drops any inherited helper; the scoped one only answers for the repo's host.
  const creds = origin ? `-c credential.helper= -c ${shellQuote(`credential.${origin}.helper=${CREDENTIAL_HELPER}`)} ` : '';
  const lines = ['set -eu'];
  if (ws.ref && SHA_RE.test(ws.ref)) {
    lines.push(
      `git init -q ${repo}`,
      `git -C ${repo} remote add origin "$KELOS_REPO"`,
      `git ${creds}-C ${repo} fetch --depth 1 origin "$KELOS_REF"`,
      `git -C ${repo} checkout -q --detach FETCH_HEAD`,
    );
  } else {
    const branch = ws.ref ? ' --branch "$KELOS_REF"' : '';
    lines.push(`git ${creds}clone --depth 1 --no-single-branch${branch} -- "$KELOS_REPO" ${repo}`);
  }
  if (origin) {
    lines.push(`git -C ${repo} config ${shellQuote(`credential.${origin}.helper`)} ${shellQuote(CREDENTIAL_HELPER)}`);
  }
  return lines.join('\n');
}

function remoteSetup(co: Checkout, remotes: NonNullable<WorkspaceSpec['remotes']>, image: string): V1Container {
  const lines = ['set -eu', `cd ${AgentPod.REPO_DIR}`];
  for (const r of remotes) {
    const name = shellQuote(r.name);
    const url = shellQuote(r.url);
    lines.push(`if git remote get-url ${name} >/dev/null 2>&1; then git remote set-url ${name} ${url}; else git remote add ${name} ${url}; fi`);
  }
  return initContainer(InitContainer.REMOTE_SETUP, image, lines.join('\n'), gitEnv(co), [workspaceMount()]);
}

// The controller checks the branch too; here git itself has the last word,
// and the remote's default branch (known only after the clone) is refused.
const BRANCH_SETUP_SCRIPT = [
  'set -eu',
  `cd ${AgentPod.REPO_DIR}`,
  'if ! git check-ref-format --branch "$KELOS_BRANCH" >/dev/null 2>&1; then',
  '  echo "kelos: the Task branch is not a valid git branch name" >&2; exit 1',
  'fi',
  'default=$(git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null || true)',
  'if [ -n "$default" ] && [ "$default" = "origin/$KELOS_BRANCH" ]; then',
  '  echo "kelos: the Task branch is the default branch of the repository; a Task never works on it" >&2; exit 1',
  'fi',
  'if git fetch --depth 1 origin "+refs/heads/$KELOS_BRANCH:refs/remotes/origin/$KELOS_BRANCH" 2>/dev/null; then',
  '  git checkout -B "$KELOS_BRANCH" "refs/remotes/origin/$KELOS_BRANCH"',
  'else',
  '  git checkout -b "$KELOS_BRANCH"',
  'fi',
].join('\n');

function branchSetup(co: Checkout, branch: string, image: string): V1Container {
  return initContainer(InitContainer.BRANCH_SETUP, image, BRANCH_SETUP_SCRIPT, [...gitEnv(co), { name: 'KELOS_BRANCH', value: branch }], gitMounts(co));
}

function workspaceFiles(co: Checkout, files: NonNullable<WorkspaceSpec['files']>, image: string): V1Container {
  const lines = ['set -eu'];
  for (const file of files) {
    const clean = sanitizeRelativePath(file.path);
    if ('error' in clean) throw new TaskSpecError(`workspace file "${file.path}": ${clean.error}`);
    const b64 = Buffer.from(file.content, 'utf8').toString('base64');
    lines.push(
      `target=${shellQuote(`${AgentPod.REPO_DIR}/${clean.path}`)}`,
      'mkdir -p "$(dirname "$target")"',
      `printf '%s' ${shellQuote(b64)} | base64 -d > "$target"`,
    );
  }
  return initContainer(InitContainer.WORKSPACE_FILES, image, lines.join('\n'), gitEnv(co), [workspaceMount()]);
}
