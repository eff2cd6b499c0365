#!/usr/bin/env bash
# Campaigns, regions and `rapportctl report --region` (docs/reports.md), run as an operator
# would in a fresh data folder. ctest runs one scenario per test:
#
#   tests/cli/campaigns.sh RAPPORTCTL WORKDIR import|region
set -euo pipefail
ctl=$1 work=$2 scenario=$3
data="$work/data-campaigns-$scenario"
rm -rf "$data"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$ctl" init --data "$data" --store S1 >/dev/null
campaigns() { "$ctl" campaign list --data "$data" | wc -l; }

case "$scenario" in
import)
  printf 'id,name,channel,starts_on,ends_on,spend_cents\nspring-flyer,Spring flyer,flyer,2026-03-01,2026-03-31,120000\nsocial-1,Social ads,social,2026-03-01,2026-04-30,45050\n' \
    >"$work/good-$$.csv"
  out=$("$ctl" campaign import --data "$data" "$work/good-$$.csv")
  case "$out" in *"2 campaign(s) recorded, 1650.50 spend"*) ;; *) fail "good import: $out" ;; esac
  [ "$(campaigns)" = 2 ] || fail "campaigns after import: $(campaigns)"
  # Line 2 is fine, line 3 shares days with the kept spring-flyer, line 4 has no such day:
  # both reported with their lines, and line 2 is not recorded either.
  printf 'id,name,channel,starts_on,ends_on,spend_cents\napp-1,App launch,app,2026-05-01,2026-05-31,300\nflyer-2,Late flyer,flyer,2026-03-31,2026-04-10,100\nradio-1,Radio,radio,2026-02-30,2026-03-10,100\n' \
    >"$work/bad-$$.csv"
  if "$ctl" campaign import --data "$data" "$work/bad-$$.csv" 2>"$work/err-$$"; then
    fail "imported a file with mistakes"; fi
  grep -q "line 4: starts_on must be a date" "$work/err-$$" || fail "line 4 not reported: $(cat "$work/err-$$")"
  [ "$(campaigns)" = 2 ] || fail "a bad file recorded campaigns: $(campaigns)"
  # The file's own lines pass, so the kept campaigns are checked: line 3 is named.
  printf 'id,name,channel,starts_on,ends_on,spend_cents\napp-1,App launch,app,2026-05-01,2026-05-31,300\nflyer-2,Late flyer,flyer,2026-03-31,2026-04-10,100\n' \
    >"$work/bad-$$.csv"
  if "$ctl" campaign import --data "$data" "$work/bad-$$.csv" 2>"$work/err-$$"; then
    fail "imported a campaign overlapping a kept one"; fi
  grep -q "line 3: shares days with the kept campaign 'spring-flyer'" "$work/err-$$" ||
    fail "line 3 not reported: $(cat "$work/err-$$")"
  grep -q "nothing was recorded" "$work/err-$$" || fail "does not say nothing was recorded"
  [ "$(campaigns)" = 2 ] || fail "an overlapping file recorded campaigns: $(campaigns)"
  "$ctl" campaign add --data "$data" --id app-1 --name "App launch" --channel app \
    --from 2026-05-01 --to 2026-05-31 --spend-cents 300 >/dev/null || fail "campaign add"
  if "$ctl" campaign add --data "$data" --id app-1 --name "Again" --channel app \
    --from 2027-05-01 --to 2027-05-31 --spend-cents 300 2>/dev/null; then fail "the same id twice"; fi
  [ "$(campaigns)" = 3 ] || fail "campaigns after add: $(campaigns)"
  # The acquisition report lists every campaign, even those that won nobody yet.
  "$ctl" report acquisition --data "$data" --format csv >"$work/acq-$$.csv"
  grep -q $'^flyer,spring-flyer,0,0,,,120000,0,\r$' "$work/acq-$$.csv" ||
    fail "acquisition: $(cat "$work/acq-$$.csv")"
  rm -f "$work/good-$$.csv" "$work/bad-$$.csv" "$work/err-$$" "$work/acq-$$.csv"
  ;;
region)
  "$ctl" store set-region --data "$data" --id S1 --region North >/dev/null || fail "set-region S1"
  if "$ctl" store set-region --data "$data" --id S9 --region North 2>/dev/null; then
    fail "set the region of a store that does not exist"; fi
  "$ctl" seed --data "$data" --members 300 --stores 3 --months 12 --seed 4 >/dev/null 2>&1 ||
    fail "seed"
  "$ctl" value refresh --data "$data" >/dev/null 2>&1 || fail "value refresh"
  "$ctl" store add --data "$data" --id S4 --name "Quay" --region North >/dev/null || fail "store add"
  # S1 is the North's only store with members (S2 South, S3 East by the seed; S4 is new).
  "$ctl" report customer-equity --data "$data" --region North >"$work/north-$$.csv"
  "$ctl" report customer-equity --data "$data" --store S1 >"$work/s1-$$.csv"
  [ "$(wc -l <"$work/north-$$.csv")" = 2 ] || fail "North: $(cat "$work/north-$$.csv")"
  cmp -s "$work/north-$$.csv" "$work/s1-$$.csv" || fail "North is not S1: $(cat "$work/north-$$.csv")"
  "$ctl" store set-region --data "$data" --id S3 --region North >/dev/null || fail "set-region S3"
  "$ctl" report customer-equity --data "$data" --region North >"$work/north-$$.csv"
  [ "$(wc -l <"$work/north-$$.csv")" = 3 ] || fail "North with S3: $(cat "$work/north-$$.csv")"
  grep -q "^S3," "$work/north-$$.csv" || fail "S3 missing from the North"
  # Members by channel: the region's members are the store's.
  north=$("$ctl" report acquisition-cost --data "$data" --region South --format csv |
    awk -F, 'NR > 1 { n += $2 } END { print n + 0 }')
  s2=$("$ctl" report acquisition-cost --data "$data" --store S2 --format csv |
    awk -F, 'NR > 1 { n += $2 } END { print n + 0 }')
  [ "$north" = "$s2" ] && [ "$s2" -gt 0 ] || fail "South has $north members, S2 $s2"
  "$ctl" report acquisition --data "$data" --region Atlantis >"$work/none-$$.csv"
  [ "$(wc -l <"$work/none-$$.csv")" = 1 ] || fail "an unknown region has rows"
  rm -f "$work/north-$$.csv" "$work/s1-$$.csv" "$work/none-$$.csv"
  ;;
*) fail "unknown scenario $scenario" ;;
esac
echo "ok: $scenario"
