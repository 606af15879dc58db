#!/usr/bin/env bash
# Phase 0 on Server-124: checks that the host can run the stack (Docker + Compose v2, free ports,
# disk, memory), creates .env from .env.example when it is missing, and prints the firewall rules
# of the network exposure table (it never changes the firewall itself).
# Exit 0 when the host is ready (warnings allowed), 1 when a requirement is missing.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/compose-command.sh
. "$repo/scripts/lib/compose-command.sh"

usage() {
  cat <<'USAGE'
Usage: sudo scripts/setup-server-124.sh [--check] [--mdso-ip IP] [--admin-cidr CIDR]

  --check            only check and report; change nothing (no .env is created)
  --mdso-ip IP       address of the MDSO host allowed to reach OTLP (default 159.56.4.37)
  --admin-cidr CIDR  who may open Grafana (default: prints <your-ip>/32)
  -h, --help         this text

Environment: PORTS (space-separated list to check), MIN_DISK_GB (default 100),
DATA_PATH (where Docker keeps volumes; default: docker's root dir, else /var/lib/docker),
ENV_FILE (default <repo>/.env).
USAGE
}

check_only=false
mdso_ip="159.56.4.37"
admin_cidr="<your-ip>/32"
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=true; shift ;;
    --mdso-ip) mdso_ip="${2:?--mdso-ip needs an address}"; shift 2 ;;
    --admin-cidr) admin_cidr="${2:?--admin-cidr needs a CIDR}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup-server-124: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done

# Ports published by docker-compose.yml (55680/55681: legacy OTLP aliases of 4317/4318).
ports="${PORTS:-3000 3100 3200 4317 4318 55680 55681 8080 9090 13133 5001 5002 5003}"
min_disk_gb="${MIN_DISK_GB:-100}"
env_file="${ENV_FILE:-$repo/.env}"
failed=0
warned=0

ok() { printf '  [ok]   %s\n' "$*"; }
warn() { printf '  [warn] %s\n' "$*"; warned=$((warned + 1)); }
fail() { printf '  [FAIL] %s\n' "$*"; failed=$((failed + 1)); }

version_ge() { # version_ge A B: A >= B for dotted versions
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

echo "Docker"
if command -v docker >/dev/null 2>&1; then
  docker_version="$(docker version --format '{{.Server.Version}}' 2>/dev/null || true)"
  if [ -z "$docker_version" ]; then
    fail "docker CLI found but the daemon does not answer: sudo systemctl enable --now docker"
  elif version_ge "$docker_version" 20.10; then
    ok "Docker Engine $docker_version"
  else
    fail "Docker Engine $docker_version is older than 20.10"
  fi
else
  fail "docker not installed. RHEL: sudo dnf config-manager --add-repo https://download.docker.com/linux/rhel/docker-ce.repo && sudo dnf install -y docker-ce docker-ce-cli containerd.io docker-compose-plugin && sudo systemctl enable --now docker"
fi

# The plugin or a standalone docker-compose v2 (what the seed's Phase 0 installs): either works.
if compose_resolve 2>/dev/null; then
  ok "$COMPOSE_FOUND"
else
  compose_errors="$(compose_resolve 2>&1 || true)"
  fail "${compose_errors//$'\n'/$'\n'         }"
fi

echo "Ports"
if command -v ss >/dev/null 2>&1; then
  listening="$(ss -ltnH 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)"
  for port in $ports; do
    if grep -qx "$port" <<<"$listening"; then
      fail "port $port is already in use: $(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\).*/\1/p' | head -n 1)"
    else
      ok "port $port free"
    fi
  done
else
  warn "ss not found (package iproute2): port check skipped"
fi

echo "Resources"
data_path="${DATA_PATH:-$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || true)}"
data_path="${data_path:-/var/lib/docker}"
probe_path="$data_path"
while [ ! -d "$probe_path" ]; do probe_path="$(dirname "$probe_path")"; done
free_gb="$(df -Pk "$probe_path" | awk 'NR == 2 { printf "%d", $4 / 1024 / 1024 }')"
if [ "$free_gb" -ge "$min_disk_gb" ]; then
  ok "${free_gb} GB free for $data_path"
else
  warn "only ${free_gb} GB free for $data_path (plan ${min_disk_gb} GB+: 7 d logs/traces, 15 d metrics)"
fi
mem_gb="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 / 1024 }' /proc/meminfo 2>/dev/null || echo 0)"
if [ "$mem_gb" -ge 7 ]; then ok "${mem_gb} GB memory"; else warn "${mem_gb} GB memory (the compose memory limits add up to about 6 GB)"; fi

echo "Configuration"
if [ -f "$env_file" ]; then
  ok "$env_file exists"
  if grep -q '^GRAFANA_ADMIN_PASSWORD=admin$' "$env_file"; then warn "GRAFANA_ADMIN_PASSWORD is still 'admin' in $env_file"; fi
elif $check_only; then
  warn "$env_file missing (run without --check to create it from .env.example)"
elif [ -f "$repo/.env.example" ]; then
  install -m 0600 "$repo/.env.example" "$env_file"
  ok "created $env_file from .env.example (mode 0600): review GRAFANA_ADMIN_PASSWORD and BASIC_AUTH_*"
else
  fail "$repo/.env.example not found"
fi
if [ -f "$env_file" ]; then
  receiver="$(sed -n 's/^ALERT_RECEIVER=//p' "$env_file" | tail -n 1)"
  case "${receiver:-none}" in
    none) warn "ALERT_RECEIVER is none in $env_file: alerts notify nobody (set webhook or email; ops/runbook.md, Alerts)" ;;
    *) ok "alerts notify via ALERT_RECEIVER=$receiver" ;;
  esac
fi

echo "Firewall (not changed by this script; allow only what the exposure table in ops/runbook.md lists)"
if command -v firewall-cmd >/dev/null 2>&1; then
  cat <<HINT
  firewalld:
    sudo firewall-cmd --permanent --new-zone=obs-mdso
    sudo firewall-cmd --permanent --zone=obs-mdso --add-source=$mdso_ip/32
    sudo firewall-cmd --permanent --zone=obs-mdso --add-port={4317,4318,55680,55681}/tcp
    sudo firewall-cmd --permanent --new-zone=obs-admin
    sudo firewall-cmd --permanent --zone=obs-admin --add-source=$admin_cidr
    sudo firewall-cmd --permanent --zone=obs-admin --add-port=3000/tcp
    sudo firewall-cmd --reload
HINT
else
  cat <<HINT
  ufw / security group:
    allow tcp 4317,4318,55680,55681 from $mdso_ip/32   (OTLP from the MDSO host)
    allow tcp 3000 from $admin_cidr                     (Grafana)
    everything else (3100, 3200, 8080, 9090, 13133, 5001-5003): no inbound rule
HINT
fi
echo "  Note: Docker publishes ports through its own iptables chain, bypassing host firewall rules;"
echo "  bind internal ports to 127.0.0.1 in .env or filter in the DOCKER-USER chain / security group."

echo
echo "setup-server-124: $failed problem(s), $warned warning(s)"
if [ "$failed" -gt 0 ]; then exit 1; fi
echo "Next: make build && make up && make health"
