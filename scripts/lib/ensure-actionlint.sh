#!/usr/bin/env bash
# Builds actionlint (GitHub Actions workflow linter) from the Go module proxy and links it to
# <repo>/.cache/bin/actionlint, where tests/ops looks for it. Idempotent: the binary is cached
# under ${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/actionlint/<version>/.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/actionlint/$ACTIONLINT_VERSION"
link="$repo/.cache/bin/actionlint"

log() { echo "ensure-actionlint: $*" >&2; }

if [ ! -x "$cache_dir/actionlint" ]; then
  export PATH="/usr/local/go/bin:$PATH"
  if ! command -v go >/dev/null 2>&1; then
    log "Go is needed to build actionlint (go install); scripts/lib/ensure-otelcol.sh installs one"
    exit 1
  fi
  log "building actionlint $ACTIONLINT_VERSION"
  mkdir -p "$cache_dir"
  GOBIN="$cache_dir" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
mkdir -p "$(dirname "$link")"
ln -sf "$cache_dir/actionlint" "$link"
