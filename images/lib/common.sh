# shellcheck shell=bash
# Shared by every kelos agent image entrypoint (images/<type>/kelos_entrypoint.sh);
# sourced, never run. It implements the agent image interface of DESIGN.md §4:
# the prompt is $1, the pod runs as UID 61100 in /workspace/repo, and the
# KELOS_* variables configure the agent. Each entrypoint only adds the flags of
# its own CLI. Needs bash >= 4.4, node and the `kelos` CLI on PATH.

kelos_log() {
  printf 'kelos: %s\n' "$*" >&2
}

# kelos_init <agent-type> "$@": checks the prompt and sets KELOS_PROMPT and
# KELOS_AGENT_TYPE (the stream format `kelos capture` reads is this image's).
kelos_init() {
  local type="$1"
  shift
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
  # shellcheck disable=SC2034 # read by the entrypoint that sources this file
  KELOS_PROMPT="$1"
  export KELOS_AGENT_TYPE="$type"
}

# kelos_configure: KELOS_AGENTS_MD, KELOS_PLUGIN_DIR and KELOS_MCP_SERVERS (and
# CODEX_AUTH_JSON) into the CLI's own configuration files; see
# lib/capture/agent-config.ts for where each agent reads them.
kelos_configure() {
  if [ -n "${KELOS_AGENTS_MD:-}" ] || [ -n "${KELOS_PLUGIN_DIR:-}" ] ||
    [ -n "${KELOS_MCP_SERVERS:-}" ] || [ -n "${CODEX_AUTH_JSON:-}" ]; then
    kelos agent-config "$KELOS_AGENT_TYPE"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
      kelos_log "configuring $KELOS_AGENT_TYPE failed (exit $rc)"
      exit "$rc"
    fi
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

# kelos_unsupported_effort <cli>: KELOS_EFFORT has no documented flag in this CLI.
kelos_unsupported_effort() {
  if [ -n "${KELOS_EFFORT:-}" ]; then
    kelos_log "KELOS_EFFORT=$KELOS_EFFORT is ignored: $1 has no documented reasoning-effort option"
  fi
}

# kelos_run_agent <cli> <args...>: runs the agent headless with its stdout
# piped through `kelos capture` (never exec: capture prints the outputs block
# after the agent exits). Exits with the agent's code if it failed, else with
# capture's (non-zero when the stream shows an incomplete run).
kelos_run_agent() {
  "$@" </dev/null | kelos capture
  local codes=("${PIPESTATUS[@]}")
  if [ "${codes[0]}" -ne 0 ]; then
    kelos_log "$1 exited with code ${codes[0]}"
    exit "${codes[0]}"
  fi
  exit "${codes[1]}"
}
