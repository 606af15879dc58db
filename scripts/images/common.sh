# shellcheck shell=bash
# Shared settings for scripts/images/*.sh (sourced, not run). The check keeps its own podman
# storage under the cache folder, so its images, layers and stand-ins never mix with anything
# else on the machine and survive between runs (the layer cache is what makes a second run fast).
IMAGES_CACHE="${OBS_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/images}"
IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/../.." && pwd)"

# The tree the images are built from (a test points it at a copy with a broken Dockerfile) and
# the tag they get: localhost/observability-poc/<name>:$IMAGES_TAG.
IMAGES_SOURCE="${IMAGES_SOURCE:-$REPO_ROOT}"
IMAGES_TAG="${IMAGES_TAG:-check}"
image_tag() { echo "localhost/observability-poc/$1:$IMAGES_TAG"; }

log() { echo "images-check: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# Every podman call goes through here: the check's own storage, chroot isolation for RUN steps
# (the only kind this sandbox permits) and never a pull (every FROM is a local stand-in).
pm() {
  podman --root "$IMAGES_CACHE/storage" --runroot "$IMAGES_CACHE/run" --storage-driver overlay "$@"
}

# sha256 of the given files' contents and names (stable order), for cache keys.
content_hash() {
  local f
  for f in "$@"; do
    printf '%s\n' "${f#"$REPO_ROOT"/}"
    cat "$f"
  done | sha256sum | cut -c1-16
}

# The label a stand-in carries with the hash of its recipe; a changed recipe makes a new one.
image_label() { # image label
  pm image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null || true
}
