#!/usr/bin/env bash
# rapportctl on a data folder whose database is PostgreSQL (docs/deployment.md, "On
# PostgreSQL"), as an operator would after `storage migrate`: what works there acts on
# PostgreSQL (stores, terminals' enrollment codes, points, the value refresh, staff users,
# campaigns, members' export and erasure, the head-office reports; the offers commands in
# offers.sh); what still needs SQLite (seed) says so and fails, never answering from an
# empty file. Uses the run's throwaway cluster (on_postgresql.sh).
#
#   tests/cli/postgresql_folder.sh RAPPORTCTL WORKDIR
set -euo pipefail
ctl=$1 work=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/on_postgresql.sh"
data="$work/data-postgresql-$$"
rm -rf "$data"
"$ctl" init --data "$data" --store S1 >/dev/null
move_folder_to_postgresql "$ctl" "$data"
socket=$pg_socket db=$pg_db

"$ctl" store add --data "$data" --id S2 --name "Harbour Road" >/dev/null
stores=$("$ctl" store list --data "$data" | tr '\n' ' ')
[ "$stores" = "S1 S2 " ] || fail "store list on PostgreSQL: $stores"
out=$("$ctl" terminal add --data "$data" --store S2 --id T9)
case "$out" in *"RAP1-"*) ;; *) fail "terminal add on PostgreSQL: $out" ;; esac
used=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT store_id FROM enrollment_codes WHERE terminal_id = 'T9'")
[ "$used" = "S2" ] || fail "the code is not in PostgreSQL: '$used'"
"$ctl" points liability --data "$data" | grep -q "outstanding points: 0" || fail "points liability"

# Head-office reports answer there (nothing valued yet: the header and no rows, never
# invented zeros); rewards below, once a member is enrolled.
equity=$("$ctl" report customer-equity --data "$data" --format csv | tr -d '\r')
[ "$equity" = "store,members,customer_equity_cents" ] || fail "customer-equity on PostgreSQL: $equity"

# Staff users live in PostgreSQL (migration 7): added, listed, refused as on SQLite.
add() { printf '%s\n' "$1" | "$ctl" user add --data "$data" "${@:2}" 2>&1; }
add "long enough pass" --name maria --role store-manager --stores S1,S2 | grep -q "user maria added" ||
  fail "user add on PostgreSQL"
out=$(add "long enough pass" --name maria --role cashier --stores S1) && fail "duplicate user name"
echo "$out" | grep -q "the name is taken" || fail "duplicate not explained: $out"
list=$("$ctl" user list --data "$data")
echo "$list" | grep -qP '^maria\tstore-manager\tS1,S2$' || fail "user list on PostgreSQL: $list"
hash=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT password_hash FROM staff_users WHERE name = 'maria'")
case "$hash" in 'scrypt$'*) ;; *) fail "the user is not in PostgreSQL: '$hash'" ;; esac


# Campaigns (PostgreSQL migration 8): kept there, with the same checks as on SQLite.
"$ctl" campaign add --data "$data" --id spring-flyer --name "Spring flyer" --channel flyer \
  --from 2026-03-01 --to 2026-03-31 --spend-cents 120000 >/dev/null || fail "campaign add"
if "$ctl" campaign add --data "$data" --id late-flyer --name "Late" --channel flyer \
  --from 2026-03-31 --to 2026-04-10 --spend-cents 1 2>"$work/out-$$"; then
  fail "an overlapping campaign was kept"; fi
grep -q "shares days with the kept campaign 'spring-flyer'" "$work/out-$$" || fail "overlap: $(cat "$work/out-$$")"
out=$("$ctl" campaign list --data "$data")
case "$out" in "spring-flyer"$'\t'"flyer"$'\t'"2026-03-01"*) ;; *) fail "campaign list: $out" ;; esac
kept=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT spend_cents FROM campaigns WHERE id = 'spring-flyer'")
[ "$kept" = 120000 ] || fail "the campaign is not in PostgreSQL: '$kept'"

# Members' rights: export, then erasure (docs/members-rights.md, "On PostgreSQL").
"$ctl" member add --data "$data" --name "Grace Hopper" --store S1 --birth-date 1906-12-09 >/dev/null
id=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT id FROM members WHERE name = 'Grace Hopper'")
"$ctl" member export --data "$data" --member "$id" | grep -q '"name":"Grace Hopper"' || fail "member export"
"$ctl" member erase --data "$data" --member "$id" --reason "customer request" --staff j.smith |
  grep -q "member $id erased: 1 card(s)" || fail "member erase"
left=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT name || '|' || coalesce(birth_date, '') || '|' || (SELECT count(*) FROM erasures) FROM members WHERE id = $id")
[ "$left" = "||1" ] || fail "after erasure: '$left'"

# The rewards report reads rewards_days (PostgreSQL migration 12), kept there by its
# triggers: Grace counts from her enrollment, in no tier yet (erasure changes none of it).
rewards=$("$ctl" report rewards --data "$data" --format csv | tr -d '\r')
echo "$rewards" | head -1 | grep -q "^tier,members,points_outstanding," || fail "rewards header: $rewards"
[ "$(echo "$rewards" | sed -n 2p | cut -d, -f1-3)" = "none,1,0" ] || fail "rewards on PostgreSQL: $rewards"
[ "$(echo "$rewards" | wc -l)" = 2 ] || fail "rewards rows on PostgreSQL: $rewards"

for command in "seed --members 10"; do
  # shellcheck disable=SC2086
  if "$ctl" $command --data "$data" >"$work/out-$$" 2>&1; then
    fail "'$command' answered on PostgreSQL: $(cat "$work/out-$$")"; fi
  grep -q "not yet supported on PostgreSQL" "$work/out-$$" || fail "'$command': $(cat "$work/out-$$")"
done
[ ! -e "$data/rapport.db" ] || fail "a SQLite file was made in the folder"
rm -rf "$data" "$work/out-$$"
echo "ok: postgresql folder"
