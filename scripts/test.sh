#!/usr/bin/env bash
# Builds Rapport and runs every test with ctest; exits non-zero on any failure.
# Installs what it needs first (Debian 12, as root).
#
#   scripts/test.sh            # the ci preset: warnings as errors, AddressSanitizer + UBSan
#   scripts/test.sh dev        # the dev preset: faster to build, no sanitizers
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-ci}
case "$preset" in
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  dev|ci) ;;
  *) echo "test.sh: unknown preset '$preset' (use dev or ci)" >&2; exit 2 ;;
esac

scripts/install-deps.sh
# The playwright acceptance tests' npm packages (tests/browser-pw/), exactly as its lockfile
# pins them; only when node_modules is missing or differs, so no network when it is there.
if ! node tests/browser-pw/check-install.js >/dev/null 2>&1; then
  echo "== npm ci (tests/browser-pw)"
  (cd tests/browser-pw && npm ci --no-audit --no-fund)
fi
echo "== configure ($preset)"
cmake --preset "$preset" >/dev/null
echo "== build ($preset)"
cmake --build --preset "$preset"
echo "== test ($preset)"
ctest --preset "$preset"
