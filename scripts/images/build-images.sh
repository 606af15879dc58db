#!/usr/bin/env bash
# Builds the images listed in images.list (or only those named as arguments) with podman, from
# the unmodified Dockerfiles and contexts, as localhost/observability-poc/<name>:check.
# Layers are cached by podman (by the content of each step and of the files it copies), so an
# unchanged image rebuilds in seconds. A failed build names the image and the Dockerfile step.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The gateway's RUN steps download and compile the collector's Go modules. Podman has no
# BuildKit cache mounts, so the machine's Go module and build caches (filled by
# scripts/lib/ensure-otelcol.sh from the same sources) are lent to those steps as volumes:
# what ends up in the image is unchanged, only the compile is shorter.
go_cache_volumes() {
  local gomod gocache
  gomod="$(go env GOMODCACHE 2>/dev/null || true)"
  gocache="$(go env GOCACHE 2>/dev/null || true)"
  [ -n "$gomod" ] && [ -n "$gocache" ] || return 0
  mkdir -p "$gomod" "$gocache"
  printf -- '--volume=%s:/go/pkg/mod\n--volume=%s:/root/.cache/go-build\n' "$gomod" "$gocache"
}

build_one() { # name dockerfile context args
  local name="$1" file="$2" ctx="$3" args="$4" tag="localhost/observability-poc/$1:check"
  local logf="$IMAGES_CACHE/logs/build-$name.log" started extra=()
  local -a build_args=()
  if [ "$args" != "-" ]; then
    local a
    IFS=, read -ra pairs <<<"$args"
    for a in "${pairs[@]}"; do build_args+=(--build-arg "$a"); done
  fi
  if [ "$name" = otel-gateway ] && [ "${IMAGES_SHARE_GO_CACHE:-1}" = 1 ]; then
    mapfile -t extra < <(go_cache_volumes)
  fi
  started=$(date +%s)
  if ! pm build --isolation chroot --pull=never --format docker --layers \
      "${build_args[@]}" "${extra[@]}" -f "$REPO_ROOT/$file" -t "$tag" "$REPO_ROOT/$ctx" >"$logf" 2>&1; then
    tail -n 25 "$logf" >&2
    local step
    step="$(grep -E '^(\[[0-9]+/[0-9]+\] )?STEP [0-9]+/[0-9]+: ' "$logf" | tail -n 1 || true)"
    die "image $name: the build failed at ${step:-an unknown step} ($file; full log: $logf)"
  fi
  log "built $name in $(( $(date +%s) - started ))s"
}

mkdir -p "$IMAGES_CACHE/logs"
while read -r name file ctx args; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  build_one "$name" "$file" "$ctx" "$args"
done <"$IMAGES_DIR/images.list"
