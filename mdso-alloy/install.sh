#!/usr/bin/env bash
# Installs Grafana Alloy on the MDSO (Blue Planet) host as a systemd service that tails
# /var/log/ciena/blueplanet.log and /bp2/log/*.log and ships them to the observability gateway.
# Idempotent: run it again after editing config.alloy or to change the gateway address.
# Supports Debian/Ubuntu and RHEL/Rocky/Alma/CentOS/Fedora (read from /etc/os-release).
set -euo pipefail

ALLOY_VERSION="${ALLOY_VERSION:-1.18.1}"
# The seed's Server-124 (where the gateway's OTLP/HTTP port listens): used when neither --gateway
# nor an existing environment file names a gateway.
DEFAULT_GATEWAY=http://159.56.4.94:4318
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  cat <<'USAGE'
Usage: sudo ./install.sh [options]

Installs the Alloy package (Grafana's apt/rpm repository by default), /etc/alloy/config.alloy,
the environment file, the systemd unit, read access to the Blue Planet log folders, starts the
service and checks that the gateway answers OTLP/HTTP.

Options:
  --gateway URL          gateway OTLP/HTTP base URL (default: keep the env file's value,
                         else the seed's Server-124, http://159.56.4.94:4318; printed)
  --env NAME             deployment.environment.name (default: keep, else dev)
  --package-file PATH    install this alloy .deb/.rpm instead of using Grafana's repository
                         (offline hosts; download it where the internet is reachable)
  --no-start             install everything but do not (re)start the service
  --skip-connectivity    do not POST to the gateway at the end
  --check-connectivity   only POST an empty OTLP logs request to the gateway and report
  --dry-run              print every action instead of doing it (no root needed)
  --uninstall            stop and disable the service, remove the unit, config and ACLs
                         (add --purge to also remove the package, env file and /var/lib/alloy)
  -h, --help             this text

Environment:
  ALLOY_BIN=PATH         use this alloy binary instead of a package (creates the alloy user)
  ALLOY_VERSION=X.Y.Z    package version to install from the repository (default 1.18.1)
  OS_RELEASE_FILE=PATH   read the distribution from here instead of /etc/os-release
  LOG_DIRS="a b"         folders to grant read access to (default: /var/log/ciena /bp2/log)
  INSTALL_ROOT=DIR       write config, env file, unit and state under DIR (tests/staging)

Exit codes: 0 done; 1 usage or install error; 2 installed but the gateway did not accept the
test request (see the message for the status it returned).
USAGE
}

gateway=""
deploy_env=""
package_file=""
dry_run=false
uninstall=false
purge=false
start=true
connectivity=true
check_only=false

while [ $# -gt 0 ]; do
  case "$1" in
    --gateway) gateway="${2:?--gateway needs a URL}"; shift 2 ;;
    --env) deploy_env="${2:?--env needs a name}"; shift 2 ;;
    --package-file) package_file="${2:?--package-file needs a path}"; shift 2 ;;
    --no-start) start=false; shift ;;
    --skip-connectivity) connectivity=false; shift ;;
    --check-connectivity) check_only=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    --uninstall) uninstall=true; shift ;;
    --purge) purge=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
done

log() { echo "alloy-install: $*"; }
warn() { echo "alloy-install: WARNING: $*" >&2; }
die() { echo "alloy-install: ERROR: $*" >&2; exit 1; }

