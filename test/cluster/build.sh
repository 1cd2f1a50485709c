#!/usr/bin/env bash
# Builds the binaries of the test control plane from the Go module proxy, at the
# versions pinned in versions.env, into a cache directory keyed by version:
#
#   ${KELOS_TEST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kelos-test-cluster}/
#     kube-<v>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet}
#     etcd-<v>/etcd
#     kwok-<v>/{kwok,crds/*.yaml}
#
# Idempotent: a component is rebuilt only when its binaries are missing or its
# stamp (hash of the wrapper go.mod/go.sum and build flags) changed, i.e. when a
# pinned version changed. When $KUBEBUILDER_ASSETS (setup-envtest) has etcd,
# etcd is not built; the launcher prefers etcd and kube-apiserver from there.
#
# usage: test/cluster/build.sh [--check]   (--check: only report, exit 1 if something is missing)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache="${KELOS_TEST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kelos-test-cluster}"
check_only=false
[[ "${1:-}" == "--check" ]] && check_only=true

# Go settings: never switch toolchains behind our back, static binaries,
# reproducible paths, stripped symbols (about a third smaller).
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
BUILD_FLAGS=(-ldflags)

log() { printf '[kelos-test-cluster] %s\n' "$*"; }
seconds() { date +%s; }

stamp_of() { # stamp_of <module dir> <extra...>: hash of the inputs of a build
  local dir="$1"; shift
  { cat "$dir/go.mod" "$dir/go.sum"; printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}

have_all() { # have_all <dir> <stamp> <bin...>
  local dir="$1" stamp="$2"; shift 2
  [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]] || return 1
  local b
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
}

from_assets() { # from_assets <bin>: true if $KUBEBUILDER_ASSETS provides it
  [[ -n "${KUBEBUILDER_ASSETS:-}" && -x "${KUBEBUILDER_ASSETS}/$1" ]]
}

module_info() { # module_info <module@version> <field>: a field of `go mod download -json`
  (cd "$here/kube" && go mod download -json "$1") | sed -n "s/^[[:space:]]*\"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -1
}

total_start=$(seconds)
missing=()
built=()

# ---------------------------------------------------------------- kube-*
kube_dir="$cache/kube-$KUBE_VERSION"
# All four are always built (they share most compiled packages); the launcher
# still prefers $KUBEBUILDER_ASSETS/kube-apiserver when it exists. kubelet runs
# the real node (test/cluster/node/), which needs no cgo.
kube_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
if ! grep -q "^[[:space:]]*k8s.io/kubernetes $KUBE_VERSION\b" "$here/kube/go.mod"; then
  if $check_only; then
    missing+=("kube wrapper go.mod is not at $KUBE_VERSION (run build.sh)")
  else
    log "kube: pinned version changed to $KUBE_VERSION, regenerating kube/go.mod"
    "$here/kube/gen-gomod.sh" "$KUBE_VERSION"
  fi
