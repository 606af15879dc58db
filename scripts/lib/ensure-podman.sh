#!/usr/bin/env bash
# Installs what `make images-check` needs from Debian: podman (builds the images with
# `--isolation chroot`), debootstrap (the stand-in base images) and iproute2 (the loopback of
# the check's private network namespace). Idempotent: nothing to do when all three exist.
set -euo pipefail

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
[ "${#missing[@]}" -gt 0 ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-podman: no apt-get here: install ${missing[*]} with your package manager" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
if ! apt-cache show podman >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null
fi
echo "ensure-podman: installing ${missing[*]} from Debian" >&2
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1
