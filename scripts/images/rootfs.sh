#!/usr/bin/env bash
# Prints the path of a Debian root filesystem tarball made with `debootstrap --variant=minbase`
# (the variant Debian's own slim images start from), building it once per suite + package list:
#   rootfs.sh bookworm libatomic1        ->  <cache>/rootfs/bookworm-<hash>.tar
# The tarball is cached by the hash of its recipe, so the ~50 s debootstrap runs once.
set -euo pipefail
# shellcheck source=scripts/images/common.sh
. "$(dirname "$0")/common.sh"

suite="$1"
shift
include="$(IFS=,; echo "$*")"
mirror=http://deb.debian.org/debian
# The key is what decides the tree's contents (not this script's comments): a new suite, package
# list or command makes a new tarball.
recipe="debootstrap --variant=minbase --include=$include $suite $mirror; clean apt lists and .debs"
key="$(printf '%s\n' "$recipe" | sha256sum | cut -c1-16)"
out="$IMAGES_CACHE/rootfs/$suite-$key.tar"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$IMAGES_CACHE/rootfs"
work="$(mktemp -d "$IMAGES_CACHE/rootfs/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "debootstrap --variant=minbase $suite${include:+ (+ $include)}"
debootstrap --variant=minbase ${include:+--include="$include"} \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap $suite failed"
  }
# As in Debian's images: no package lists or downloaded .debs kept in the base layer.
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
tar --numeric-owner --xattrs -C "$work/root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$out"
# Only the current recipe's tree is kept.
find "$IMAGES_CACHE/rootfs" -maxdepth 1 -name "$suite-*.tar" ! -name "$(basename "$out")" -delete
echo "$out"
