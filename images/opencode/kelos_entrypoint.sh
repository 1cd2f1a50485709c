#!/bin/bash
# /kelos_entrypoint.sh <prompt> for OpenCode: the agent image interface of
# DESIGN.md §4. Credentials: OPENCODE_API_KEY, handed to the provider named by
# KELOS_MODEL (provider/model). Configuration written before the run (kelos
# agent-config), under ~/.config/opencode ($XDG_CONFIG_HOME/opencode if set):
#   KELOS_AGENTS_MD    -> AGENTS.md (global rules)
#   KELOS_PLUGIN_DIR   -> skills/<skill>/SKILL.md and agents/<name>.md (subagents)
#   KELOS_MCP_SERVERS  -> the "mcp" section of opencode.json
set -uo pipefail

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
[ -f "$KELOS_IMAGE_LIB/common.sh" ] || KELOS_IMAGE_LIB="$(dirname "${BASH_SOURCE[0]}")/../lib"
# shellcheck source=../lib/common.sh
. "$KELOS_IMAGE_LIB/common.sh" || exit 127

kelos_init opencode "$@"

# OpenCode reads each provider's own key variable; OPENCODE_API_KEY itself is
# the key of OpenCode Zen (provider "opencode"). A variable already set wins.
if [ -n "${OPENCODE_API_KEY:-}" ]; then
  model="${KELOS_MODEL:-anthropic/}"
  provider="${model%%/*}"
  case "$provider" in
    anthropic) key_var=ANTHROPIC_API_KEY ;;
    openai) key_var=OPENAI_API_KEY ;;
    google) key_var=GOOGLE_GENERATIVE_AI_API_KEY ;;
    groq) key_var=GROQ_API_KEY ;;
    xai) key_var=XAI_API_KEY ;;
    openrouter) key_var=OPENROUTER_API_KEY ;;
    deepseek) key_var=DEEPSEEK_API_KEY ;;
    mistral) key_var=MISTRAL_API_KEY ;;
    zai | zhipuai) key_var=ZHIPU_API_KEY ;;
    opencode) key_var="" ;;
    *)
      key_var=""
      kelos_log "no key variable known for provider '$provider'; OPENCODE_API_KEY is passed as is"
      ;;
  esac
  if [ -n "$key_var" ] && [ -z "${!key_var:-}" ]; then
    export "$key_var=$OPENCODE_API_KEY"
  fi
fi

kelos_configure
kelos_run_setup

args=(run --format json)
if [ -n "${KELOS_MODEL:-}" ]; then
  args+=(--model "$KELOS_MODEL")
fi
if [ -n "${KELOS_EFFORT:-}" ]; then
  # --variant selects the model's reasoning-effort variant (e.g. high, max);
  # the names available depend on the model.
  args+=(--variant "$KELOS_EFFORT")
fi
args+=("$KELOS_PROMPT")

kelos_run_agent opencode "${args[@]}"
