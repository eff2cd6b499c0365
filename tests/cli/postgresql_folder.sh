#!/usr/bin/env bash
# rapportctl on a data folder whose database is PostgreSQL (docs/deployment.md, "On
# PostgreSQL"), as an operator would after `storage migrate`: what works through the Store
# acts on PostgreSQL (stores, terminals' enrollment codes, points, the value refresh, staff
# users, the head-office reports ported there); what still needs SQLite says so and fails,
# never answering from an empty file. Uses the run's throwaway cluster (RAPPORT_PG_CLUSTER,
# tests/support/pg_cluster.h).
#
#   tests/cli/postgresql_folder.sh RAPPORTCTL WORKDIR
set -euo pipefail
ctl=$1 work=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -n "${RAPPORT_PG_CLUSTER:-}" ] || fail "RAPPORT_PG_CLUSTER is not set (run through ctest)"
socket=$(cat "$RAPPORT_PG_CLUSTER/socket_dir")
db="cli_folder_$$"
psql -h "$socket" -U root -d postgres -qc "CREATE DATABASE $db" >/dev/null
trap 'psql -h "$socket" -U root -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
url="postgresql:///$db?host=$socket&user=root"
data="$work/data-postgresql-$$"
rm -rf "$data"
"$ctl" init --data "$data" --store S1 >/dev/null
"$ctl" storage migrate --from "sqlite://$data/rapport.db" --to "$url" >/dev/null 2>&1
# The folder now names PostgreSQL; its SQLite file goes, so nothing can be read from it.
sed -i "s|^database = .*|database = \"${url//&/\\&}\"|" "$data/server.toml"
rm -f "$data"/rapport.db*

"$ctl" store add --data "$data" --id S2 --name "Harbour Road" >/dev/null
stores=$("$ctl" store list --data "$data" | tr '\n' ' ')
[ "$stores" = "S1 S2 " ] || fail "store list on PostgreSQL: $stores"
out=$("$ctl" terminal add --data "$data" --store S2 --id T9)
case "$out" in *"RAP1-"*) ;; *) fail "terminal add on PostgreSQL: $out" ;; esac
used=$(psql -h "$socket" -U root -d "$db" -tAc "SELECT store_id FROM enrollment_codes WHERE terminal_id = 'T9'")
[ "$used" = "S2" ] || fail "the code is not in PostgreSQL: '$used'"
"$ctl" points liability --data "$data" | grep -q "outstanding points: 0" || fail "points liability"

# Head-office reports ported to PostgreSQL answer there (nothing valued yet: the header and
# no rows, never invented zeros); one not ported yet says so and fails.
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

for command in "report acquisition" "campaign list" "seed --members 10"; do
  # shellcheck disable=SC2086
  if "$ctl" $command --data "$data" >"$work/out-$$" 2>&1; then
    fail "'$command' answered on PostgreSQL: $(cat "$work/out-$$")"; fi
  grep -q "not yet supported on PostgreSQL" "$work/out-$$" || fail "'$command': $(cat "$work/out-$$")"
done
[ ! -e "$data/rapport.db" ] || fail "a SQLite file was made in the folder"
rm -rf "$data" "$work/out-$$"
echo "ok: postgresql folder"
