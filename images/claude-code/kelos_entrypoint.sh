#!/bin/bash
# /kelos_entrypoint.sh <prompt> for Claude Code: the agent image interface of
# DESIGN.md §4. Credentials: ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, read
# by `claude` itself. Configuration written before the run (kelos agent-config):
#   KELOS_AGENTS_MD    -> ~/.claude/CLAUDE.md (user memory; $CLAUDE_CONFIG_DIR if set)
#   KELOS_MCP_SERVERS  -> mcpServers in ~/.claude.json (user scope)
#   KELOS_PLUGIN_DIR   -> one --plugin-dir per plugin (skills/ and agents/ are
#                         Claude Code's own plugin layout)
set -uo pipefail

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
[ -f "$KELOS_IMAGE_LIB/common.sh" ] || KELOS_IMAGE_LIB="$(dirname "${BASH_SOURCE[0]}")/../lib"
# shellcheck source=../lib/common.sh
. "$KELOS_IMAGE_LIB/common.sh" || exit 127

kelos_init claude-code "$@"
kelos_configure
kelos_run_setup

# The prompt goes right after -p: --plugin-dir may take several values.
args=(-p "$KELOS_PROMPT" --output-format stream-json --verbose --dangerously-skip-permissions)
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
if [ -n "${KELOS_PLUGIN_DIR:-}" ] && [ -d "$KELOS_PLUGIN_DIR" ]; then
  for dir in "$KELOS_PLUGIN_DIR"/*/; do
    [ -d "$dir" ] && args+=(--plugin-dir "${dir%/}")
  done
fi

kelos_run_agent claude "${args[@]}"
