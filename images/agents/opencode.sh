# shellcheck shell=bash
# OpenCode image declaration: the CLI and its pinned version for
# images/lib/install-cli.sh, its command line for the entrypoint core
# (images/lib/kelos_entrypoint.sh). The rest is in lib/agents/opencode.ts.
AGENT_TYPE=opencode
AGENT_CLI=opencode
AGENT_CLI_PACKAGE=opencode-ai
AGENT_CLI_VERSION=1.18.33
AGENT_PROMPT=stdin
AGENT_EFFORT=supported

# agent_env: OpenCode reads each provider's own key variable; OPENCODE_API_KEY
# itself is the key of OpenCode Zen (provider "opencode"). The key goes to the
# provider of KELOS_MODEL (provider/model); a variable already set wins.
agent_env() {
  [ -n "${OPENCODE_API_KEY:-}" ] || return 0
  local model="${KELOS_MODEL:-anthropic/}"
  local provider="${model%%/*}" key_var
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
}

# agent_args: the flags of `opencode run` into `args`; the prompt comes on stdin.
agent_args() {
  args=(run --format json)
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
  if [ -n "${KELOS_EFFORT:-}" ]; then
    # --variant selects the model's reasoning-effort variant (e.g. high, max);
    # the names available depend on the model.
    args+=(--variant "$KELOS_EFFORT")
  fi
}
