#!/usr/bin/env bash
# `rapportctl user add` / `user list` as an operator runs them (docs/dashboard.md): the
# password from stdin only, role and store rules, and no password in the database in clear.
#
#   tests/cli/user_commands.sh RAPPORTCTL WORKDIR
set -euo pipefail
ctl=$1 work=$2
data="$work/data-users"
rm -rf "$data"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$ctl" init --data "$data" --store S1 --store S2 >/dev/null

add() { printf '%s\n' "$1" | "$ctl" user add --data "$data" "${@:2}" 2>&1; }

out=$(add "short" --name maria --role store-manager --stores S1) && fail "short password taken"
echo "$out" | grep "at least 10 characters" >/dev/null || fail "no advice on short password: $out"
out=$(add "long enough pass" --name hq --role head-office --stores S1) && fail "hq with stores"
echo "$out" | grep "leave --stores out" >/dev/null || fail "no advice for head-office stores: $out"
out=$(add "long enough pass" --name maria --role store-manager) && fail "manager without stores"
out=$(add "long enough pass" --name maria --role boss --stores S1) && fail "unknown role taken"
out=$(add "long enough pass" --name maria --role store-manager --stores S9) && fail "unknown store"
echo "$out" | grep "no store 'S9'" >/dev/null || fail "unknown store not named: $out"
add "long enough pass" --name maria --role store-manager --stores S1,S2 | grep "user maria added" >/dev/null ||
  fail "maria not added"
add "long enough pass" --name hq --role head-office | grep "user hq added" >/dev/null || fail "hq not added"
out=$(add "long enough pass" --name maria --role store-manager --stores S1) && fail "duplicate name"
echo "$out" | grep "the name is taken" >/dev/null || fail "duplicate not explained: $out"

list=$("$ctl" user list --data "$data")
echo "$list" | grep -P '^maria\tstore-manager\tS1,S2$' >/dev/null || fail "maria not listed: $list"
echo "$list" | grep -P '^hq\thead-office\t\*$' >/dev/null || fail "hq not listed: $list"
# Only salted scrypt hashes are stored; never the password.
grep -q "long enough pass" "$data/rapport.db" && fail "password stored in clear"
hashes=$(sqlite3 "$data/rapport.db" "SELECT password_hash FROM staff_users ORDER BY name")
[ "$(echo "$hashes" | grep -c '^scrypt\$ln=17,r=8,p=1\$[0-9a-f]\{32\}\$[0-9a-f]\{64\}$')" = 2 ] ||
  fail "hashes not scrypt with parameters: $hashes"
[ "$(echo "$hashes" | sort -u | wc -l)" = 2 ] || fail "same password, same hash: not salted"
echo "ok: users"
