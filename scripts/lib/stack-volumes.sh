#!/usr/bin/env bash
# Shared by scripts/backup.sh, restore.sh and cleanup.sh (sourced, not run): the stack's named
# volumes and how to reach them. Compose names a volume <project>_<key>; the keys are declared in
# observability-stack/, gateway/ and correlation-engine/docker-compose.yml.
#
# Two ways to reach a volume:
#   docker mode (default)   through a throw-away busybox container (docker run -v <volume>:/data)
#   folder mode             VOLUMES_ROOT=DIR: the volume is the folder DIR/<volume>, or
#                           DIR/<volume>/_data when that exists (Docker's own layout under
#                           /var/lib/docker/volumes). Used by the tests and by hosts without the
#                           docker CLI.

# logical name -> compose volume key
STACK_VOLUME_KEYS=(loki:loki-data tempo:tempo-data prometheus:prometheus-data grafana:grafana-data gateway:gateway-data engine:engine-data)
# Declared too but not worth a backup (recreated on start; Alertmanager's silences and notification
# log are short-lived): removed by `down --volumes` only.
# shellcheck disable=SC2034 # used by the scripts that source this file
STACK_DISPOSABLE_VOLUME_KEYS=(healthcheck-tools alertmanager-data)
STACK_PROJECT="${COMPOSE_PROJECT_NAME:-observability-poc}"
# shellcheck disable=SC2034 # used by the scripts that source this file
STACK_HELPER_IMAGE="${BUSYBOX_IMAGE:-busybox:1.37.0}"
VOLUMES_ROOT="${VOLUMES_ROOT:-}"

stack_volume_names() { # all logical names, space-separated
  local pair out=()
  for pair in "${STACK_VOLUME_KEYS[@]}"; do out+=("${pair%%:*}"); done
  echo "${out[*]}"
}

stack_volume() { # logical name -> docker volume name; fails for unknown names
  local pair
  for pair in "${STACK_VOLUME_KEYS[@]}"; do
    if [ "${pair%%:*}" = "$1" ]; then
      echo "${STACK_PROJECT}_${pair#*:}"
      return 0
    fi
  done
  return 1
}

volume_dir() { # docker volume name -> folder (folder mode only)
  if [ -d "$VOLUMES_ROOT/$1/_data" ]; then echo "$VOLUMES_ROOT/$1/_data"; else echo "$VOLUMES_ROOT/$1"; fi
}

volume_exists() {
  if [ -n "$VOLUMES_ROOT" ]; then
    [ -d "$(volume_dir "$1")" ]
  else
    docker volume inspect "$1" >/dev/null 2>&1
  fi
}

# Validates a comma-separated list of logical names (empty = all); prints them space-separated.
select_volumes() {
  local list="$1" name requested out=()
  if [ -z "$list" ]; then
    stack_volume_names
    return 0
  fi
  IFS=',' read -r -a requested <<<"$list"
  for name in "${requested[@]}"; do
    [ -z "$name" ] && continue
    if ! stack_volume "$name" >/dev/null; then
      echo "unknown volume '$name' (known: $(stack_volume_names))" >&2
      return 1
    fi
    out+=("$name")
  done
  echo "${out[*]}"
}
