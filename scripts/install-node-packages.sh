#!/usr/bin/env bash
# Installs the Debian packages the real test node and the image builds need:
# containerd, runc and the CNI plugins (the node), iptables and iproute2 (its
# network), podman, buildah and mmdebstrap (the images), gcc and libc6-dev (the
# static pause binary). Idempotent: when everything is installed it only checks.
#
#   sudo scripts/install-node-packages.sh
set -euo pipefail

packages=(containerd runc containernetworking-plugins iptables iproute2 podman buildah mmdebstrap gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "[node-packages] all present: ${packages[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "[node-packages] missing ${missing[*]}, and this is not a Debian-based system: install them with its package manager" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "[node-packages] installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
