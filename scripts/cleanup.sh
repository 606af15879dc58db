#!/usr/bin/env bash
# Stops the stack and, on request, deletes its data and images. Every destructive step is listed
# before it runs and needs confirmation (--yes, or typing "yes"); --dry-run only prints the plan.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/stack-volumes.sh
. "$repo/scripts/lib/stack-volumes.sh"
# shellcheck source=scripts/lib/compose-command.sh
. "$repo/scripts/lib/compose-command.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/cleanup.sh stop|data|purge [--yes] [--dry-run]

  stop    stop and remove the containers and the network; keeps all data   (make down)
  data    stop + DELETE the named volumes: logs, traces, metrics, Grafana state and both
          export queues                                                     (make clean)
  purge   data + DELETE the stack's images and the repository's local build output
          (.cache/, test-artifacts/, */dist/)                               (make purge)

  --yes      do not ask (needed without a terminal)
  --dry-run  print what would be removed and the commands, change nothing
Take a backup first: scripts/backup.sh (make backup).
USAGE
}

mode=""
yes=false
dry_run=false
while [ $# -gt 0 ]; do
  case "$1" in
    stop | data | purge) mode="$1"; shift ;;
    --yes | -y) yes=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "cleanup: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
[ -n "$mode" ] || { usage >&2; exit 64; }

# Without a usable Compose the plan still prints (as "docker compose"); running it then refuses.
if compose_resolve 2>/dev/null; then compose_ok=true; else compose_ok=false; COMPOSE_CMD=(docker compose); fi
compose=("${COMPOSE_CMD[@]}" --project-directory "$repo" -f "$repo/docker-compose.yml")
down=("${compose[@]}" down --remove-orphans)
[ "$mode" = stop ] || down+=(--volumes)
[ "$mode" = purge ] && down+=(--rmi all)

echo "cleanup ($mode) will:"
echo "  - stop and remove the containers and network of project $STACK_PROJECT"
if [ "$mode" != stop ]; then
  echo "  - DELETE these docker volumes and everything in them:"
  for name in $(stack_volume_names); do echo "      $(stack_volume "$name")   ($name)"; done
  for key in "${STACK_DISPOSABLE_VOLUME_KEYS[@]}"; do echo "      ${STACK_PROJECT}_$key   (not backed up: helper binaries, alert silences)"; done
fi
local_outputs=()
if [ "$mode" = purge ]; then
  echo "  - DELETE the images used by the stack:"
  if $compose_ok && images="$("${compose[@]}" config --images 2>/dev/null)"; then
    while IFS= read -r image; do [ -n "$image" ] && echo "      $image"; done <<<"$images"
  else
    echo "      (the list comes from 'compose config --images'; no usable Compose here)"
  fi
  for path in "$repo/.cache" "$repo/test-artifacts" "$repo"/*/dist "$repo"/sense-apps/*/dist; do
    [ -e "$path" ] && local_outputs+=("$path")
  done
  if [ "${#local_outputs[@]}" -gt 0 ]; then
    echo "  - DELETE local build output:"
    for path in "${local_outputs[@]}"; do echo "      $path"; done
  fi
fi
echo "  command: ${down[*]}"

if $dry_run; then
  echo "cleanup: dry run, nothing changed"
  exit 0
fi
if [ "$mode" != stop ] && ! $yes; then
  if [ -t 0 ]; then
    read -r -p "This deletes data for good. Type yes to continue: " answer
    [ "$answer" = yes ] || { echo "cleanup: cancelled; nothing changed" >&2; exit 1; }
  else
    echo "cleanup: refusing to delete without --yes (no terminal to ask); nothing changed" >&2
    exit 1
  fi
fi
$compose_ok || compose_resolve || exit 1
"${down[@]}"
if [ "${#local_outputs[@]}" -gt 0 ]; then rm -rf "${local_outputs[@]}"; fi
echo "cleanup: $mode done"
