#!/usr/bin/env bash
# Installs agent CLIs from npm at the versions their image declarations pin
# (images/agents/<type>.sh), for the tests that run a real CLI, into a cache
# directory keyed by package and version:
#
#   ${KELOS_AGENT_CLI_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kelos-agent-clis}/
#     <package>@<version>/node_modules/.bin/<cli>
#
# Idempotent: a version already installed is kept; bumping a pin installs the
# new one beside it.
#
# usage: scripts/install-agent-cli.sh [type...]   (default: claude-code)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KELOS_AGENT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kelos-agent-clis}"
[ "$#" -gt 0 ] || set -- claude-code

for type in "$@"; do
  declaration="$root/images/agents/$type.sh"
  if [ ! -f "$declaration" ]; then
    echo "install-agent-cli: no image declaration $declaration" >&2
    exit 2
  fi
  (
    # shellcheck source=/dev/null
    . "$declaration"
    if [ -z "${AGENT_CLI_PACKAGE:-}" ]; then
      echo "install-agent-cli: $type's CLI is not on npm" >&2
      exit 2
    fi
    dir="$cache/$AGENT_CLI_PACKAGE@$AGENT_CLI_VERSION"
    if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/$AGENT_CLI" ]; then
      echo "install-agent-cli: $AGENT_CLI_PACKAGE@$AGENT_CLI_VERSION is in $dir"
      exit 0
    fi
    mkdir -p "$(dirname "$dir")"
    tmp="$(mktemp -d "$dir.tmp.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund "$AGENT_CLI_PACKAGE@$AGENT_CLI_VERSION" >&2
    # The CLI must start: an empty HOME keeps it from reading or writing the user's.
    HOME="$tmp" "$tmp/node_modules/.bin/$AGENT_CLI" --version
    touch "$tmp/.installed"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "install-agent-cli: installed $AGENT_CLI_PACKAGE@$AGENT_CLI_VERSION in $dir"
  )
done
