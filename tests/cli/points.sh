#!/usr/bin/env bash
# The rapportctl points commands (docs/rewards.md), run as an operator would in a fresh data
# folder. ctest runs one scenario per test:
#
#   tests/cli/points.sh RAPPORTCTL WORKDIR adjust|import
set -euo pipefail
ctl=$1 work=$2 scenario=$3
data="$work/data-points-$scenario"
rm -rf "$data"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$ctl" init --data "$data" --store S1 >/dev/null
"$ctl" member add --data "$data" --name "Ada Lovelace" --store S1 >/dev/null
"$ctl" member add --data "$data" --name "Bob" --store S1 >/dev/null
balance() { "$ctl" points balance --data "$data" --member "$1" | sed -n 's/.*balance \(-\{0,1\}[0-9]*\) points.*/\1/p'; }

case "$scenario" in
adjust)
  [ "$(balance 1)" = 0 ] || fail "a new member has points"
  "$ctl" points adjust --data "$data" --member 1 --points 250 --reason "lost receipt" \
    --staff j.smith | grep "balance 250" >/dev/null || fail "adjust +250"
  "$ctl" points adjust --data "$data" --member 1 --points -50 --reason "correction" \
    --staff j.smith >/dev/null || fail "adjust -50"
  [ "$(balance 1)" = 200 ] || fail "balance after adjustments: $(balance 1)"
  if "$ctl" points adjust --data "$data" --member 1 --points 0 --reason x --staff y 2>/dev/null; then
    fail "accepted 0 points"; fi
  if "$ctl" points adjust --data "$data" --member 1 --points 5 --staff y 2>/dev/null; then
    fail "accepted an adjustment without a reason"; fi
  if "$ctl" points adjust --data "$data" --member 9 --points 5 --reason x --staff y 2>/dev/null; then
    fail "adjusted a member who does not exist"; fi
  if "$ctl" points balance --data "$data" --member 9 2>/dev/null; then fail "balance of nobody"; fi
  "$ctl" points liability --data "$data" | grep "outstanding points: 200 held by 1 member" >/dev/null ||
    fail "liability: $("$ctl" points liability --data "$data")"
  "$ctl" points liability --data "$data" | grep "(balanced)" >/dev/null || fail "books not balanced"
  "$ctl" points reviews --data "$data" | grep "no redemptions" >/dev/null || fail "reviews"
  ;;
import)
  printf 'member_id,points,reason,staff\n1,500,store opening gift,j.smith\n2,-20,duplicate award,j.smith\n' \
    >"$work/good-$$.csv"
  "$ctl" points import --data "$data" "$work/good-$$.csv" | grep "imported 2 line(s)" >/dev/null ||
    fail "good import"
  [ "$(balance 1)" = 500 ] && [ "$(balance 2)" = -20 ] || fail "balances after import"
  # The same file again: refused, nothing applied twice.
  if "$ctl" points import --data "$data" "$work/good-$$.csv" 2>"$work/err-$$"; then
    fail "imported the same file twice"; fi
  grep -q "imported before" "$work/err-$$" || fail "no reason for refusing: $(cat "$work/err-$$")"
  # Mistakes on lines 3 and 5 and a member who does not exist on line 4: all reported with
  # their lines, and the good line 2 is not applied either.
  printf 'member_id,points,reason,staff\n1,100,fine,j.smith\n2,ten,bad points,j.smith\n9,5,nobody,j.smith\n1,5,,j.smith\n' \
    >"$work/bad-$$.csv"
  if "$ctl" points import --data "$data" "$work/bad-$$.csv" 2>"$work/err-$$"; then
    fail "imported a file with mistakes"; fi
  grep -q "line 3: points must be" "$work/err-$$" || fail "line 3 not reported: $(cat "$work/err-$$")"
  grep -q "line 4: there is no member 9" "$work/err-$$" || fail "line 4 not reported"
  grep -q "line 5: reason must be" "$work/err-$$" || fail "line 5 not reported"
  grep -q "nothing was applied" "$work/err-$$" || fail "does not say nothing was applied"
  [ "$(balance 1)" = 500 ] || fail "a bad file changed a balance: $(balance 1)"
  rm -f "$work/good-$$.csv" "$work/bad-$$.csv" "$work/err-$$"
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "ok: $scenario"
