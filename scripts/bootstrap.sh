#!/usr/bin/env bash
# Installs everything the tests and the demo need on a fresh Debian machine: Node 24 + pnpm
# (from the npm registry), the workspace dependencies, and the real tools the tests drive
# (each `scripts/lib/ensure-*.sh` installs one and is idempotent). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh

if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi

for step in scripts/lib/ensure-*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
