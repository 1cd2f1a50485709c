#!/bin/bash
# /kelos_entrypoint.sh <prompt> for Cursor CLI (`agent`): the agent image
# interface of DESIGN.md §4. Credentials: CURSOR_API_KEY, read by `agent`
# itself. Configuration written before the run (kelos agent-config):
#   KELOS_AGENTS_MD    -> .cursor/rules/kelos-agents-md.mdc in the repository,
#                         an always-applied rule listed in .git/info/exclude
#                         (Cursor keeps user rules in its settings, not in a file)
#   KELOS_PLUGIN_DIR   -> skills in ~/.cursor/skills/<skill>/, subagents in
#                         ~/.cursor/agents/<name>.md
#   KELOS_MCP_SERVERS  -> mcpServers in ~/.cursor/mcp.json
set -uo pipefail

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
[ -f "$KELOS_IMAGE_LIB/common.sh" ] || KELOS_IMAGE_LIB="$(dirname "${BASH_SOURCE[0]}")/../lib"
# shellcheck source=../lib/common.sh
. "$KELOS_IMAGE_LIB/common.sh" || exit 127

kelos_init cursor "$@"
kelos_configure
kelos_run_setup
kelos_unsupported_effort cursor

# --force runs commands without asking; --trust skips the workspace-trust
# prompt of headless runs; --sandbox disabled: the pod is the sandbox.
args=(-p --force --trust --sandbox disabled --output-format stream-json)
if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
  args+=(--approve-mcps)
fi
if [ -n "${KELOS_MODEL:-}" ]; then
  args+=(--model "$KELOS_MODEL")
fi
args+=("$KELOS_PROMPT")

kelos_run_agent agent "${args[@]}"
