#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer (clang 14, ASan + UBSan) for a while,
# starting from the committed corpus. New crashing inputs are written to build/clang-fuzz/;
# add each as a regression file under tests/fuzz/corpus/<target>/, named for the bug.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 600        # 10 min per target
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,8p' "$0"; exit 0 ;; esac
seconds=${1:-60}

scripts/install-deps.sh
if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
fi
cmake --preset clang-fuzz >/dev/null
cmake --build --preset clang-fuzz
for target in card_read sync_messages config transactions summary \
              keyboard_report track_data report_descriptor hid_pos_report holdout enrollment member_token ccid_reply dashboard_request screen_request points_csv rewards_rules card_messages pos_request campaigns_csv; do
  echo "== fuzz_$target for ${seconds}s"
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$target/." "$work/"
  (cd build/clang-fuzz && "./tests/fuzz_$target" -max_total_time="$seconds" -max_len=8192 "$work")
  rm -rf "$work"
done
