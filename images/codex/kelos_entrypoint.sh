#!/bin/bash
# /kelos_entrypoint.sh <prompt> for OpenAI Codex CLI: the agent image interface
# of DESIGN.md §4. Credentials: CODEX_API_KEY (read by `codex exec`) or
# CODEX_AUTH_JSON (written to $CODEX_HOME/auth.json). Configuration written
# before the run (kelos agent-config):
#   KELOS_AGENTS_MD    -> ~/.codex/AGENTS.md (global instructions; $CODEX_HOME if set)
#   KELOS_PLUGIN_DIR   -> skills in ~/.agents/skills/<skill>/, sub-agents as
#                         custom agents ~/.codex/agents/<name>.toml
#   KELOS_MCP_SERVERS  -> [mcp_servers."<name>"] tables in ~/.codex/config.toml
set -uo pipefail

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
[ -f "$KELOS_IMAGE_LIB/common.sh" ] || KELOS_IMAGE_LIB="$(dirname "${BASH_SOURCE[0]}")/../lib"
# shellcheck source=../lib/common.sh
. "$KELOS_IMAGE_LIB/common.sh" || exit 127

kelos_init codex "$@"
kelos_configure
kelos_run_setup

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
args+=("$KELOS_PROMPT")

kelos_run_agent codex "${args[@]}"
