# shellcheck shell=bash
# The image declaration of the test-only agent type `custom` (custom-agent.ts):
# what images/agents/<type>.sh holds for a real type.
AGENT_TYPE=custom
AGENT_CLI=custom-agent
AGENT_CLI_PACKAGE=@kelos-test/custom-agent
AGENT_CLI_VERSION=1.2.3
AGENT_PROMPT=--task=
AGENT_EFFORT=supported

# agent_args: the flags of `custom-agent` into `args`; the core adds `--task=<prompt>`.
agent_args() {
  args=(run --jsonl --no-confirm)
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
  if [ -n "${KELOS_EFFORT:-}" ]; then
    args+=(--reasoning "$KELOS_EFFORT")
  fi
}
