#!/usr/bin/env bash
# Installs (idempotently) every Debian 12 package Rapport needs to build, test and run its
# demo. Safe to run again: apt-get skips what is already there. Needs root.
#
#   scripts/install-deps.sh          # build + test + demo packages
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake ninja-build ccache pkg-config git ca-certificates
  # libraries (Debian 12 ships Boost 1.81 as versioned packages; never libboost-dev, it is 1.74)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libusb-1.0-0-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev catch2
  # emulated USB card readers for the driver tests (libusb's own tests use umockdev too)
  libumockdev-dev umockdev
  # tools the demo and tests call: openssl for certificates, sqlite3 to look at data, procps
  openssl sqlite3 procps
  # Chart.js 3, inlined by `rapportctl value report` into its self-contained HTML page
  libjs-chart.js
  # PostgreSQL 15: libpq for the server's second backend, the server binaries (initdb,
  # pg_ctl) for the throwaway cluster the store contract tests start (tests/support/pg_cluster.*)
  postgresql libpq-dev
  # headless browser for the dashboard's browser tests (tests/browser/, skipped without it)
  chromium
)
# Node.js (Debian 12: 18) and npm for the playwright-core acceptance tests (tests/browser-pw/;
# their npm packages come from its lockfile through `npm ci`, run by scripts/test.sh). A
# machine may have them from elsewhere (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm), so the commands count, not the package names.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or with sudo) to install them" >&2
  exit 1
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
