#!/usr/bin/env bash
# Installs everything Kiln needs on a fresh Debian/Ubuntu machine, then the npm dependencies
# (whose `prepare` step compiles the `kiln` command into out/cli).
# System packages: libsecret-1-dev (keytar builds from source), gnome-keyring + dbus-x11 (a real
# Secret Service for the keychain tests), chromium (the UI tests drive it with playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libsecret-1-dev gnome-keyring dbus-x11 chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} with your package manager" >&2
    exit 1
  fi
fi

# The Electron binary is downloaded on first launch, not at install: this machine may be offline.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
