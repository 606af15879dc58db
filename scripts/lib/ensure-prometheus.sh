#!/usr/bin/env bash
# Installs Debian's `prometheus` package: `promtool` (check config/rules/metrics, rule unit tests)
# and a real Prometheus server binary the tests start on 127.0.0.1 (the package starts no
# service in containers without systemd; nothing here enables one). Idempotent.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then exit 0; fi
# Only refresh the package lists when apt does not know the package yet (fresh machine).
if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  apt-get update -qq >/dev/null
fi
echo "ensure-prometheus: installing prometheus (promtool + server) from apt" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
