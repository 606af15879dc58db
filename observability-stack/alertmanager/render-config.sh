#!/bin/sh
# Renders alertmanager.yml.tmpl into a config Alertmanager can read, from the ALERT_* environment
# (.env via compose), then runs the rest of the command line (the Alertmanager binary):
#   render-config.sh TEMPLATE OUTPUT [COMMAND ARGS...]
# POSIX sh + awk only: it runs with the busybox in the prom/alertmanager image. A receiver that is
# chosen but not configured stops here with a message naming the variable, instead of an
# Alertmanager that starts and silently notifies nobody.
set -eu

fail() {
  echo "render-config: $*" >&2
  exit 1
}

[ $# -ge 2 ] || fail "usage: render-config.sh TEMPLATE OUTPUT [COMMAND ARGS...]"
template="$1"
output="$2"
shift 2

ALERT_RECEIVER="${ALERT_RECEIVER:-none}"
require() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail "ALERT_RECEIVER=$ALERT_RECEIVER needs $name (set it in .env)"
  done
}
case "$ALERT_RECEIVER" in
  none) ;;
  webhook) require ALERT_WEBHOOK_URL ;;
  email) require ALERT_EMAIL_TO ALERT_EMAIL_FROM ALERT_SMTP_SMARTHOST ;;
  *) fail "ALERT_RECEIVER must be none, webhook or email (got '$ALERT_RECEIVER')" ;;
esac

# The receivers that are not chosen still have to be valid config: placeholders nobody uses.
ALERT_WEBHOOK_URL="${ALERT_WEBHOOK_URL:-http://127.0.0.1:9/unused}"
ALERT_EMAIL_TO="${ALERT_EMAIL_TO:-unused@localhost}"
ALERT_EMAIL_FROM="${ALERT_EMAIL_FROM:-alertmanager@localhost}"
ALERT_SMTP_SMARTHOST="${ALERT_SMTP_SMARTHOST:-localhost:25}"
ALERT_SMTP_USERNAME="${ALERT_SMTP_USERNAME:-}"
ALERT_SMTP_PASSWORD="${ALERT_SMTP_PASSWORD:-}"
ALERT_SMTP_REQUIRE_TLS="${ALERT_SMTP_REQUIRE_TLS:-true}"
case "$ALERT_SMTP_REQUIRE_TLS" in
  true | false) ;;
  *) fail "ALERT_SMTP_REQUIRE_TLS must be true or false (got '$ALERT_SMTP_REQUIRE_TLS')" ;;
esac
export ALERT_RECEIVER ALERT_WEBHOOK_URL ALERT_EMAIL_TO ALERT_EMAIL_FROM ALERT_SMTP_SMARTHOST \
  ALERT_SMTP_USERNAME ALERT_SMTP_PASSWORD ALERT_SMTP_REQUIRE_TLS

# ${NAME} -> the variable's value, with ' doubled (the template single-quotes every value).
awk '{
  out = ""
  line = $0
  while (match(line, /\$\{[A-Z_]+\}/)) {
    value = ENVIRON[substr(line, RSTART + 2, RLENGTH - 3)]
    gsub(/'\''/, "'\'''\''", value)
    out = out substr(line, 1, RSTART - 1) value
    line = substr(line, RSTART + RLENGTH)
  }
  print out line
}' "$template" >"$output.tmp"
# The SMTP password may be in it: readable by the Alertmanager user only.
chmod 0600 "$output.tmp"
mv "$output.tmp" "$output"

if [ $# -gt 0 ]; then exec "$@"; fi
