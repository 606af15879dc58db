#!/usr/bin/env bash
# Sends the demo scenario's traffic: COUNT requests through beorn (-> palantir -> arda), each with
# its own circuit id and a W3C traceparent we generate (so the trace ids are known up front), the
# seed's demo log record to the engine, and a Blue Planet-style line that carries only the circuit
# id (no trace), which the engine links by business key. Optionally one OTLP/JSON log to the
# gateway. Ends with machine-readable lines:
#   circuits: C1,C2,...
#   traces: T1,T2,...
# Exit 0 when every request got a 2xx answer, 1 otherwise, 64 on a usage error.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ops/test-traffic.sh [--no-apps] [--no-logs] [--verify SECONDS] [--help]

  --verify SECONDS   afterwards, poll GET $ENGINE_URL/api/correlations?circuit_id=<first circuit>
                     until a correlation event names it (the window must close first:
                     CORR_WINDOW_SECONDS + a few seconds), or fail after SECONDS

Environment (defaults in brackets):
  BEORN_URL          beorn base URL                                   [http://localhost:5001]
  ENGINE_URL         correlation engine base URL                      [http://localhost:8080]
  GATEWAY_OTLP_URL   gateway OTLP/HTTP base URL; when set, also POST one OTLP/JSON log
                     to $GATEWAY_OTLP_URL/v1/logs                     [unset: skipped]
  COUNT              number of beorn requests (one circuit each)       [3]
  CIRCUIT_PREFIX     circuit ids are PREFIX-<run>-<n>                  [DEMO]
  PRODUCT_ID         product id sent with every request               [PROD-001]
  DEPLOY_ENV         env of the log records                            [dev]
  BASIC_AUTH_USER / BASIC_AUTH_PASS   engine BasicAuth (ENABLE_BASIC_AUTH=true)
  CURL_TIMEOUT       seconds per request                               [10]

Without --verify, wait for the correlation window (CORR_WINDOW_SECONDS, 60 s by default) and look:
  curl "$ENGINE_URL/api/correlations?circuit_id=<one of the printed circuits>"
USAGE
}

send_apps=true
send_logs=true
verify_seconds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --verify) verify_seconds="${2:?--verify needs seconds}"; shift 2 ;;
    --no-apps) send_apps=false; shift ;;
    --no-logs) send_logs=false; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "test-traffic: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done

beorn="${BEORN_URL:-http://localhost:5001}"
engine="${ENGINE_URL:-http://localhost:8080}"
gateway="${GATEWAY_OTLP_URL:-}"
count="${COUNT:-3}"
prefix="${CIRCUIT_PREFIX:-DEMO}"
product="${PRODUCT_ID:-PROD-001}"
env_name="${DEPLOY_ENV:-dev}"
timeout="${CURL_TIMEOUT:-10}"

# The values end up in URLs and hand-built JSON (no jq on many hosts): allow only safe characters.
case "$count" in '' | *[!0-9]*) echo "test-traffic: COUNT must be a whole number, got '$count'" >&2; exit 64 ;; esac
case "$verify_seconds" in *[!0-9]*) echo "test-traffic: --verify takes whole seconds" >&2; exit 64 ;; esac
for pair in "CIRCUIT_PREFIX=$prefix" "PRODUCT_ID=$product" "DEPLOY_ENV=$env_name"; do
  case "${pair#*=}" in
    '' | *[!A-Za-z0-9._-]*) echo "test-traffic: ${pair%%=*} may contain only letters, digits, '.', '_' and '-'" >&2; exit 64 ;;
  esac
done
command -v curl >/dev/null 2>&1 || { echo "test-traffic: curl is required" >&2; exit 64; }

hex() { # hex BYTES -> 2*BYTES lowercase hex characters
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

auth=()
if [ -n "${BASIC_AUTH_USER:-}" ]; then auth=(-u "$BASIC_AUTH_USER:${BASIC_AUTH_PASS:-}"); fi

failures=0
# request LABEL curl-args... : prints one line with the status; counts non-2xx answers.
request() {
  local label="$1" code rc
  shift
  set +e
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time "$timeout" "$@")"
  rc=$?
  set -e
  if [ "$rc" -eq 0 ] && [ "${code:0:1}" = 2 ]; then
    echo "ok    $label -> HTTP $code"
  else
    echo "FAIL  $label -> HTTP ${code:-000} (curl exit $rc)" >&2
    failures=$((failures + 1))
  fi
}