fi
if [[ "$KUBE_VERSION" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
  kube_major="${BASH_REMATCH[1]}" kube_minor="${BASH_REMATCH[2]}"
else
  log "KUBE_VERSION=$KUBE_VERSION is not vX.Y.Z"; exit 2
fi
kube_stamp="$(stamp_of "$here/kube" "$KUBE_VERSION" v1)"
if have_all "$kube_dir" "$kube_stamp" "${kube_bins[@]}"; then
  log "kube $KUBE_VERSION: up to date in $kube_dir"
elif $check_only; then
  missing+=("kube $KUBE_VERSION (${kube_bins[*]})")
else
  start=$(seconds)
  log "kube $KUBE_VERSION: building ${kube_bins[*]} (cold: about 10 minutes on 2 cores)"
  commit="$(module_info "k8s.io/kubernetes@$KUBE_VERSION" Hash)"
  date="$(module_info "k8s.io/kubernetes@$KUBE_VERSION" Time)"
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$kube_major -X $pkg.gitMinor=$kube_minor"
    ld+=" -X $pkg.gitCommit=${commit:-unknown} -X $pkg.gitTreeState=clean -X $pkg.buildDate=${date:-1970-01-01T00:00:00Z}"
  done
  rm -rf "$kube_dir.tmp" && mkdir -p "$kube_dir.tmp"
  pkgs=()
  for b in "${kube_bins[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  (cd "$here/kube" && go build "${BUILD_FLAGS[@]}" "$ld" -o "$kube_dir.tmp/" "${pkgs[@]}")
  echo "$kube_stamp" >"$kube_dir.tmp/.stamp"
  rm -rf "$kube_dir" && mv "$kube_dir.tmp" "$kube_dir"
  built+=("kube $KUBE_VERSION in $(($(seconds) - start))s")
  log "kube $KUBE_VERSION: built in $(($(seconds) - start))s"
fi

# ---------------------------------------------------------------- etcd
etcd_dir="$cache/etcd-$ETCD_VERSION"
if from_assets etcd; then
  log "etcd: using \$KUBEBUILDER_ASSETS/etcd"
else
  if ! grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION\b" "$here/etcd/go.mod" && ! $check_only; then
    log "etcd: pinned version changed to $ETCD_VERSION, updating etcd/go.mod"
    (cd "$here/etcd" && go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" && GOFLAGS=-mod=mod go mod tidy)
  fi
  etcd_stamp="$(stamp_of "$here/etcd" "$ETCD_VERSION" v1)"
  if have_all "$etcd_dir" "$etcd_stamp" etcd; then
    log "etcd $ETCD_VERSION: up to date in $etcd_dir"
  elif $check_only; then
    missing+=("etcd $ETCD_VERSION")
  else
    start=$(seconds)
    log "etcd $ETCD_VERSION: building"
    rm -rf "$etcd_dir.tmp" && mkdir -p "$etcd_dir.tmp"
    (cd "$here/etcd" && go build "${BUILD_FLAGS[@]}" "-s -w" -o "$etcd_dir.tmp/etcd" go.etcd.io/etcd/server/v3)
    echo "$etcd_stamp" >"$etcd_dir.tmp/.stamp"
    rm -rf "$etcd_dir" && mv "$etcd_dir.tmp" "$etcd_dir"
    built+=("etcd $ETCD_VERSION in $(($(seconds) - start))s")
    log "etcd $ETCD_VERSION: built in $(($(seconds) - start))s"
  fi
fi

# ---------------------------------------------------------------- kwok
kwok_dir="$cache/kwok-$KWOK_VERSION"
if ! grep -q "sigs.k8s.io/kwok $KWOK_VERSION\b" "$here/kwok/go.mod" && ! $check_only; then
  log "kwok: pinned version changed to $KWOK_VERSION, updating kwok/go.mod"
  (cd "$here/kwok" && go mod edit -require="sigs.k8s.io/kwok@$KWOK_VERSION" && GOFLAGS=-mod=mod go mod tidy)
fi
kwok_stamp="$(stamp_of "$here/kwok" "$KWOK_VERSION" v1)"
if have_all "$kwok_dir" "$kwok_stamp" kwok; then
  log "kwok $KWOK_VERSION: up to date in $kwok_dir"
elif $check_only; then
  missing+=("kwok $KWOK_VERSION")
else
  start=$(seconds)
  log "kwok $KWOK_VERSION: building"
  rm -rf "$kwok_dir.tmp" && mkdir -p "$kwok_dir.tmp/crds"
  (cd "$here/kwok" && go build "${BUILD_FLAGS[@]}" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    -o "$kwok_dir.tmp/kwok" sigs.k8s.io/kwok/cmd/kwok)
  # The CRDs of kwok's dynamic configuration (Logs, ClusterLogs), from the same module version.
  kwok_src="$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  cp "$kwok_src"/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml "$kwok_src"/kustomize/crd/bases/kwok.x-k8s.io_clusterlogs.yaml "$kwok_dir.tmp/crds/"
  chmod -R u+w "$kwok_dir.tmp/crds"
  echo "$kwok_stamp" >"$kwok_dir.tmp/.stamp"
  rm -rf "$kwok_dir" && mv "$kwok_dir.tmp" "$kwok_dir"
  built+=("kwok $KWOK_VERSION in $(($(seconds) - start))s")
  log "kwok $KWOK_VERSION: built in $(($(seconds) - start))s"
fi

if $check_only; then
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "missing: ${missing[*]} -- run test/cluster/build.sh"
    exit 1
  fi
  log "all binaries present"
  exit 0
fi
if [[ ${#built[@]} -eq 0 ]]; then
  log "nothing to build ($(($(seconds) - total_start))s)"
else
  log "built: ${built[*]}; total $(($(seconds) - total_start))s; cache $(du -sh "$cache" | cut -f1) in $cache"
fi
