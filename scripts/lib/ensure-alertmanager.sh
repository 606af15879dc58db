#!/usr/bin/env bash
# Installs Debian's `prometheus-alertmanager` package: `amtool` (check-config, config routes test)
# and the `prometheus-alertmanager` server binary the alerting test starts on 127.0.0.1 (the
# package starts no service in containers without systemd; nothing here enables one). Idempotent.
set -euo pipefail

if command -v amtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1; then exit 0; fi
# Only refresh the package lists when apt does not know the package yet (fresh machine).
if ! apt-cache policy prometheus-alertmanager 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt-get update -qq >/dev/null
fi
echo "ensure-alertmanager: installing prometheus-alertmanager (amtool + server) from apt" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
command -v amtool >/dev/null