run_id="$(date +%s)"
circuits=()
traces=()
for i in $(seq 1 "$count"); do
  circuits+=("$prefix-$run_id-$i")
  traces+=("$(hex 16)")
done

if $send_apps; then
  for i in "${!circuits[@]}"; do
    circuit="${circuits[$i]}"
    trace="${traces[$i]}"
    request_id="REQ-$(hex 4)"
    # Our traceparent makes beorn continue trace $trace, so the printed id is the real one.
    request "beorn circuit_id=$circuit trace_id=$trace" \
      -H "traceparent: 00-$trace-$(hex 8)-01" \
      "${beorn%/}/api/test?circuit_id=$circuit&product_id=$product&request_id=$request_id"
  done
fi

if $send_logs && [ "$count" -gt 0 ]; then
  now_iso="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
  now_bp="$(date -u '+%Y-%m-%d %H:%M:%S,%3N')"
  # The seed's demo record: trace id + circuit id.
  demo="{\"resource\":{\"service\":\"demo\",\"host\":\"demo-host\",\"env\":\"$env_name\"},\"records\":[{\"timestamp\":\"$now_iso\",\"severity\":\"INFO\",\"message\":\"Demo: Order processing started\",\"trace_id\":\"${traces[0]}\",\"circuit_id\":\"${circuits[0]}\",\"product_id\":\"$product\",\"request_id\":\"REQ-$(hex 4)\"}]}"
  request "engine /api/logs demo record trace_id=${traces[0]}" "${auth[@]}" \
    -X POST -H 'Content-Type: application/json' -d "$demo" "${engine%/}/api/logs"
  # An orchestrator line with no trace context: only the circuit id links it.
  bp_line="$now_bp INFO  [bpocore-worker-1] com.ciena.bp.orchestrate.ResourceManager - Resource activation requested circuit_id=${circuits[0]}"
  bp="{\"resource\":{\"service\":\"blueplanet\",\"host\":\"mdso-dev\",\"env\":\"$env_name\"},\"records\":[{\"message\":\"$bp_line\"}]}"
  request "engine /api/logs blueplanet line circuit_id=${circuits[0]}" "${auth[@]}" \
    -X POST -H 'Content-Type: application/json' -d "$bp" "${engine%/}/api/logs"
fi

if [ -n "$gateway" ] && [ "$count" -gt 0 ]; then
  nanos="$(date +%s%N)"
  otlp="{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"test-traffic\"}},{\"key\":\"deployment.environment.name\",\"value\":{\"stringValue\":\"$env_name\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"ops/test-traffic.sh\"},\"logRecords\":[{\"timeUnixNano\":\"$nanos\",\"severityNumber\":9,\"severityText\":\"INFO\",\"body\":{\"stringValue\":\"test-traffic via gateway circuit_id=${circuits[0]}\"},\"traceId\":\"${traces[0]}\",\"attributes\":[{\"key\":\"circuit_id\",\"value\":{\"stringValue\":\"${circuits[0]}\"}}]}]}]}]}"
  request "gateway /v1/logs OTLP/JSON circuit_id=${circuits[0]}" \
    -X POST -H 'Content-Type: application/json' -d "$otlp" "${gateway%/}/v1/logs"
fi

joined() { local IFS=,; echo "$*"; }
echo "circuits: $(joined "${circuits[@]}")"
echo "traces: $(joined "${traces[@]}")"
if [ "$failures" -gt 0 ]; then
  echo "test-traffic: $failures request(s) failed" >&2
  exit 1
fi

if [ -n "$verify_seconds" ] && [ "$count" -gt 0 ]; then
  circuit="${circuits[0]}"
  deadline=$((SECONDS + verify_seconds))
  echo "test-traffic: waiting up to ${verify_seconds}s for a correlation event naming $circuit"
  while :; do
    body="$(curl -s --max-time "$timeout" "${auth[@]}" "${engine%/}/api/correlations?limit=20&circuit_id=$circuit" || true)"
    # The ids are plain [A-Za-z0-9._-]: a fixed-string search in the JSON is enough (no jq needed).
    if grep -qF "\"$circuit\"" <<<"$body"; then
      events="$(grep -oF "\"windowStart\":" <<<"$body" | wc -l | tr -d ' ')"
      echo "correlated: $circuit ($events event(s))"
      exit 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "test-traffic: no correlation event for $circuit after ${verify_seconds}s" >&2
      exit 1
    fi
    sleep 2
  done
fi
