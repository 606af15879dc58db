#!/usr/bin/env bash
# Builds the images listed in images.list (or only those named as arguments) with podman, from
# the unmodified Dockerfiles and contexts, as localhost/observability-poc/<name>:check (IMAGES_TAG).
# The build stage is kept as …:check-build, the image as …:check.
# Layers are cached by podman (by the content of each step and of the files it copies), so an
# unchanged image rebuilds in seconds. A failed build names the image and the Dockerfile step.
set -euo pipefail
# shellcheck source=scripts/images/common.sh
. "$(dirname "$0")/common.sh"

# This network inspects TLS with its own certificate authority, which the machine trusts but the
# base images do not, so the registry downloads of the build stages (npm, pnpm, the Go proxy)
# need it. It is lent to the `build` stage only, as build-time volumes: /mnt (empty in Debian)
# holds the machine's bundle and /root/.npmrc points npm and pnpm at it; the Go stand-in sees it
# in place of /etc/ssl/certs. The final stage is then built without any volume (the build
# stage comes from the layer cache), so nothing of it can reach the image; the layer scan of
# check-image.sh would find it if it did.
trust_dir="$IMAGES_CACHE/build-trust"
prepare_trust() {
  local bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
  mkdir -p "$trust_dir"
  if [ -r "$bundle" ]; then cp "$bundle" "$trust_dir/ca-certificates.crt"; else : >"$trust_dir/ca-certificates.crt"; fi
  printf 'cafile=/mnt/ca-certificates.crt\n' >"$trust_dir/npmrc"
}

# The gateway's RUN steps download and compile the collector's Go modules. Podman has no
# BuildKit cache mounts, so the machine's Go module and build caches (filled by
# scripts/lib/ensure-otelcol.sh from the same sources) are lent to those steps as volumes:
# what ends up in the image is unchanged, only the compile is shorter.
build_volumes() { # name
  printf -- '--volume=%s:/mnt:ro\n--volume=%s:/root/.npmrc:ro\n' "$trust_dir" "$trust_dir/npmrc"
  [ "$1" = otel-gateway ] || return 0
  printf -- '--volume=%s:/etc/ssl/certs:ro\n' "$trust_dir"
  [ "${IMAGES_SHARE_GO_CACHE:-1}" = 1 ] || return 0
  local gomod gocache
  gomod="$(go env GOMODCACHE 2>/dev/null || true)"
  gocache="$(go env GOCACHE 2>/dev/null || true)"
  [ -n "$gomod" ] && [ -n "$gocache" ] || return 0
  mkdir -p "$gomod" "$gocache"
  printf -- '--volume=%s:/go/pkg/mod\n--volume=%s:/root/.cache/go-build\n' "$gomod" "$gocache"
}

build_one() { # name dockerfile context args
  local name="$1" file="$2" ctx="$3" args="$4" tag
  tag="$(image_tag "$1")"
  local logf="$IMAGES_CACHE/logs/build-$name.log" started
  local -a build_args=() extra=()
  if [ "$args" != "-" ]; then
    local a
    IFS=, read -ra pairs <<<"$args"
    for a in "${pairs[@]}"; do build_args+=(--build-arg "$a"); done
  fi
  mapfile -t extra < <(build_volumes "$name")
  started=$(date +%s)
  # Every Dockerfile's first stage is named `build`: it is built first with the volumes above,
  # then the whole file without them (the build stage is then a cache hit).
  if ! pm build --isolation chroot --pull=never --format docker --layers --target build \
      "${build_args[@]}" "${extra[@]}" -f "$snapshot/$file" -t "$tag-build" "$snapshot/$ctx" >"$logf" 2>&1 ||
    ! pm build --isolation chroot --pull=never --format docker --layers \
      "${build_args[@]}" -f "$snapshot/$file" -t "$tag" "$snapshot/$ctx" >>"$logf" 2>&1; then
    tail -n 25 "$logf" >&2
    local step
    step="$(grep -E '^(\[[0-9]+/[0-9]+\] )?STEP [0-9]+/[0-9]+: ' "$logf" | tail -n 1 || true)"
    die "image $name: the build failed at ${step:-an unknown step} ($file; full log: $logf)"
  fi
  log "built $name in $(( $(date +%s) - started ))s"
}

# Both passes read one snapshot of the sources: an edit made while the check runs (or a file a
# test writes meanwhile) must not turn the second pass's build stage into a cache miss.
snapshot="$IMAGES_CACHE/context/repo"
take_snapshot() {
  rm -rf "$snapshot" && mkdir -p "$snapshot"
  tar -C "$IMAGES_SOURCE" --exclude=node_modules --exclude=.git --exclude=./.cache -cf - . | tar -C "$snapshot" -xf -
}

mkdir -p "$IMAGES_CACHE/logs"
prepare_trust
take_snapshot
while read -r name file ctx args _; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  build_one "$name" "$file" "$ctx" "$args"
done <"$IMAGES_DIR/images.list"
# Both stages of the current build are tagged (…:check and …:check-build), so this removes only
# what earlier builds left untagged and keeps every layer the next run can reuse.
pm image prune -f >/dev/null
