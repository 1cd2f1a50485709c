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
