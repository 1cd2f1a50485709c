# shellcheck shell=bash
# Claude Code image declaration. images/lib/install-cli.sh reads the AGENT_*
# values to install the CLI during `docker build`; the entrypoint core
# (images/lib/kelos_entrypoint.sh) sources this file at run time. Everything
# else kelos knows about the type is in lib/agents/claude-code.ts.
AGENT_TYPE=claude-code
AGENT_CLI=claude
AGENT_CLI_PACKAGE=@anthropic-ai/claude-code
AGENT_CLI_VERSION=2.1.328
AGENT_PROMPT=argument
AGENT_EFFORT=supported

# agent_args: the flags of `claude` into `args`; the core adds `-- <prompt>`.
agent_args() {
  args=(-p --output-format stream-json --verbose --dangerously-skip-permissions)
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
  if [ -n "${KELOS_EFFORT:-}" ]; then
    # --effort takes low|medium|high|xhigh|max (which ones a model accepts
    # varies). Some 2.1.x releases ignored the flag, and CLAUDE_CODE_EFFORT_LEVEL
    # wins over it, so the variable carries the same value (unless it is set).
    args+=(--effort "$KELOS_EFFORT")
    export CLAUDE_CODE_EFFORT_LEVEL="${CLAUDE_CODE_EFFORT_LEVEL:-$KELOS_EFFORT}"
  fi
  # Skills and sub-agents: Claude Code loads each plugin folder as it is.
  if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
    local dir
    for dir in "$KELOS_PLUGIN_DIR"/*/; do
      [ -d "$dir" ] && args+=(--plugin-dir "${dir%/}")
    done
  fi
}
