#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, etcd) from this Go module
# into ~/.cache/aether/kube/<hash>/bin, where <hash> covers go.mod, go.sum and cmd/**. A cached build
# is reused as is. The last line on stdout is the bin directory; progress goes to stderr.
#
#   bash e2e/kube/build.sh            build if needed, print the bin directory
#   bash e2e/kube/build.sh --dir      print the bin directory it would use, build nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${AETHER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aether}/kube"

cd "$here"
# File names are part of the hash so that renaming a command rebuilds too.
hash="$(
  {
    sha256sum go.mod go.sum
    find cmd -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)"
out="$cache_root/$hash"
bin="$out/bin"

if [[ "${1:-}" == "--dir" ]]; then
  echo "$bin"
  exit 0
fi

if [[ -x "$bin/kube-apiserver" && -x "$bin/kube-controller-manager" && -x "$bin/etcd" ]]; then
  echo "kube binaries: cached in $bin" >&2
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    if [[ -x "$g" ]]; then PATH="$(dirname "$g"):$PATH"; break; fi
  done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "kube build FAILED: the Go toolchain (1.24 or newer) is not installed or not on PATH." >&2
  echo "  install Go from https://go.dev/dl/ into /usr/local/go, then retry: bash e2e/kube/build.sh" >&2
  exit 1
fi

mkdir -p "$cache_root"
# Build into a private temp dir next to the final one, then rename it into place in one step, so a
# half-written build is never seen and two concurrent builds cannot clash.
tmp="$(mktemp -d "$cache_root/.build-$hash-XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
log="$tmp/build.log"

echo "kube binaries: building into $bin ($(go version | cut -d' ' -f3)); a cold build takes several minutes" >&2
start=$(date +%s)
export GOFLAGS="${GOFLAGS:--buildvcs=false}" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
if ! go build -trimpath -ldflags='-s -w' -o "$tmp/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  ./cmd/etcd >"$log" 2>&1; then
  keep="$cache_root/failed-build-$hash.log"
  cp "$log" "$keep"
  echo "kube build FAILED (go build of kube-apiserver, kube-controller-manager, ./cmd/etcd in $here)." >&2
  echo "---- last lines of the go build output (full log: $keep) ----" >&2
  tail -n 30 "$log" >&2
  echo "----" >&2
  echo "  retry: bash e2e/kube/build.sh   (module download errors: check network/GOPROXY; then retry)" >&2
  exit 1
fi
echo "took $(($(date +%s) - start)) s" >"$tmp/build-time.txt"
rm -f "$log"

if mv -T "$tmp" "$out" 2>/dev/null; then
  trap - EXIT
else
  # Another build finished first: theirs is as good as ours.
  [[ -x "$bin/kube-apiserver" ]] || { echo "kube build FAILED: could not move the build to $out" >&2; exit 1; }
fi
echo "kube binaries: built in $(($(date +%s) - start)) s into $bin" >&2
echo "$bin"
