#!/bin/bash
# /kelos_entrypoint.sh <prompt>: the agent image interface (images/README.md),
# one script for every agent type. It runs as UID 61100 in /workspace/repo,
# the KELOS_* variables configure the agent, and the agent's JSON stream goes
# through `kelos capture`, which prints the outputs block after it.
#
# What differs per CLI is declared in images/agents/<type>.sh, installed as
# $KELOS_IMAGE_LIB/agent.sh (/usr/local/lib/kelos/agent.sh):
#   AGENT_TYPE        the agent type: KELOS_AGENT_TYPE, the stream format capture reads
#   AGENT_CLI         the command to run
#   AGENT_PROMPT      where the prompt goes: argument, stdin or --<option>= (kelos_run_agent)
#   AGENT_EFFORT      `supported` when agent_args passes KELOS_EFFORT; else it is ignored with a warning
#   AGENT_CONFIG_ENV  variables besides KELOS_* that call for `kelos agent-config`
#   agent_args        sets the array `args`: the CLI's flags, without the prompt
#   agent_env         (optional) exports what the CLI reads, before configuration and setup
# Needs bash >= 4.4, node and the `kelos` CLI on PATH.
set -uo pipefail

kelos_log() {
  printf 'kelos: %s\n' "$*" >&2
}

KELOS_IMAGE_LIB="${KELOS_IMAGE_LIB:-/usr/local/lib/kelos}"
# shellcheck source=/dev/null
if ! . "$KELOS_IMAGE_LIB/agent.sh"; then
  kelos_log "no agent declaration at $KELOS_IMAGE_LIB/agent.sh"
  exit 127
fi
if [ -z "${AGENT_TYPE:-}" ] || [ -z "${AGENT_CLI:-}" ] || [ -z "${AGENT_PROMPT:-}" ] || ! declare -F agent_args >/dev/null; then
  kelos_log "$KELOS_IMAGE_LIB/agent.sh must set AGENT_TYPE, AGENT_CLI and AGENT_PROMPT and define agent_args"
  exit 127
fi

# kelos_init "$@": checks the prompt and sets KELOS_PROMPT and KELOS_AGENT_TYPE.
kelos_init() {
  # A pod's `command` replaces the image ENTRYPOINT, so the script may be
  # PID 1: run it again under tini, which reaps orphans and forwards signals
  # to the whole process group.
  if [ "$$" = 1 ] && [ -z "${KELOS_UNDER_TINI:-}" ] && command -v tini >/dev/null 2>&1; then
    export KELOS_UNDER_TINI=1
    exec tini -g -- "$0" "$@"
  fi
  if [ "$#" -lt 1 ] || [ -z "$1" ]; then
    kelos_log "the prompt (the first argument) is required"
    exit 2
  fi
  KELOS_PROMPT="$1"
  export KELOS_AGENT_TYPE="$AGENT_TYPE"
}

# kelos_configure: KELOS_AGENTS_MD, KELOS_PLUGIN_DIR, KELOS_MCP_SERVERS (and
# the declaration's AGENT_CONFIG_ENV) into the CLI's own configuration files,
# where lib/agents/<type>.ts says the CLI reads them.
kelos_configure() {
  local needed="" var
  # shellcheck disable=SC2086 # AGENT_CONFIG_ENV is a list of names
  for var in KELOS_AGENTS_MD KELOS_PLUGIN_DIR KELOS_MCP_SERVERS ${AGENT_CONFIG_ENV:-}; do
    [ -n "${!var:-}" ] && needed=1
  done
  [ -n "$needed" ] || return 0
  kelos agent-config "$AGENT_TYPE"
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    kelos_log "configuring $AGENT_TYPE failed (exit $rc)"
    exit "$rc"
  fi
}

