# shellcheck shell=bash
# OpenAI Codex CLI image declaration: the CLI and its pinned version for
# images/lib/install-cli.sh, its command line for the entrypoint core
# (images/lib/kelos_entrypoint.sh). The rest is in lib/agents/codex.ts.
AGENT_TYPE=codex
AGENT_CLI=codex
AGENT_CLI_PACKAGE=@openai/codex
AGENT_CLI_VERSION=0.169.0
AGENT_PROMPT=stdin
AGENT_EFFORT=supported
# CODEX_AUTH_JSON (the oauth credential) is written to $CODEX_HOME/auth.json.
AGENT_CONFIG_ENV=CODEX_AUTH_JSON

# agent_args: the flags of `codex exec` into `args`; the last one, `-`, reads
# the prompt from stdin, where the core writes it.
agent_args() {
  # The pod is the sandbox; --skip-git-repo-check lets a Task without a
  # workspace run outside a repository.
  args=(exec --json --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check)
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
  if [ -n "${KELOS_EFFORT:-}" ]; then
    # A config override: the value is parsed as TOML.
    args+=(-c "model_reasoning_effort=\"$KELOS_EFFORT\"")
  fi
  args+=(-)
}
