# shellcheck shell=bash
# Google Gemini CLI image declaration: the CLI and its pinned version for
# images/lib/install-cli.sh, its command line for the entrypoint core
# (images/lib/kelos_entrypoint.sh). The rest is in lib/agents/gemini.ts.
AGENT_TYPE=gemini
AGENT_CLI=gemini
AGENT_CLI_PACKAGE=@google/gemini-cli
AGENT_CLI_VERSION=0.61.0
AGENT_PROMPT=--prompt=
AGENT_EFFORT=ignored

# agent_env: headless, 0.61.0 refuses to run in a folder it does not trust
# (exit 55) and would drop --yolo there; the pod is the sandbox and the
# repository the one the Task cloned. A value already set wins.
agent_env() {
  export GEMINI_CLI_TRUST_WORKSPACE="${GEMINI_CLI_TRUST_WORKSPACE:-true}"
  gemini_git_auth_header
}

# gemini_git_auth_header: 0.61.0's shell tool empties credential.helper (and
# the global config) for every command it runs, so `git push` there never
# reaches the helper kelos sets for the workspace's remote and fails with
# "could not read Username". It keeps GIT_CONFIG_* variables from its own
# environment: the token goes as an HTTP header for that remote only, added to
# any such variables already set.
gemini_git_auth_header() {
  [ -n "${GITHUB_TOKEN:-}" ] || return 0
  local name origin n
  name="$(git config --local --name-only --get-regexp '^credential\..+\.helper$' 2>/dev/null | head -n 1)"
  [ -n "$name" ] || return 0
  origin="${name#credential.}"
  origin="${origin%.helper}"
  n="${GIT_CONFIG_COUNT:-0}"
  export "GIT_CONFIG_KEY_$n=http.$origin/.extraheader"
  export "GIT_CONFIG_VALUE_$n=Authorization: Basic $(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT="$((n + 1))"
}

# agent_args: the flags of `gemini` into `args`; the core adds `--prompt=<prompt>`.
agent_args() {
  # --yolo approves every tool call; newer releases document it as a deprecated
  # alias of --approval-mode=yolo, which the pinned version accepts as well.
  args=(--output-format stream-json --yolo)
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
}
