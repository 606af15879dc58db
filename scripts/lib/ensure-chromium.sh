#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser tests (tests/browser), which drive it
# through playwright-core. Playwright's own browser download cannot be used offline, so the tests
# point `executablePath` at this binary. Idempotent: does nothing when chromium is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when the package is unknown to apt (a fresh machine).
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version 2>/dev/null