# Every change to the system goes through run(), so --dry-run shows exactly what would happen.
run() {
  if $dry_run; then
    printf '[dry-run]'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# write_file DEST MODE OWNER:GROUP < content
write_file() {
  local dest="$1" mode="$2" owner="$3" tmp
  if $dry_run; then
    echo "[dry-run] write $dest (mode $mode, owner $owner):"
    # The first lines, plus any EnvironmentFile line (it differs per distribution).
    sed -n -e '1,5s/^/[dry-run]   | /p' -e '6,${/^EnvironmentFile=/s/^/[dry-run]   | /p;}'
    return 0
  fi
  tmp="$(mktemp)"
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    log "$dest unchanged"
    return 0
  fi
  if [ -f "$dest" ]; then
    cp -p "$dest" "$dest.bak.$(date +%Y%m%d%H%M%S)"
    log "$dest changed; previous copy kept as $dest.bak.*"
  fi
  install -D -m "$mode" "$tmp" "$dest"
  chown "$owner" "$dest" 2>/dev/null || true
  rm -f "$tmp"
  log "wrote $dest"
}

os_family() {
  local file="${OS_RELEASE_FILE:-/etc/os-release}" id="" id_like=""
  [ -r "$file" ] || die "cannot read $file to detect the distribution"
  id="$(sed -n 's/^ID=//p' "$file" | tr -d '"')"
  id_like="$(sed -n 's/^ID_LIKE=//p' "$file" | tr -d '"')"
  case " $id $id_like " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" rhel "* | *" centos "* | *" fedora "* | *" rocky "* | *" almalinux "*) echo rhel ;;
    *) die "unsupported distribution '$id' (ID_LIKE='$id_like'): Debian- and RHEL-family only" ;;
  esac
}

family="$(os_family)"
if [ "$family" = debian ]; then env_file_system=/etc/default/alloy; else env_file_system=/etc/sysconfig/alloy; fi
# INSTALL_ROOT stages the files under a folder (tests); package installs are not redirected.
root="${INSTALL_ROOT:-}"
env_file="$root$env_file_system"
config_dest="$root/etc/alloy/config.alloy"
unit_dest="$root/etc/systemd/system/alloy.service"
state_dir="$root/var/lib/alloy"
alloy_bin="$root/usr/bin/alloy"
read -r -a log_dirs <<<"${LOG_DIRS:-/var/log/ciena /bp2/log}"

# Reads KEY from the env file (empty when absent).
env_value() {
  [ -r "$env_file" ] || return 0
  sed -n "s/^$1=//p" "$env_file" | tail -n 1 | sed 's/^"\(.*\)"$/\1/'
}

check_connectivity() {
  local endpoint user pass ca cert key code
  endpoint="${gateway:-$(env_value GATEWAY_OTLP_ENDPOINT)}"
  endpoint="${endpoint:-$DEFAULT_GATEWAY}"
  user="$(env_value GATEWAY_BASIC_AUTH_USER)"
  pass="$(env_value GATEWAY_BASIC_AUTH_PASSWORD)"
  ca="$(env_value GATEWAY_TLS_CA_FILE)"
  cert="$(env_value GATEWAY_TLS_CERT_FILE)"
  key="$(env_value GATEWAY_TLS_KEY_FILE)"
  local args=(-sS -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' -d '{"resourceLogs":[]}')
  [ -n "$ca" ] && args+=(--cacert "$ca")
  [ -n "$cert" ] && args+=(--cert "$cert")
  [ -n "$key" ] && args+=(--key "$key")
  [ -n "$user" ] && args+=(-u "$user:$pass")
  if $dry_run; then
    echo "[dry-run] curl -X POST ${endpoint%/}/v1/logs -d '{\"resourceLogs\":[]}' (connectivity check)"
    return 0
  fi
  code="$(curl "${args[@]}" "${endpoint%/}/v1/logs" 2>/dev/null)" || true
  case "$code" in
    2??) log "gateway ${endpoint%/}/v1/logs answered HTTP $code: connectivity OK"; return 0 ;;
    000 | "") warn "gateway ${endpoint%/}/v1/logs is unreachable (connection failed or timed out): check the address, firewall (4318 from this host) and TLS settings" ;;
    401 | 403) warn "gateway ${endpoint%/}/v1/logs answered HTTP $code: check GATEWAY_BASIC_AUTH_* / client certificate" ;;
    *) warn "gateway ${endpoint%/}/v1/logs answered HTTP $code (expected 200)" ;;
  esac
  return 2
}

if $check_only; then
  check_connectivity
  exit $?
fi

if ! $dry_run && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo ./install.sh), or add --dry-run to see what it would do"
fi

