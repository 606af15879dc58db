#!/usr/bin/env bash
# Generates the mTLS material between Alloy (MDSO host) and the gateway (Server-124): a private
# CA, a server certificate for the gateway's OTLP receivers and a client certificate for Alloy.
# Output (default <repo>/certs/out, ignored by git): ca.crt ca.key server.crt server.key
# client.crt client.key. Never overwrites existing files unless --force; --keep-ca re-issues the
# two leaf certificates from the existing CA (rotation without touching the clients' trust).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/certs/generate-certs.sh [options]

  --out DIR            output folder (env CERTS_DIR, default <repo>/certs/out)
  --server-names LIST  comma-separated DNS names / IPs for the gateway certificate
                       (env GATEWAY_CERT_SANS, default server-124,otel-gateway,localhost,127.0.0.1)
                       e.g. --server-names server-124,159.56.4.94
  --client-name NAME   common name of the Alloy client certificate (default mdso-alloy)
  --days N             validity of the server/client certificates (default 825)
  --ca-days N          validity of the CA (default 3650)
  --keep-ca            reuse ca.crt/ca.key from the output folder, re-issue server and client
  --force              overwrite existing files
  -h, --help           this text

Then: gateway -> mount the folder at /certs (ca.crt, server.crt, server.key; see
gateway/otel-config.mtls.yaml); MDSO -> copy ca.crt client.crt client.key to /etc/alloy/certs/
and set GATEWAY_TLS_* in the Alloy environment file (mdso-alloy/README.md).
USAGE
}

out="${CERTS_DIR:-$repo/certs/out}"
sans="${GATEWAY_CERT_SANS:-server-124,otel-gateway,localhost,127.0.0.1}"
client_name="mdso-alloy"
days=825
ca_days=3650
keep_ca=false
force=false
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --server-names) sans="${2:?--server-names needs a list}"; shift 2 ;;
    --client-name) client_name="${2:?--client-name needs a name}"; shift 2 ;;
    --days) days="${2:?--days needs a number}"; shift 2 ;;
    --ca-days) ca_days="${2:?--ca-days needs a number}"; shift 2 ;;
    --keep-ca) keep_ca=true; shift ;;
    --force) force=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "generate-certs: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done
case "$days$ca_days" in *[!0-9]*) echo "generate-certs: --days/--ca-days take whole numbers" >&2; exit 64 ;; esac
command -v openssl >/dev/null 2>&1 || { echo "generate-certs: openssl is required" >&2; exit 1; }

# subjectAltName from the list: IPv4/IPv6 literals become IP entries, the rest DNS entries.
san_entries=()
IFS=',' read -r -a names <<<"$sans"
for name in "${names[@]}"; do
  name="${name// /}"
  [ -z "$name" ] && continue
  case "$name" in
    *[!A-Za-z0-9.:*-]*) echo "generate-certs: bad server name '$name'" >&2; exit 64 ;;
  esac
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san_entries+=("IP:$name"); else san_entries+=("DNS:$name"); fi
done
[ "${#san_entries[@]}" -gt 0 ] || { echo "generate-certs: --server-names is empty" >&2; exit 64; }
san="$(IFS=,; echo "${san_entries[*]}")"
server_cn="${names[0]// /}"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
targets=(server.crt server.key client.crt client.key)
$keep_ca || targets=(ca.crt ca.key "${targets[@]}")
if $keep_ca && { [ ! -f "$out/ca.crt" ] || [ ! -f "$out/ca.key" ]; }; then
  echo "generate-certs: --keep-ca needs $out/ca.crt and $out/ca.key" >&2
  exit 1
fi
if ! $force; then
  existing=()
  for file in "${targets[@]}"; do [ -e "$out/$file" ] && existing+=("$out/$file"); done
  if [ "${#existing[@]}" -gt 0 ]; then
    echo "generate-certs: refusing to overwrite (use --force, or --keep-ca to rotate the leaves):" >&2
    printf '  %s\n' "${existing[@]}" >&2
    exit 1
  fi
fi

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Extension sections in a file (works with OpenSSL 1.0.2 too, which lacks -addext).
cat >"$work/ext.cnf" <<CNF
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }

if ! $keep_ca; then
  new_key "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days "$ca_days" -subj "/O=observability-poc/CN=observability-poc mTLS CA" \
    -config "$work/ext.cnf" -extensions ca -out "$work/ca.crt"
else
  cp "$out/ca.crt" "$out/ca.key" "$work/"
fi

issue() { # issue NAME CN SECTION
  new_key "$work/$1.key"
  openssl req -new -key "$work/$1.key" -subj "/O=observability-poc/CN=$2" -config "$work/ext.cnf" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -sha256 \
    -days "$days" -extfile "$work/ext.cnf" -extensions "$3" -out "$work/$1.crt" 2>/dev/null
}
issue server "$server_cn" server
issue client "$client_name" client

openssl verify -CAfile "$work/ca.crt" "$work/server.crt" "$work/client.crt" >/dev/null

for file in "${targets[@]}"; do
  case "$file" in
    *.key) install -m 0600 "$work/$file" "$out/$file" ;;
    *) install -m 0644 "$work/$file" "$out/$file" ;;
  esac
done
echo "generate-certs: wrote ${targets[*]} to $out"
echo "generate-certs: gateway certificate names: $san"
echo "generate-certs: server and client certificates verify against ca.crt"
echo "generate-certs: the gateway image runs as UID 10001: let it read the key with"
echo "  sudo chown 10001 $out/server.key"
