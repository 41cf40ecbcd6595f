#!/usr/bin/env bash
# The whole test suite: type-check (one project per process), lint (the layers of DESIGN.md), the
# built bundle (app + CLI: every file it loads is there, its workers convert in plain Node), the
# packaged layout (electron-builder --dir against a stand-in Electron), then every Vitest suite (unit,
# integration against the fake Scenario server, keychain against a real Secret Service, UI in Chromium).
# Keychain tests need a D-Bus session with an unlocked gnome-keyring; each run gets a fresh HOME
# because the keyring file persists and its unlock password must match.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts

export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm run typecheck
npm run lint
npm run build
npm run check:bundle
npm run check:package

run_vitest='npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@"'
status=0
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  test_home=$(mktemp -d)
  HOME="$test_home" KILN_REAL_HOME="$HOME" npm_config_cache="${npm_config_cache:-$HOME/.npm}" \
    dbus-run-session -- bash -c 'echo -n kiln-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; '"$run_vitest" bash "$@" || status=$?
  rm -rf "$test_home"
else
  echo "test: no D-Bus/gnome-keyring here; keychain tests will report it" >&2
  bash -c "$run_vitest" bash "$@" || status=$?
fi

node -e '
const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
