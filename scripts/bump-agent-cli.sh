#!/usr/bin/env bash
# Bumps the agent CLI pins of images/agents/<type>.sh (AGENT_CLI_VERSION) to
# the latest version on npm, or to --version for a single type; then installs
# the new versions for the real-CLI tests (scripts/install-agent-cli.sh), runs
# those tests (test/images/<type>-cli.test.ts) and rebuilds the images of the
# bumped types (npm run images), stopping at the first failure.
#
# usage: scripts/bump-agent-cli.sh [--version <v>] [--no-images] <type>...
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=""
images=1
types=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --version)
      [ "$#" -ge 2 ] || { echo "bump-agent-cli: --version needs a value" >&2; exit 2; }
      version="$2"
      shift 2
      ;;
    --no-images) images=0; shift ;;
    -*) echo "bump-agent-cli: unknown option $1" >&2; exit 2 ;;
    *) types+=("$1"); shift ;;
  esac
done
if [ "${#types[@]}" -eq 0 ]; then
  echo "usage: scripts/bump-agent-cli.sh [--version <v>] [--no-images] <type>..." >&2
  exit 2
fi
if [ -n "$version" ] && [ "${#types[@]}" -ne 1 ]; then
  echo "bump-agent-cli: --version applies to one type, got ${#types[@]}" >&2
  exit 2
fi

# The value lands in a shell file that the image build sources: only a version.
semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
tests=()
for type in "${types[@]}"; do
  declaration="$root/images/agents/$type.sh"
  case "$type" in
    */* | .*) echo "bump-agent-cli: '$type' is not an agent type" >&2; exit 2 ;;
  esac
  if [ ! -f "$declaration" ]; then
    echo "bump-agent-cli: no image declaration $declaration" >&2
    exit 2
  fi
  package="$(sed -n 's/^AGENT_CLI_PACKAGE=//p' "$declaration")"
  current="$(sed -n 's/^AGENT_CLI_VERSION=//p' "$declaration")"
  if [ -z "$package" ]; then
    echo "bump-agent-cli: $type's CLI is not on npm" >&2
    exit 2
  fi
  target="${version:-$(npm view "$package" version)}"
  if ! [[ "$target" =~ $semver ]]; then
    echo "bump-agent-cli: '$target' is not a version (for $package)" >&2
    exit 2
  fi
  if [ "$target" = "$current" ]; then
    echo "bump-agent-cli: $package is at $current already"
  else
    sed -i "s/^AGENT_CLI_VERSION=.*/AGENT_CLI_VERSION=$target/" "$declaration"
    echo "bump-agent-cli: $package $current -> $target"
  fi
  tests+=("test/images/$type-cli.test.ts")
done

cd "$root"
bash scripts/install-agent-cli.sh "${types[@]}"
npx vitest run "${tests[@]}"
if [ "$images" = 1 ]; then
  npm run images -- "${types[@]}"
fi
