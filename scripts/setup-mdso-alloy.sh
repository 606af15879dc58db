#!/usr/bin/env bash
# Phase 4: install Grafana Alloy on the MDSO host so it ships the Blue Planet logs to Server-124.
# Thin wrapper around mdso-alloy/install.sh (all its options pass through); the gateway address
# defaults to $GATEWAY_OTLP_ENDPOINT when set. Run on the MDSO host: sudo scripts/setup-mdso-alloy.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "${1:-}" in
  -h | --help)
    echo "Usage: sudo scripts/setup-mdso-alloy.sh [--gateway http://<server-124>:4318] [install.sh options]"
    echo "Environment: GATEWAY_OTLP_ENDPOINT is used as --gateway when that option is not given."
    echo
    exec bash "$repo/mdso-alloy/install.sh" --help
    ;;
esac

args=("$@")
has_gateway=false
for arg in "$@"; do
  if [ "$arg" = --gateway ]; then has_gateway=true; fi
done
if ! $has_gateway && [ -n "${GATEWAY_OTLP_ENDPOINT:-}" ]; then
  args=(--gateway "$GATEWAY_OTLP_ENDPOINT" "${args[@]}")
fi
exec bash "$repo/mdso-alloy/install.sh" "${args[@]}"
