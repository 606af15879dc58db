#!/usr/bin/env bash
# Static checks of one built image (localhost/observability-poc/<name>:check by default):
#   - no .env file, private key, certificate or credentials file in ANY layer (a file deleted by a
#     later layer is still in the image), by name and by content (PEM private keys);
#   - a non-root USER;
#   - its size within the budget of images.list.
# Prints one line with the size; fails naming the image and what was found.
#   check-image.sh <name> <budget MB>
set -euo pipefail
# shellcheck source=scripts/images/common.sh
. "$(dirname "$0")/common.sh"

name="$1"
budget_mb="$2"
tag="$(image_tag "$name")"

# Every layer's own files: the overlay "diff" folder of each layer, lowest first.
mapfile -t layers < <(pm image inspect --format '{{.GraphDriver.Data.LowerDir}}:{{.GraphDriver.Data.UpperDir}}' "$tag" | tr ':' '\n' | sed '/^$/d')
[ "${#layers[@]}" -gt 0 ] || die "image $name: no layers found"

allowed() { # path inside the image
  awk -v img="$name" -v p="$1" '$1 == img && $2 == p { found = 1 } END { exit !found }' "$IMAGES_DIR/secrets.allow"
}

found=()
for layer in "${layers[@]}"; do
  while IFS= read -r -d '' f; do
    rel="${f#"$layer"/}"
    allowed "$rel" || found+=("$rel")
  done < <(find "$layer" \( -type f -o -type l \) \( \
      -name '.env' -o -name '.env.*' ! -name '.env.example' \
      -o -iname '*.pem' -o -iname '*.key' -o -iname '*.crt' -o -iname '*.cer' -o -iname '*.der' \
      -o -iname '*.p12' -o -iname '*.pfx' -o -iname '*.jks' -o -iname '*.keystore' \
      -o -name 'id_rsa*' -o -name 'id_ecdsa*' -o -name 'id_ed25519*' \
      -o -name '.npmrc' -o -name '.netrc' -o -name '.git-credentials' -o -name 'auth.ini' \) -print0)
  # A real PEM key in a text file: the BEGIN line followed by base64 (documentation shows only
  # the BEGIN line).
  while IFS= read -r -d '' f; do
    grep -qzP -e '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}' "$f" || continue
    rel="${f#"$layer"/}"
    allowed "$rel" || found+=("$rel (holds a private key)")
  done < <(grep -rlIZ -E -e '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' "$layer" 2>/dev/null || true)
done
if [ "${#found[@]}" -gt 0 ]; then
  printf '  %s\n' "${found[@]}" | sort -u >&2
  die "image $name: a layer holds .env, key, certificate or credentials files (above)"
fi

user="$(pm image inspect --format '{{.Config.User}}' "$tag")"
case "${user%%:*}" in
  '' | root | 0) die "image $name: runs as root (USER '${user}')" ;;
esac

size=$(pm image inspect --format '{{.Size}}' "$tag")
size_mb=$(( (size + 999999) / 1000000 ))
if [ "$size_mb" -gt "$budget_mb" ]; then
  die "image $name: ${size_mb} MB is over its budget of ${budget_mb} MB (scripts/images/images.list)"
fi
printf '%-19s %4d MB (budget %4d MB), %2d layers scanned, USER %s\n' "$name" "$size_mb" "$budget_mb" "${#layers[@]}" "$user"
