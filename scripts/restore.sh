#!/usr/bin/env bash
# Restores the stack's named volumes from a folder made by scripts/backup.sh. Verifies every
# archive against SHA256SUMS before touching anything, and replaces a volume's content only after
# confirmation (--yes, or typing "yes" at the prompt). Stop the stack first (make down): restore
# refuses volumes that a running container uses.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/stack-volumes.sh
. "$repo/scripts/lib/stack-volumes.sh"

usage() {
  cat <<USAGE
Usage: scripts/restore.sh [--yes] [--only a,b] [--volumes-root DIR] BACKUP|latest

  BACKUP              a folder made by scripts/backup.sh, or "latest" (newest under
                      BACKUP_DIR, default $repo/backups)
  --yes               do not ask before replacing the volumes' content
  --only LIST         restore only these volumes (default: every archive in the backup)
  --volumes-root DIR  restore into plain folders DIR/<volume> instead of docker volumes
  -h, --help          this text

Exit codes: 0 restored; 1 refused or failed (nothing changed when the checksum check or the
confirmation fails); 64 usage error.
USAGE
}

yes=false
only=""
backup=""
while [ $# -gt 0 ]; do
  case "$1" in
    --yes | -y) yes=true; shift ;;
    --only) only="${2:?--only needs a list}"; shift 2 ;;
    --volumes-root) VOLUMES_ROOT="${2:?--volumes-root needs a folder}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "restore: unknown option $1 (see --help)" >&2; exit 64 ;;
    *) [ -z "$backup" ] || { echo "restore: one backup folder only" >&2; exit 64; }; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || { usage >&2; exit 64; }

if [ "$backup" = latest ]; then
  root="${BACKUP_DIR:-$repo/backups}"
  backup="$(find "$root" -mindepth 2 -maxdepth 2 -name SHA256SUMS -printf '%h\n' 2>/dev/null | sort | tail -n 1)"
  [ -n "$backup" ] || { echo "restore: no backup found under $root" >&2; exit 1; }
fi
[ -f "$backup/SHA256SUMS" ] || { echo "restore: $backup has no SHA256SUMS: not a backup made by scripts/backup.sh" >&2; exit 1; }
backup="$(cd "$backup" && pwd)"

# Which archives: every one listed in SHA256SUMS, or the --only subset.
archives=()
while read -r _ file; do archives+=("$file"); done <"$backup/SHA256SUMS"
selected_names="$(select_volumes "$only")" || exit 64
plan=()
for name in $selected_names; do
  volume="$(stack_volume "$name")"
  for file in "${archives[@]}"; do
    if [ "$file" = "$volume.tar.gz" ]; then plan+=("$name:$volume"); fi
  done
done
if [ "${#plan[@]}" -eq 0 ]; then
  echo "restore: the backup holds none of the requested volumes" >&2
  exit 1
fi

echo "restore: verifying checksums in $backup"
if ! (cd "$backup" && sha256sum --quiet -c SHA256SUMS); then
  echo "restore: checksum mismatch: the backup is damaged; nothing was restored" >&2
  exit 1
fi

if [ -z "$VOLUMES_ROOT" ]; then
  command -v docker >/dev/null 2>&1 || { echo "restore: docker not found (use --volumes-root for plain folders)" >&2; exit 1; }
  for entry in "${plan[@]}"; do
    volume="${entry#*:}"
    if [ -n "$(docker ps -q --filter "volume=$volume")" ]; then
      echo "restore: volume $volume is in use by a running container: stop the stack first (make down)" >&2
      exit 1
    fi
  done
fi

echo "restore: this REPLACES the current content of:"
for entry in "${plan[@]}"; do
  volume="${entry#*:}"
  if [ -n "$VOLUMES_ROOT" ]; then where="$(volume_dir "$volume")"; else where="docker volume $volume"; fi
  echo "  ${entry%%:*}: $where  <-  $backup/$volume.tar.gz"
done
if ! $yes; then
  if [ -t 0 ]; then
    read -r -p "Type yes to continue: " answer
    [ "$answer" = yes ] || { echo "restore: cancelled; nothing changed" >&2; exit 1; }
  else
    echo "restore: refusing to overwrite without --yes (no terminal to ask); nothing changed" >&2
    exit 1
  fi
fi

for entry in "${plan[@]}"; do
  name="${entry%%:*}"
  volume="${entry#*:}"
  if [ -n "$VOLUMES_ROOT" ]; then
    target="$(volume_dir "$volume")"
    mkdir -p "$target"
    find "$target" -mindepth 1 -delete
    tar -xzf "$backup/$volume.tar.gz" -C "$target"
  else
    docker volume create "$volume" >/dev/null
    docker run --rm -v "$volume:/data" -v "$backup:/backup:ro" "$STACK_HELPER_IMAGE" \
      sh -c "find /data -mindepth 1 -delete && tar -xzf /backup/$volume.tar.gz -C /data"
  fi
  echo "restore: $name restored into $volume"
done
echo "restore: done; start the stack with: make up"
