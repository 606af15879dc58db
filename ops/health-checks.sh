#!/usr/bin/env bash
# Checks every component of the stack over HTTP and prints one table row per check.
# Exit 0 when everything answered 2xx, 1 when something is down, 64 on a usage error.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ops/health-checks.sh [--only a,b] [--wait SECONDS] [--timeout SECONDS] [--host HOST]

Components (names for --only):
  engine      correlation engine  GET /health and GET /ready   ENGINE_URL         (http://HOST:8080)
  gateway     OTel gateway        GET /  (health_check ext.)   GATEWAY_HEALTH_URL (http://HOST:13133/)
  loki        Loki                GET /ready                   LOKI_URL           (http://HOST:3100)
  tempo       Tempo               GET /ready                   TEMPO_URL          (http://HOST:3200)
  prometheus  Prometheus          GET /-/healthy               PROMETHEUS_URL     (http://HOST:9090)
  grafana     Grafana             GET /api/health              GRAFANA_URL        (http://HOST:3000)
  beorn       sense app           GET /health                  BEORN_URL          (http://HOST:5001)
  palantir    sense app           GET /health                  PALANTIR_URL       (http://HOST:5002)
  arda        sense app           GET /health                  ARDA_URL           (http://HOST:5003)

The *_URL variables are base URLs (scheme://host:port[/prefix]) except GATEWAY_HEALTH_URL, which is
the full health URL. HOST (or --host) sets the host for every default; it is localhost unless set.

Options:
  --only LIST       check only these components (comma-separated names from above)
  --wait SECONDS    retry every 2 s until everything is up or SECONDS have passed (after `make up`)
  --timeout SECONDS per-request timeout (default 5, env HEALTH_TIMEOUT)
  --host HOST       same as HOST=...
  -h, --help        this text

Examples:
  make health                                   # everything on this host
  HOST=159.56.4.94 ops/health-checks.sh         # a remote Server-124
  # processes on loopback ports (e.g. an end-to-end test): point each component at its port
  ENGINE_URL=http://127.0.0.1:18080 BEORN_URL=http://127.0.0.1:15001 \
    ops/health-checks.sh --only engine,beorn
  ops/health-checks.sh --wait 120               # after a fresh start

Engine BasicAuth does not apply: /health and /ready stay open by design.
USAGE
}

only=""
wait_seconds=0
timeout="${HEALTH_TIMEOUT:-5}"
host="${HOST:-localhost}"

while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="${2:?--only needs a list}"; shift 2 ;;
    --wait) wait_seconds="${2:?--wait needs seconds}"; shift 2 ;;
    --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
    --host) host="${2:?--host needs a name}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "health-checks: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
case "$wait_seconds$timeout" in
  *[!0-9.]*) echo "health-checks: --wait and --timeout take numbers of seconds" >&2; exit 64 ;;
esac
command -v curl >/dev/null 2>&1 || { echo "health-checks: curl is required" >&2; exit 64; }

engine="${ENGINE_URL:-http://$host:8080}"
# component|check name|URL — one line per request.
checks="engine|engine /health|${engine%/}/health
engine|engine /ready|${engine%/}/ready
gateway|gateway|${GATEWAY_HEALTH_URL:-http://$host:13133/}
loki|loki|${LOKI_URL:-http://$host:3100}/ready
tempo|tempo|${TEMPO_URL:-http://$host:3200}/ready
prometheus|prometheus|${PROMETHEUS_URL:-http://$host:9090}/-/healthy
grafana|grafana|${GRAFANA_URL:-http://$host:3000}/api/health
beorn|beorn|${BEORN_URL:-http://$host:5001}/health
palantir|palantir|${PALANTIR_URL:-http://$host:5002}/health
arda|arda|${ARDA_URL:-http://$host:5003}/health"

known=" engine gateway loki tempo prometheus grafana beorn palantir arda "
selected=" "
if [ -n "$only" ]; then
  IFS=',' read -r -a wanted <<<"$only"
  for name in "${wanted[@]}"; do
    name="${name// /}"
    [ -z "$name" ] && continue
    case "$known" in
      *" $name "*) selected="$selected$name " ;;
      *) echo "health-checks: unknown component '$name' (known:$known)" >&2; exit 64 ;;
    esac
  done
else
  selected="$known"
fi
if [ "$selected" = " " ]; then
  echo "health-checks: --only selected nothing" >&2
  exit 64
fi

# Prints "status|code|seconds|detail" for one URL.
probe() {
  local url="$1" out rc code seconds
  set +e
  out="$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time "$timeout" --connect-timeout "$timeout" "$url" 2>/dev/null)"
  rc=$?
  set -e
  code="${out%% *}"
  seconds="${out##* }"
  if [ "$rc" -eq 0 ] && [ "${code:0:1}" = 2 ]; then
    echo "UP|$code|$seconds|"
    return
  fi
  local detail
  case "$rc" in
    0) detail="HTTP $code" ;;
    6) detail="host not found" ;;
    7) detail="connection refused" ;;
    28) detail="timed out after ${timeout}s" ;;
    35 | 60) detail="TLS error" ;;
    52) detail="empty reply" ;;
    56) detail="connection reset" ;;
    *) detail="curl exit $rc" ;;
  esac
  echo "DOWN|${code:-000}|${seconds:-0}|$detail"
}

run_checks() {
  rows=()
  down=0
  up=0
  local component name url result
  while IFS='|' read -r component name url; do
    case "$selected" in *" $component "*) ;; *) continue ;; esac
    result="$(probe "$url")"
    rows+=("$name|$url|$result")
    case "$result" in UP*) up=$((up + 1)) ;; *) down=$((down + 1)) ;; esac
  done <<<"$checks"
}

deadline=$((SECONDS + ${wait_seconds%.*}))
run_checks
while [ "$down" -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
  sleep 2
  run_checks
done

printf '%-16s %-46s %-6s %-5s %9s  %s\n' COMPONENT URL STATUS CODE LATENCY DETAIL
for row in "${rows[@]}"; do
  IFS='|' read -r name url status code seconds detail <<<"$row"
  latency="$(awk -v s="$seconds" 'BEGIN { printf "%.0fms", s * 1000 }')"
  printf '%-16s %-46s %-6s %-5s %9s  %s\n' "$name" "$url" "$status" "$code" "$latency" "$detail"
done
echo "health: $up up, $down down"
[ "$down" -eq 0 ]
