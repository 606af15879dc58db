#!/usr/bin/env bash
# Installs ShellCheck from Debian (the tests lint every *.sh in the repo with it). Idempotent:
# does nothing when `shellcheck` is already on PATH; runs `apt-get update` only when the package
# is not known yet. Waits for another apt run to release its lock instead of failing.
set -euo pipefail

log() { echo "ensure-shellcheck: $*" >&2; }

if command -v shellcheck >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "no apt-get here: install shellcheck with your package manager"
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
apt_opts=(-y -qq -o DPkg::Lock::Timeout=300)
if ! apt-cache show shellcheck >/dev/null 2>&1; then
  log "apt-get update (shellcheck not in the package lists yet)"
  "${sudo_cmd[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null
fi
log "installing shellcheck from Debian"
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install "${apt_opts[@]}" shellcheck >/dev/null
command -v shellcheck >/dev/null 2>&1
