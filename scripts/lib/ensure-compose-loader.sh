#!/usr/bin/env bash
# Builds tests/stack/compose-loader (compose-go v2, Docker Compose v2's own loader) into
# <repo>/.cache/bin/compose-config for the compose tests, and installs Debian's docker-compose
# 1.29 for its `config -q` check. No Docker engine is needed for either. Idempotent: rebuilds
# only when the loader's sources change. Needs Go >= 1.25 (/usr/local/go or PATH) and the Go
# module proxy.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$repo/tests/stack/compose-loader"
bin="$repo/.cache/bin/compose-config"
stamp="$repo/.cache/bin/.compose-config.sha256"

log() { echo "ensure-compose-loader: $*" >&2; }

if ! command -v docker-compose >/dev/null 2>&1; then
  if ! apt-cache policy docker-compose 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq >/dev/null
  fi
  log "installing docker-compose (v1) from apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
fi

export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null 2>&1 || { log "Go is required (install it under /usr/local/go)"; exit 1; }

hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-64)"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then exit 0; fi
mkdir -p "$(dirname "$bin")"
log "building $bin"
(cd "$src" && go build -trimpath -o "$bin.tmp" .)
mv -f "$bin.tmp" "$bin"
echo "$hash" > "$stamp"
