#!/usr/bin/env bash
# The Rapport demo: builds, creates a throwaway data folder with a development CA, starts
# rapport-server (SQLite) and one rapport-terminal with a few seeded members, and lets you
# scan cards by typing their numbers. Ctrl-C, SIGTERM or the end of input stop everything.
#
#   scripts/demo.sh                                   # interactive: type card numbers
#   printf '6275 9912 3456 7894\n' | scripts/demo.sh  # scripted
#
# Environment: RAPPORT_DEMO_PORT (default 8443), RAPPORT_DEMO_DIR (default: a new temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,9p' "$0"; exit 0 ;; esac

scripts/install-deps.sh >&2
echo "== building (release preset; the first build takes a few minutes)" >&2
cmake --preset release >/dev/null
cmake --build --preset release >&2

bin=$PWD/build/release
ctl=$bin/server/rapportctl
data=${RAPPORT_DEMO_DIR:-$(mktemp -d /tmp/rapport-demo.XXXXXX)}
port=${RAPPORT_DEMO_PORT:-8443}
# Pick free ports when the defaults are taken (a second demo, another service).
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
port=$(free_port "$port")
dashboard_port=$(free_port $((port + 2)))
screen_port=$(free_port $((dashboard_port + 1)))

"$ctl" init --data "$data/server" --store S1 --listen "127.0.0.1:$port" \
  --dashboard-listen "127.0.0.1:$dashboard_port" >/dev/null
# Points are earned by the example rules (docs/rewards.md).
cp config/rewards.toml "$data/server/rewards.toml"
printf '\n[rewards]\nrules = "rewards.toml"\n' >>"$data/server/server.toml"
# A store manager for the dashboard (docs/dashboard.md).
printf 'demo-manager-1\n' | "$ctl" user add --data "$data/server" --name maria \
  --role store-manager --stores S1 >/dev/null
add_member() { "$ctl" member add --data "$data/server" --store S1 "$@" >/dev/null; }
add_member --name "Ada Lovelace" --birth-date 1815-12-10 --card "6275 9912 3456 7894"
add_member --name "Grace Hopper" --birth-date 1906-12-09 --card "6275 9931 8264 0574"
add_member --name "Alan Turing" --card "6275 9970 4519 3820"
"$ctl" terminal issue --data "$data/server" --id T1 --store S1 >/dev/null
# The cashier's screen on this machine, and a cashier who signs in to it with a PIN
# (docs/cashier-screen.md).
terminal_toml=$data/server/terminals/T1/terminal.toml
printf '\n[screen]\nlisten = "127.0.0.1:%s"\n' "$screen_port" >>"$terminal_toml"
printf '4821\n' | "$bin/terminal/rapport-terminal" staff add --config "$terminal_toml" \
  --name ana >/dev/null
# Grace (member 2) also gets a signed card: its QR text, and a copy with one character changed.
qr=$("$ctl" card token --data "$data/server" --member 2 --card "6275 9931 8264 0574" |
     sed -n 's/^qr: //p')
if [ "${qr:20:1}" = A ]; then swap=B; else swap=A; fi
forged="${qr:0:20}$swap${qr:21}"
# A year of history for 400 more members (docs/value-engine.md), valued so the counter shows
# staff each member's value tier and who is slipping away.
echo "== seeding a small chain and valuing its members (rapportctl seed, value refresh)" >&2
"$ctl" seed --data "$data/server" --members 400 --stores 2 --months 12 --seed 7 >/dev/null
"$ctl" value refresh --data "$data/server" 2>/dev/null | sed 's/^/   /' >&2

server_pid=""
terminal_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$terminal_pid" ] && kill -TERM "$terminal_pid" 2>/dev/null && wait "$terminal_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  echo
  echo "== what the server stored (rapportctl member list --data $data/server)"
  "$ctl" member list --data "$data/server" | sed -n '1,4p;$p' || true
  echo "Data folder: $data (logs: server.log, terminal.log). Remove it when done."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/server/rapport-server" --config "$data/server/server.toml" >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  grep -q "listening" "$data/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG
== Rapport demo: rapport-server on 127.0.0.1:$port, terminal T1 in store S1 (mutual TLS 1.3)
Scan a card by typing its number and pressing Enter:
  6275 9912 3456 7894   Ada Lovelace
  6275 9931 8264 0574   Grace Hopper
  6275 9970 4519 3820   Alan Turing
  6275 9955 5000 1115   a valid card nobody holds yet (unknown card)
  6275 9912 3456 7895   a typo (bad check digit)
  6275 9980 0000 0257   John Backus, a most valuable customer (seeded: 400 members, a year)
  6275 9980 0000 0943   Margaret Backus, most valuable but slipping away (staff see it)
Or type what a keyboard-mode stripe reader sends when a card is swiped:
  ;6275997045193820?    Alan Turing's stripe (track 2)
  ;627599704519         a partial swipe (refused: swipe again)
Or paste what a QR scanner reads from a signed card (verified offline, docs/cards.md):
  $qr
                        Grace Hopper's signed card
  $forged
                        the same with one character changed (refused)
USB readers plugged into this machine are read too (rapport-readers list shows them).
In a browser on this machine (certificates from the demo's own CA: accept the warning):
  https://127.0.0.1:$screen_port/   the cashier's screen: sign in as ana, PIN 4821
  https://127.0.0.1:$dashboard_port/   the store manager's dashboard: maria, demo-manager-1
See the result: $ctl member list --data $data/server
           and: $ctl events --data $data/server
Ctrl-D (end of input) or Ctrl-C stops the demo.
MSG

# Background jobs of a script read /dev/null unless told otherwise: hand it our input.
exec 3<&0
"$bin/terminal/rapport-terminal" --config "$terminal_toml" \
  <&3 2>"$data/terminal.log" &
terminal_pid=$!
wait "$terminal_pid" || true
terminal_pid=""
