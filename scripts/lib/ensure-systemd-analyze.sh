#!/usr/bin/env bash
# Installs systemd-analyze (Debian package systemd) for tests/ops, which runs
# `systemd-analyze verify` on mdso-alloy/systemd/alloy.service. Idempotent: nothing to do when the
# command exists (it does on any Debian host booted with systemd).
set -euo pipefail

if command -v systemd-analyze >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-systemd-analyze: no apt-get here: install systemd's tools with your package manager" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
if ! apt-cache show systemd >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null
fi
echo "ensure-systemd-analyze: installing systemd (for systemd-analyze) from Debian" >&2
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=300 systemd >/dev/null
command -v systemd-analyze >/dev/null 2>&1
