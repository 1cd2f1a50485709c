#!/bin/bash
# /kelos_entrypoint.sh <prompt> for Google Gemini CLI: the agent image interface
# of DESIGN.md §4. Credentials: GEMINI_API_KEY, read by `gemini` itself.
# Configuration written before the run (kelos agent-config):
#   KELOS_AGENTS_MD    -> ~/.gemini/GEMINI.md (global context file)
#   KELOS_PLUGIN_DIR   -> skills in ~/.gemini/skills/<skill>/, sub-agents in
#                         ~/.gemini/agents/<name>.md
#   KELOS_MCP_SERVERS  -> mcpServers in ~/.gemini/settings.json
set -uo pipefail

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
[ -f "$KELOS_IMAGE_LIB/common.sh" ] || KELOS_IMAGE_LIB="$(dirname "${BASH_SOURCE[0]}")/../lib"
# shellcheck source=../lib/common.sh
. "$KELOS_IMAGE_LIB/common.sh" || exit 127

kelos_init gemini "$@"
kelos_configure
kelos_run_setup
kelos_unsupported_effort gemini

# --prompt=<text> (the -p flag) so that a prompt starting with "-" stays a value.
# --yolo approves every tool call; newer releases document it as a deprecated
# alias of --approval-mode=yolo, which the pinned version accepts as well.
args=("--prompt=$KELOS_PROMPT" --output-format stream-json --yolo)
if [ -n "${KELOS_MODEL:-}" ]; then
  args+=(--model "$KELOS_MODEL")
fi

kelos_run_agent gemini "${args[@]}"
