#!/usr/bin/env bash
# Builds the gateway's OpenTelemetry Collector distribution (gateway/builder-config.yaml) with the
# collector builder, plus the image's tiny healthcheck binary (gateway/healthcheck), and links them
# to <repo>/.cache/bin/otelcol-obs and .cache/bin/otelcol-healthcheck, where the end-to-end test
# and the benchmark look for them. Idempotent: the binaries are cached under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/otelcol/<sha256 of the manifest + sources>/
# so a repeat run only re-links; editing the manifest builds a new one.
# Needs Go >= 1.25 (the builder's minimum) and the Go module proxy.
set -euo pipefail

BUILDER_VERSION=v0.159.0
MIN_GO_MINOR=25

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
manifest="$repo/gateway/builder-config.yaml"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/otelcol"
healthcheck_src="$repo/gateway/healthcheck"
link="$repo/.cache/bin/otelcol-obs"
healthcheck_link="$repo/.cache/bin/otelcol-healthcheck"

log() { echo "ensure-otelcol: $*" >&2; }

go_minor() { # prints the minor version of the `go` on PATH, e.g. 26 for go1.26.8
  go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p'
}

ensure_go() {
  export PATH="/usr/local/go/bin:$PATH"
  local minor
  minor="$(go_minor || true)"
  if [ -n "$minor" ] && [ "$minor" -ge "$MIN_GO_MINOR" ]; then return 0; fi
  # Debian's golang package is only useful when it is new enough; never install an old one.
  if command -v apt-cache >/dev/null 2>&1; then
    local candidate
    candidate="$(apt-cache policy golang-go 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*:\)\{0,1\}1\.\([0-9]*\).*/\2/p')"
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
      apt-get update -qq >/dev/null 2>&1 || true
      candidate="$(apt-cache policy golang-go 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*:\)\{0,1\}1\.\([0-9]*\).*/\2/p')"
    fi
    if [ -n "$candidate" ] && [ "$candidate" -ge "$MIN_GO_MINOR" ]; then
      log "installing golang-go 1.$candidate from apt"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
      minor="$(go_minor || true)"
      if [ -n "$minor" ] && [ "$minor" -ge "$MIN_GO_MINOR" ]; then return 0; fi
    fi
  fi
  log "Go >= 1.$MIN_GO_MINOR is required to build the collector (found: ${minor:+1.$minor}${minor:-none});"
  log "install it under /usr/local/go (https://go.dev/doc/install) and run this script again."
  return 1
}

[ -f "$manifest" ] || { log "missing $manifest"; exit 1; }
hash="$(cat "$manifest" "$healthcheck_src/go.mod" "$healthcheck_src/main.go" | sha256sum | cut -c1-64)"
out_dir="$cache_root/$hash"
binary="$out_dir/otelcol-obs"
healthcheck="$out_dir/healthcheck"

mkdir -p "$cache_root" "$(dirname "$link")"
# One build at a time (bootstrap, make e2e and a developer may all call this).
exec 9>"$cache_root/.lock"
flock 9

if [ ! -x "$binary" ] || [ ! -x "$healthcheck" ]; then
  ensure_go
  builder_dir="$cache_root/builder-$BUILDER_VERSION"
  if [ ! -x "$builder_dir/builder" ]; then
    log "installing the collector builder $BUILDER_VERSION"
    GOBIN="$builder_dir" GOFLAGS=-buildvcs=false go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
  fi
  work="$(mktemp -d "$cache_root/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # The manifest's output_path is for the Dockerfile; here the sources go to a scratch folder.
  sed "s#^\(  output_path:\).*#\1 $work/src#" "$manifest" >"$work/manifest.yaml"
  log "building otelcol-obs from gateway/builder-config.yaml (several minutes on 2 cores)"
  started=$(date +%s)
  # -p 2: the machines have two cores; more parallel compiles only add memory pressure.
  GOFLAGS="-p=2 -buildvcs=false" CGO_ENABLED=0 \
    "$builder_dir/builder" --config="$work/manifest.yaml" --ldflags="-s -w" >"$work/build.log" 2>&1 || {
      tail -n 40 "$work/build.log" >&2
      log "build failed"
      exit 1
    }
  (cd "$healthcheck_src" && GOFLAGS="-p=2 -buildvcs=false" CGO_ENABLED=0 go build -ldflags="-s -w" -o "$work/healthcheck" .)
  mkdir -p "$out_dir"
  # Binaries appear only when complete: an interrupted build leaves no half-written cache entry.
  mv "$work/healthcheck" "$healthcheck"
  mv "$work/src/otelcol-obs" "$binary.tmp" && mv "$binary.tmp" "$binary"
  log "built $binary in $(( $(date +%s) - started ))s"
fi

ln -sfn "$binary" "$link"
ln -sfn "$healthcheck" "$healthcheck_link"
"$link" --version >/dev/null
