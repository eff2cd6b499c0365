#!/usr/bin/env bash
# The rapportctl commands for signed member tokens (docs/cards.md), run as an operator would
# in a fresh data folder. ctest runs one scenario per test:
#
#   tests/cli/card_tokens.sh RAPPORTCTL WORKDIR keys|token|bundle
set -euo pipefail
ctl=$1 work=$2 scenario=$3
data="$work/data-$scenario"
rm -rf "$data"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$ctl" init --data "$data" --store S1 >/dev/null

case "$scenario" in
keys)
  # init made key 1; a new key becomes active, the old one stays valid.
  "$ctl" card-keys new --data "$data" | grep "Token key 2 created" >/dev/null || fail "new key is not 2"
  [ "$(stat -c %a "$data/token-keys/2.key")" = 600 ] || fail "2.key is not mode 0600"
  [ "$(stat -c %a "$data/token-keys")" = 700 ] || fail "token-keys/ is not mode 0700"
  list=$("$ctl" card-keys list --data "$data")
  echo "$list" | grep -Eq '^1 +valid +20[0-9-]+T' || fail "key 1 not listed valid: $list"
  echo "$list" | grep -Eq '^2 +active ' || fail "key 2 not listed active: $list"
  grep -c '^Key-Id:' "$data/token-keys/token-keys.pem" | grep -x 2 >/dev/null || fail "keyring lacks a key"
  # The active key cannot be retired; an old one can, once.
  if "$ctl" card-keys retire --data "$data" 2 2>/dev/null; then fail "retired the active key"; fi
  "$ctl" card-keys retire --data "$data" 1 | grep "retired" >/dev/null || fail "retire 1"
  if "$ctl" card-keys retire --data "$data" 1 2>/dev/null; then fail "retired key 1 twice"; fi
  if "$ctl" card-keys retire --data "$data" 9 2>/dev/null; then fail "retired a missing key"; fi
  [ ! -e "$data/token-keys/1.key" ] || fail "retired private key still on disk"
  "$ctl" card-keys list --data "$data" | grep -Eq '^1 +retired ' || fail "key 1 not retired"
  grep '^Key-Id:' "$data/token-keys/token-keys.pem" | grep -x 'Key-Id: 2' >/dev/null || fail "keyring"
  # Ids are never reused: the next key is 3.
  "$ctl" card-keys new --data "$data" | grep "Token key 3 created" >/dev/null || fail "new key is not 3"
  ;;
token)
  card=$("$ctl" member add --data "$data" --name "Ada Lovelace" --store S1 |
         sed -n 's/.*card \([0-9 ]\{19\}\).*/\1/p')
  [ -n "$card" ] || fail "no card number"
  out=$("$ctl" card token --data "$data" --member 1 --card "$card")
  echo "$out" | grep -Eq '^qr: RPT:[A-Z2-7]{128}$' || fail "QR text: $out"
  echo "$out" | grep -Eq '^ntag: 010100[0-9a-f]{154}$' || fail "NTAG bytes: $out"
  out=$("$ctl" card token --data "$data" --member 1 --card "$card" --uid 04A1B2C3D4E580)
  echo "$out" | grep -Eq '^ntag: 010107[0-9a-f]{26}04a1b2c3d4e580[0-9a-f]{128}$' ||
    fail "NTAG bytes bound to the UID: $out"
  if echo "$out" | grep '^qr:' >/dev/null; then fail "a chip-bound token was offered as a QR code"; fi
  # Refusals: someone else's member id, a mistyped card, a UID of the wrong length.
  if "$ctl" card token --data "$data" --member 2 --card "$card" 2>/dev/null; then
    fail "signed a card for the wrong member"
  fi
  if "$ctl" card token --data "$data" --member 1 --card 6275991234567895 2>/dev/null; then
    fail "signed a mistyped card number"
  fi
  if "$ctl" card token --data "$data" --member 1 --card "$card" --uid 0102 2>/dev/null; then
    fail "accepted a 2-byte UID"
  fi
  ;;
bundle)
  "$ctl" card-keys new --data "$data" >/dev/null
  "$ctl" terminal issue --data "$data" --id T1 --store S1 >/dev/null
  bundle="$data/terminals/T1"
  grep -qx 'token_keys = "token-keys.pem"' "$bundle/terminal.toml" || fail "terminal.toml"
  [ "$(grep -c '^Key-Id:' "$bundle/token-keys.pem")" = 2 ] || fail "bundle lacks a public key"
  if grep -q PRIVATE "$bundle/token-keys.pem"; then fail "a private key went to a terminal"; fi
  if ls "$bundle" | grep -Eq '^[0-9]+\.key$'; then fail "a signing key went to a terminal"; fi
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
echo "ok: $scenario"
