# shellcheck shell=bash
# Cursor CLI image declaration: the CLI and its pinned version for
# images/lib/install-cli.sh, its command line for the entrypoint core
# (images/lib/kelos_entrypoint.sh). The rest is in lib/agents/cursor.ts.
AGENT_TYPE=cursor
AGENT_CLI=agent
# The version string follows Cursor's download URLs; check the current release before bumping it.
AGENT_CLI_VERSION=2026.04.17-479fd04
AGENT_PROMPT=argument
AGENT_EFFORT=ignored

# agent_install <version>: Cursor CLI is not on npm. Its documented installer
# downloads this same per-version package; the pinned version keeps the build
# reproducible. AGENT_CLI_PACKAGE_URL (a build arg) fetches the package from
# elsewhere instead: a mirror, or a local server where the site is out of reach.
agent_install() {
  local arch
  arch="$(dpkg --print-architecture)"
  case "$arch" in
    amd64) arch=x64 ;;
    arm64) arch=arm64 ;;
    *) echo "unsupported architecture $arch" >&2; return 1 ;;
  esac
  mkdir -p /opt/cursor-agent
  curl -fsSL "${AGENT_CLI_PACKAGE_URL:-https://downloads.cursor.com/lab/$1/linux/${arch}/agent-cli-package.tar.gz}" |
    tar --strip-components=1 -xz -C /opt/cursor-agent
  ln -s /opt/cursor-agent/cursor-agent /usr/local/bin/agent
  ln -s /opt/cursor-agent/cursor-agent /usr/local/bin/cursor-agent
}

# agent_args: the flags of `agent` into `args`; the core adds `-- <prompt>`.
agent_args() {
  # --force runs commands without asking; --trust skips the workspace-trust
  # prompt of headless runs; --sandbox disabled: the pod is the sandbox.
  args=(-p --force --trust --sandbox disabled --output-format stream-json)
  if [ -n "${KELOS_MCP_SERVERS:-}" ]; then
    args+=(--approve-mcps)
  fi
  if [ -n "${KELOS_MODEL:-}" ]; then
    args+=(--model "$KELOS_MODEL")
  fi
}