grant_log_access() {
  local dir
  for dir in "${log_dirs[@]}"; do
    if [ ! -d "$dir" ] && ! $dry_run; then
      warn "$dir does not exist (yet): grant access later with: setfacl -R -m u:alloy:rX $dir && setfacl -d -m u:alloy:rX $dir"
      continue
    fi
    if command -v setfacl >/dev/null 2>&1 || $dry_run; then
      # rX: read files, enter folders; the default ACL covers files created after log rotation.
      run setfacl -R -m u:alloy:rX "$dir"
      run setfacl -d -m u:alloy:rX "$dir"
      # The parents must be traversable too (e.g. /bp2 with mode 0750); leave the usual
      # world-traversable ones (/var, /var/log) alone.
      local parent perms
      parent="$(dirname "$dir")"
      while [ "$parent" != / ]; do
        perms="$(stat -c %A "$parent" 2>/dev/null || echo '----------')"
        case "${perms:9:1}" in
          x | t) ;;
          *) run setfacl -m u:alloy:x "$parent" ;;
        esac
        parent="$(dirname "$parent")"
      done
    else
      warn "setfacl not found (package 'acl'); adding alloy to group adm instead — make sure $dir is group-readable by adm"
      run usermod -a -G adm alloy
    fi
  done
}

revoke_log_access() {
  local dir
  for dir in "${log_dirs[@]}"; do
    [ -d "$dir" ] || continue
    command -v setfacl >/dev/null 2>&1 || continue
    run setfacl -R -x u:alloy "$dir" || true
    run setfacl -d -x u:alloy "$dir" || true
  done
}

if $uninstall; then
  log "uninstalling Alloy service ($family)"
  run systemctl disable --now alloy || true
  run rm -f "$unit_dest"
  run systemctl daemon-reload
  run rm -f "$config_dest"
  revoke_log_access
  if $purge; then
    if [ "$family" = debian ]; then run apt-get remove -y alloy || true; else run dnf remove -y alloy || true; fi
    run rm -f "$env_file"
    run rm -rf "$state_dir"
  else
    log "kept the alloy package, $env_file and $state_dir (add --purge to remove them)"
  fi
  log "done"
  exit 0
fi

install_repo_package() {
  if [ "$family" = debian ]; then
    run apt-get install -y -q apt-transport-https ca-certificates curl gpg
    run mkdir -p /etc/apt/keyrings
    if $dry_run; then
      echo "[dry-run] curl -fsSL https://apt.grafana.com/gpg.key | gpg --dearmor -o /etc/apt/keyrings/grafana.gpg"
    else
      curl -fsSL https://apt.grafana.com/gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/grafana.gpg
    fi
    echo "deb [signed-by=/etc/apt/keyrings/grafana.gpg] https://apt.grafana.com stable main" |
      write_file /etc/apt/sources.list.d/grafana.list 0644 root:root
    run apt-get update -q
    run apt-get install -y -q "alloy=$ALLOY_VERSION"
  else
    printf '%s\n' '[grafana]' 'name=grafana' 'baseurl=https://rpm.grafana.com' 'repo_gpgcheck=1' 'enabled=1' \
      'gpgcheck=1' 'gpgkey=https://rpm.grafana.com/gpg.key' 'sslverify=1' 'sslcacert=/etc/pki/tls/certs/ca-bundle.crt' |
      write_file /etc/yum.repos.d/grafana.repo 0644 root:root
    run dnf install -y "alloy-$ALLOY_VERSION"
  fi
}

install_alloy() {
  if [ -n "$package_file" ]; then
    [ -f "$package_file" ] || die "--package-file $package_file does not exist"
    log "installing Alloy from $package_file"
    case "$package_file" in
      *.deb) run apt-get install -y -q "$(cd "$(dirname "$package_file")" && pwd)/$(basename "$package_file")" ;;
      *.rpm) run dnf install -y "$package_file" ;;
      *) die "--package-file must be a .deb or .rpm" ;;
    esac
  elif [ -n "${ALLOY_BIN:-}" ]; then
    [ -x "$ALLOY_BIN" ] || die "ALLOY_BIN=$ALLOY_BIN is not an executable file"
    log "installing the Alloy binary $ALLOY_BIN as $alloy_bin"
    run install -D -m 0755 "$ALLOY_BIN" "$alloy_bin"
  elif [ -x "$alloy_bin" ] || { [ -z "$root" ] && command -v alloy >/dev/null 2>&1; }; then
    log "Alloy already installed ($("$alloy_bin" --version 2>/dev/null | head -n 1 || echo unknown version)); not reinstalling"
  else
    log "installing Alloy $ALLOY_VERSION from Grafana's $family repository"
    install_repo_package
  fi
  # The package creates the user; a bare binary needs it created here.
  if ! id alloy >/dev/null 2>&1; then
    local nologin=/usr/sbin/nologin
    [ -x "$nologin" ] || nologin=/sbin/nologin
    run useradd --system --home-dir /var/lib/alloy --no-create-home --shell "$nologin" alloy
  fi
  local group
  for group in adm systemd-journal; do
    if getent group "$group" >/dev/null 2>&1; then run usermod -a -G "$group" alloy; fi
  done
  run install -d -m 0750 "$state_dir" "$state_dir/data"
  run chown alloy:alloy "$state_dir" "$state_dir/data"
}

