#!/usr/bin/env bash
# The rapportctl offers commands (docs/offers.md), run as an operator would in a fresh data
# folder with the example rules, on SQLite or (postgresql) on a database of the run's
# throwaway cluster the folder was moved to (on_postgresql.sh): the same answers on both.
#
#   tests/cli/offers.sh RAPPORTCTL WORKDIR SOURCE_DIR [sqlite|postgresql]
set -euo pipefail
ctl=$1 work=$2 source=$3 backend=${4:-sqlite}
data="$work/data-offers-$backend"
rm -rf "$data"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$ctl" init --data "$data" --store S1 >/dev/null
if [ "$backend" = postgresql ]; then
  source "$(dirname "$0")/on_postgresql.sh"
  move_folder_to_postgresql "$ctl" "$data"
fi
"$ctl" member add --data "$data" --name "Ada Lovelace" --store S1 >/dev/null
"$ctl" member add --data "$data" --name "Bob" --store S1 >/dev/null

if "$ctl" offers for --data "$data" --member 1 2>"$work/offers-err.txt"; then
  fail "offered without rules"; fi
grep -q "names no rewards rules" "$work/offers-err.txt" || fail "no-rules message"
printf '\n[rewards]\nrules = "rewards.toml"\n' >>"$data/server.toml"
cp "$source/config/rewards.toml" "$data/rewards.toml"

out=$("$ctl" offers for --data "$data" --member 1 --now 2026-11-26T09:00:00Z)
echo "$out" | grep "tier LMC" >/dev/null || fail "for: $out"
echo "$out" | grep "free-coffee" >/dev/null || fail "free-coffee not considered: $out"
echo "$out" | grep "left out  roastery-tour: the LMC treatment offers no experience" >/dev/null ||
  fail "no reason for leaving out the tour: $out"

"$ctl" offers record --data "$data" --member 1 --offer free-coffee --outcome declined \
  --at 2026-11-20T09:00:00Z >/dev/null || fail "record declined"
"$ctl" offers for --data "$data" --member 1 --now 2026-11-26T09:00:00Z |
  grep -q "left out  free-coffee: declined on 2026-11-20" || fail "declined offer repeated"
if "$ctl" offers record --data "$data" --member 1 --offer free-coffee --outcome held_out \
  2>/dev/null; then fail "recorded held_out by hand"; fi
if "$ctl" offers record --data "$data" --member 1 --offer lottery --outcome shown 2>/dev/null; then
  fail "recorded an offer not in the catalogue"; fi

"$ctl" offers consent --data "$data" --member 2 --personalisation off | grep "standard offers only" >/dev/null ||
  fail "consent off"
out=$("$ctl" offers for --data "$data" --member 2 --record --now 2026-10-01T09:00:00Z)
echo "$out" | grep "opted out of personalisation" >/dev/null || fail "opted out: $out"
echo "$out" | grep "recorded 2 offer(s)" >/dev/null || fail "record: $out"
"$ctl" offers uplift --data "$data" --now 2026-11-26T09:00:00Z | grep "five-off  shown" >/dev/null ||
  fail "uplift: $("$ctl" offers uplift --data "$data" --now 2026-11-26T09:00:00Z)"
if [ "$backend" = postgresql ] && [ -e "$data/rapport.db" ]; then
  fail "a SQLite file was made in the folder"; fi
echo "ok: offers"
