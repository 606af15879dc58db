#!/usr/bin/env bash
# Backs up the stack's named volumes (Loki, Tempo, Prometheus, Grafana, gateway queue, engine
# queue) into BACKUP_DIR/<UTC timestamp>/: one <volume>.tar.gz per volume, SHA256SUMS (checked by
# restore.sh, or by hand with `sha256sum -c SHA256SUMS`) and MANIFEST (what, when, from where).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/stack-volumes.sh
. "$repo/scripts/lib/stack-volumes.sh"
# shellcheck source=scripts/lib/compose-command.sh
. "$repo/scripts/lib/compose-command.sh"

usage() {
  cat <<USAGE
Usage: scripts/backup.sh [--out DIR] [--only a,b] [--stop] [--volumes-root DIR]

  --out DIR           where timestamped backups go (env BACKUP_DIR, default $repo/backups)
  --only LIST         volumes to back up (default all: $(stack_volume_names))
  --stop              stop the stack during the backup for a consistent copy, start it again after
                      (otherwise the copy is taken live: fine for Grafana and the gateway queue;
                      Loki, Tempo and Prometheus may lose their last seconds of writes, the engine
                      queue the rows whose body files changed during the copy)
  --volumes-root DIR  back up plain folders DIR/<volume> instead of docker volumes (env VOLUMES_ROOT)
  -h, --help          this text

Volumes are named ${STACK_PROJECT}_<key> (COMPOSE_PROJECT_NAME changes the prefix).
The last line printed is "backup: <folder>".
USAGE
}

backup_root="${BACKUP_DIR:-$repo/backups}"
only=""
stop=false
while [ $# -gt 0 ]; do
  case "$1" in
    --out) backup_root="${2:?--out needs a folder}"; shift 2 ;;
    --only) only="${2:?--only needs a list}"; shift 2 ;;
    --stop) stop=true; shift ;;
    --volumes-root) VOLUMES_ROOT="${2:?--volumes-root needs a folder}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "backup: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done

selected="$(select_volumes "$only")" || exit 64
read -r -a names <<<"$selected"
if [ -z "$VOLUMES_ROOT" ]; then
  command -v docker >/dev/null 2>&1 || { echo "backup: docker not found (use --volumes-root for plain folders)" >&2; exit 1; }
  # --stop needs Compose: refuse before anything is written when there is no usable one.
  if $stop; then compose_resolve || exit 1; fi
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dest="$backup_root/$stamp"
if [ -e "$dest" ]; then
  echo "backup: $dest already exists (two backups in the same second?)" >&2
  exit 1
fi
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

restart=false
if $stop && [ -z "$VOLUMES_ROOT" ]; then
  echo "backup: stopping the stack for a consistent copy"
  (cd "$repo" && "${COMPOSE_CMD[@]}" stop)
  restart=true
fi
cleanup() {
  if $restart; then
    echo "backup: starting the stack again"
    (cd "$repo" && "${COMPOSE_CMD[@]}" start) || echo "backup: WARNING: '${COMPOSE_CMD[*]} start' failed; run make up" >&2
  fi
}
trap cleanup EXIT

{
  echo "created=$stamp"
  echo "host=$(hostname)"
  echo "project=$STACK_PROJECT"
  echo "source=${VOLUMES_ROOT:-docker}"
  echo "git_commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
} >"$dest/MANIFEST"

backed_up=0
for name in "${names[@]}"; do
  volume="$(stack_volume "$name")"
  if ! volume_exists "$volume"; then
    echo "backup: skip $name: volume $volume does not exist"
    continue
  fi
  archive="$volume.tar.gz"
  if [ -n "$VOLUMES_ROOT" ]; then
    tar -czf "$dest/$archive" -C "$(volume_dir "$volume")" .
  else
    docker run --rm -v "$volume:/data:ro" -v "$dest:/backup" "$STACK_HELPER_IMAGE" \
      tar -czf "/backup/$archive" -C /data .
  fi
  bytes="$(wc -c <"$dest/$archive" | tr -d ' ')"
  echo "volume=$name docker_volume=$volume archive=$archive bytes=$bytes" >>"$dest/MANIFEST"
  echo "backup: $name ($volume) -> $archive ($bytes bytes)"
  backed_up=$((backed_up + 1))
done

if [ "$backed_up" -eq 0 ]; then
  echo "backup: nothing to back up (no volume exists); removing $dest" >&2
  rm -rf "$dest"
  exit 1
fi
(cd "$dest" && sha256sum ./*.tar.gz | sed 's| \./| |' >SHA256SUMS)
echo "backup: $backed_up volume(s), checksums in SHA256SUMS"
echo "backup: $dest"