# kelos_run_setup: runs KELOS_SETUP_COMMAND (a JSON exec-form array, as
# Workspace.spec.setupCommand) in the working directory, without a shell.
# A non-zero exit ends the run with that code before the agent starts. Its
# output goes to stderr: stdout carries the agent's JSON stream.
kelos_run_setup() {
  [ -n "${KELOS_SETUP_COMMAND:-}" ] || return 0
  local -a cmd=()
  mapfile -d '' -t cmd < <(node -e '
    let cmd;
    try { cmd = JSON.parse(process.env.KELOS_SETUP_COMMAND); } catch (e) {
      console.error("kelos: KELOS_SETUP_COMMAND is not valid JSON: " + e.message); process.exit(2);
    }
    if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string" || a.includes("\0"))) {
      console.error("kelos: KELOS_SETUP_COMMAND must be a non-empty JSON array of strings"); process.exit(2);
    }
    process.stdout.write(cmd.map((a) => a + "\0").join(""));
  ')
  if [ "${#cmd[@]}" -eq 0 ]; then
    printf '\n---KELOS_SETUP_COMMAND_FAILED--- exit=2\n' >&2
    exit 2
  fi
  printf '\n---KELOS_SETUP_COMMAND_START---\n' >&2
  "${cmd[@]}" </dev/null >&2
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '\n---KELOS_SETUP_COMMAND_FAILED--- exit=%s\n' "$rc" >&2
    exit "$rc"
  fi
  printf '\n---KELOS_SETUP_COMMAND_DONE---\n' >&2
}

# kelos_check_effort: not every CLI has a documented reasoning-effort option.
kelos_check_effort() {
  if [ -n "${KELOS_EFFORT:-}" ] && [ "${AGENT_EFFORT:-}" != supported ]; then
    kelos_log "KELOS_EFFORT=$KELOS_EFFORT is ignored: $AGENT_TYPE has no documented reasoning-effort option"
  fi
}

# kelos_run_agent: runs the agent headless with its stdout piped through
# `kelos capture` (never exec: capture prints the outputs block after the
# agent exits). Exits with the agent's code if it failed, else with capture's
# (non-zero when the stream shows an incomplete run).
#
# Where the prompt goes. The prompt carries text from issues, pull requests
# and comments, so no CLI may read any of it as an option or a subcommand;
# each CLI gets it the way it documents for data (checked by running each npm
# CLI at its pinned version; Cursor's is not on npm):
#   argument   after `--`, which ends the options.
#              claude-code: `claude -p <prompt>` read an issue titled
#              `--settings={"hooks":…}` as that option and ran the hook;
#              after `--`, 2.1.328 takes `--settings=…`, `--help`, `--` and
#              `doctor` (a subcommand's name) as the prompt.
#              cursor: `agent [prompt]`, the same commander-style parsing.
#   stdin      written to the CLI's stdin.
#              codex: `codex exec … -` reads the prompt there; as an argument,
#              `help`, `resume` or `review` would be a subcommand, and after
#              `--` a prompt `-` would still mean "read stdin".
#              opencode: `opencode run` joins its words and quotes those
#              holding spaces, so no argument arrived verbatim; given no words
#              it takes stdin as the message.
#   --<opt>=   one argument `<opt>=<prompt>`.
#              gemini: `--prompt=<prompt>`; its parser takes everything after
#              the `=` as the value, whatever the value starts with.
kelos_run_agent() {
  local -a argv=("$AGENT_CLI" "${args[@]}")
  case "$AGENT_PROMPT" in
    argument)
      argv+=(-- "$KELOS_PROMPT")
      exec 3</dev/null
      ;;
    stdin)
      exec 3< <(printf '%s' "$KELOS_PROMPT")
      ;;
    --*=)
      argv+=("$AGENT_PROMPT$KELOS_PROMPT")
      exec 3</dev/null
      ;;
    *)
      kelos_log "AGENT_PROMPT must be argument, stdin or an option ending in '=', got '$AGENT_PROMPT'"
      exit 127
      ;;
  esac
  "${argv[@]}" <&3 3<&- | kelos capture 3<&-
  local codes=("${PIPESTATUS[@]}")
  exec 3<&-
  if [ "${codes[0]}" -ne 0 ]; then
    kelos_log "$AGENT_CLI exited with code ${codes[0]}"
    exit "${codes[0]}"
  fi
  exit "${codes[1]}"
}

kelos_init "$@"
if declare -F agent_env >/dev/null; then agent_env; fi
kelos_configure
kelos_run_setup
kelos_check_effort
args=()
agent_args
kelos_run_agent
