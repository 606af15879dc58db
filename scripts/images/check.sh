#!/usr/bin/env bash
# `make images-check`: builds our five images with podman from the unmodified Dockerfiles,
# against local stand-ins of their base images, checks their layers, user and size, then starts
# each from its own filesystem and checks it answers (see scripts/images/README.md).
# Needs root (debootstrap, mounts, namespaces); installs podman and debootstrap when missing.
# Ends with `images-check: OK (<seconds>s)` or a FAIL line naming the image and the step.
#   check.sh [image...]      only these images (names from images.list); default: all five
# IMAGES_SOURCE=<tree> builds from another copy of the repository, IMAGES_TAG=<tag> tags the
# images localhost/observability-poc/<name>:<tag> (default: check).
set -euo pipefail
# shellcheck source=scripts/images/common.sh
. "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

[ "$(id -u)" -eq 0 ] || die "needs root: debootstrap, mount and unshare (run it with sudo)"
started=$(date +%s)
. scripts/toolchain.sh
bash scripts/lib/ensure-podman.sh
export PATH="/usr/local/go/bin:$PATH" # the machine's Go, for its module and build caches

mkdir -p "$IMAGES_CACHE/logs"
# One check at a time on a machine: they share the storage and the fixed in-namespace ports.
exec 8>"$IMAGES_CACHE/.lock"
flock 8

bash "$IMAGES_DIR/standins.sh"
bash "$IMAGES_DIR/build-images.sh" "$@"
log "layers, user and size:"
while read -r name _ _ _ budget; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  bash "$IMAGES_DIR/check-image.sh" "$name" "$budget" >&2
done <"$IMAGES_DIR/images.list"
log "starting each image from its own filesystem (private network namespace):"
IMAGES_ONLY="$(IFS=,; echo "$*")" unshare --net --mount --fork \
  node "$IMAGES_DIR/start-images.mjs" "$IMAGES_CACHE/storage" "$IMAGES_CACHE/run" "$IMAGES_CACHE/logs" >&2 ||
  die "an image did not start or answer (above)"
log "OK ($(( $(date +%s) - started ))s)"
