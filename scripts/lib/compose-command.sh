#!/usr/bin/env bash
# Which Docker Compose runs the stack. Sourced by every script that talks to Compose and run by
# the Makefile (`bash scripts/lib/compose-command.sh <compose args>`), so all of them pick the
# same one:
#   1. COMPOSE="..." from the environment (e.g. COMPOSE="sudo docker compose"), taken as given;
#   2. the `docker compose` plugin;
#   3. a standalone `docker-compose` that is Compose v2 (the seed's Phase 0 installs this one);
# and never Compose v1 (`docker-compose` 1.x, Python): it cannot read the `include:` the stack's
# compose files are built from. `include:` needs Compose >= 2.20.3 (Docker's documentation on
# `include` names 2.20.3; 2.20.0 first parsed it).
# After compose_resolve: COMPOSE_CMD (array) and COMPOSE_FOUND (one line saying what was found).

# shellcheck disable=SC2034 # COMPOSE_FOUND is read by the scripts that source this file
COMPOSE_MIN_VERSION=2.20.3

compose_version_ge() { # compose_version_ge A B: dotted version A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

compose_fix_hint() {
  cat <<HINT
Install one of (Compose >= $COMPOSE_MIN_VERSION, needed for the compose files' 'include:'):
  - the plugin:     sudo dnf install -y docker-compose-plugin   (Debian/Ubuntu: sudo apt-get install docker-compose-plugin)
  - the standalone: a Compose v2 release binary as /usr/local/bin/docker-compose (chmod +x),
                    replacing a Compose v1 docker-compose (1.x) if one is installed
or name the command yourself: COMPOSE="docker compose" make up
HINT
}

# Sets COMPOSE_CMD and COMPOSE_FOUND; prints the reason and the fixes to stderr and returns 1 when
# no usable Compose is installed.
compose_resolve() {
  COMPOSE_CMD=()
  COMPOSE_FOUND=""
  if [ -n "${COMPOSE:-}" ]; then
    read -r -a COMPOSE_CMD <<<"$COMPOSE"
    COMPOSE_FOUND="COMPOSE=\"$COMPOSE\" (from the environment, not checked)"
    return 0
  fi
  local plugin="" standalone="" problems=()
  if command -v docker >/dev/null 2>&1; then
    plugin="$(docker compose version --short 2>/dev/null | sed -n '1{s/^v//;p;}' || true)"
    if [ -n "$plugin" ] && compose_version_ge "$plugin" "$COMPOSE_MIN_VERSION"; then
      COMPOSE_CMD=(docker compose)
      COMPOSE_FOUND="Docker Compose $plugin (plugin: docker compose)"
      return 0
    fi
    [ -n "$plugin" ] && problems+=("the docker compose plugin is $plugin, older than $COMPOSE_MIN_VERSION")
  fi
  if command -v docker-compose >/dev/null 2>&1; then
    standalone="$(docker-compose version --short 2>/dev/null | sed -n '1{s/^v//;p;}' || true)"
    if [ -n "$standalone" ] && compose_version_ge "$standalone" "$COMPOSE_MIN_VERSION"; then
      COMPOSE_CMD=(docker-compose)
      COMPOSE_FOUND="Docker Compose $standalone (standalone: docker-compose)"
      return 0
    fi
    case "$standalone" in
      1.*) problems+=("docker-compose is Compose v1 ($standalone), which cannot read 'include:'") ;;
      "") problems+=("docker-compose is installed but 'docker-compose version --short' printed nothing") ;;
      *) problems+=("docker-compose is $standalone, older than $COMPOSE_MIN_VERSION") ;;
    esac
  fi
  [ "${#problems[@]}" -gt 0 ] || problems+=("neither the docker compose plugin nor docker-compose is installed")
  local reasons
  reasons="$(printf '%s; ' "${problems[@]}")"
  {
    echo "compose: no usable Docker Compose: ${reasons%; }."
    compose_fix_hint
  } >&2
  return 1
}

# Run as a script: resolve, then run Compose with the arguments.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  compose_resolve || exit 1
  exec "${COMPOSE_CMD[@]}" "$@"
fi
