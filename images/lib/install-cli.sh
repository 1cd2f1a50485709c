#!/bin/bash
# install-cli.sh <declaration>: installs the agent CLI an image declaration
# (images/agents/<type>.sh) names, at its pinned version; run by images/Dockerfile.
# AGENT_CLI_VERSION and AGENT_CLI_PACKAGE in the environment (build args)
# override the declaration's. Without a package, the declaration's
# `agent_install <version>` installs the CLI (Cursor's download package).
set -euo pipefail

version_override="${AGENT_CLI_VERSION:-}"
package_override="${AGENT_CLI_PACKAGE:-}"
# shellcheck source=/dev/null
. "$1"
version="${version_override:-$AGENT_CLI_VERSION}"
package="${package_override:-${AGENT_CLI_PACKAGE:-}}"

if [ -n "$package" ]; then
  npm install -g "${package}@${version}"
  npm cache clean --force
elif declare -F agent_install >/dev/null; then
  agent_install "$version"
else
  echo "install-cli: $1 sets no AGENT_CLI_PACKAGE and defines no agent_install" >&2
  exit 1
fi
if ! command -v "$AGENT_CLI" >/dev/null; then
  echo "install-cli: $AGENT_CLI is not on PATH after installing $AGENT_TYPE's CLI" >&2
  exit 1
fi
echo "install-cli: installed $AGENT_CLI for $AGENT_TYPE at ${version}"