# set_env KEY VALUE: replaces KEY's line in the env file, or appends it.
set_env() {
  local key="$1" value="$2"
  if $dry_run; then
    echo "[dry-run] set $key=$value in $env_file"
    return 0
  fi
  if grep -q "^$key=" "$env_file"; then
    local escaped
    escaped="$(printf '%s' "$value" | sed 's/[\/&|]/\\&/g')"
    sed -i "s|^$key=.*|$key=$escaped|" "$env_file"
  else
    printf '%s=%s\n' "$key" "$value" >>"$env_file"
  fi
}

install_env_file() {
  if [ ! -f "$env_file" ]; then
    write_file "$env_file" 0640 root:alloy <"$here/alloy.env.example"
  elif ! $dry_run; then
    # The package ships its own file with CONFIG_FILE/CUSTOM_ARGS: keep every existing value and
    # add only the keys it lacks, so a re-run never undoes an operator's edit.
    local line key added=0
    while IFS= read -r line; do
      case "$line" in '' | '#'*) continue ;; esac
      key="${line%%=*}"
      if ! grep -q "^$key=" "$env_file"; then
        printf '%s\n' "$line" >>"$env_file"
        added=$((added + 1))
      fi
    done <"$here/alloy.env.example"
    chgrp alloy "$env_file" 2>/dev/null || true
    chmod 0640 "$env_file"
    log "$env_file: kept existing values, added $added missing key(s)"
  else
    echo "[dry-run] merge missing keys of alloy.env.example into $env_file"
  fi
  if [ -n "$gateway" ]; then set_env GATEWAY_OTLP_ENDPOINT "$gateway"; fi
  if [ -n "$deploy_env" ]; then set_env DEPLOYMENT_ENVIRONMENT "$deploy_env"; fi
  return 0
}

# Which gateway Alloy will send to, said before anything is installed.
choose_gateway() {
  local existing
  existing="$(env_value GATEWAY_OTLP_ENDPOINT)"
  if [ -n "$gateway" ]; then
    log "gateway: $gateway (from --gateway)"
  elif [ -n "$existing" ]; then
    log "gateway: $existing (kept from $env_file; --gateway URL changes it)"
  else
    gateway="$DEFAULT_GATEWAY"
    log "gateway: $gateway (the seed's Server-124: no --gateway and none in $env_file; --gateway URL changes it)"
  fi
}

log "distribution family: $family (environment file $env_file_system)"
choose_gateway
install_alloy
write_file "$config_dest" 0644 root:alloy <"$here/config.alloy"
install_env_file
sed "s|^EnvironmentFile=-/etc/default/alloy$|EnvironmentFile=-$env_file_system|" "$here/systemd/alloy.service" |
  write_file "$unit_dest" 0644 root:root
grant_log_access
run systemctl daemon-reload
if $start; then
  run systemctl enable alloy
  # restart (not start) so a changed config or env file takes effect on a re-run.
  run systemctl restart alloy
  # A bad config makes Alloy exit within a second or two; give it that long before asking.
  $dry_run || sleep "${ALLOY_START_GRACE_SECONDS:-3}"
  if ! $dry_run && ! systemctl is-active --quiet alloy; then
    die "alloy did not stay up: journalctl -u alloy -n 50 --no-pager"
  fi
fi
if $connectivity; then
  check_connectivity || exit 2
fi
log "done. Follow it with: journalctl -u alloy -f   (UI: http://127.0.0.1:12345 on this host)"
